/**
 * The entry points `ember-xcs worker` and `ember-xcs run --redis` call: plain functions, so
 * the CLI only parses flags and passes them on.
 */
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { getGlobalBudget } from "../core/budget.js";
import { configure } from "../engine/configure.js";
import { withExecutor } from "../operator/context.js";
import type { AnyOperator } from "../operator/operator.js";
import { BullMQExecutor, type BullMQExecutorOptions } from "./bullmq-executor.js";
import { collectOperators, moduleOperator, type OperatorModule } from "./registry.js";
import { type EmberWorker, startWorker, type WorkerOptions } from "./worker.js";

/** Imports a module file (`.js`, or `.ts` under tsx) and returns its operator. */
export async function loadOperator(modulePath: string): Promise<AnyOperator> {
  const mod = (await import(pathToFileURL(resolve(modulePath)).href)) as OperatorModule;
  return moduleOperator(mod, modulePath);
}

export interface RunWorkerOptions extends Omit<WorkerOptions, "operators" | "redis"> {
  /** The module file whose default export's operators this worker registers. */
  module: string;
  /** A Redis URL, e.g. `redis://127.0.0.1:6379`. */
  redis: string;
  /** Stops the worker when it aborts; SIGTERM and SIGINT do too. */
  signal?: AbortSignal;
  /** Told once the worker takes jobs. */
  onReady?: (worker: EmberWorker) => void;
}

/**
 * `ember-xcs worker <module> --redis URL [--concurrency N]`: registers the module's
 * operators by name and runs jobs until SIGTERM (or SIGINT, or `signal`), then stops taking
 * jobs, lets the running ones finish and disconnects. Resolves once stopped.
 */
export async function runWorker(options: RunWorkerOptions): Promise<void> {
  const { module, signal, onReady, ...rest } = options;
  const operators = collectOperators(await loadOperator(module));
  // The process is the worker's: its global budget must not cap the jobs it was told to run.
  const concurrency = rest.concurrency ?? 8;
  if (concurrency > getGlobalBudget().limit) configure({ maxConcurrency: concurrency });
  const worker = await startWorker({ ...rest, operators });
  await new Promise<void>((done) => {
    const stop = () => {
      process.off("SIGTERM", stop);
      process.off("SIGINT", stop);
      signal?.removeEventListener("abort", stop);
      void worker.close().then(done, done);
    };
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
    if (signal?.aborted) stop();
    else signal?.addEventListener("abort", stop, { once: true });
    onReady?.(worker);
  });
}

export interface WithBullMQOptions extends Omit<BullMQExecutorOptions, "operators"> {
  /** The operators that may be sent to workers; usually the run's root operator. */
  operators: BullMQExecutorOptions["operators"];
}

/**
 * `ember-xcs run … --redis URL`: runs `fn` with a BullMQ executor installed, so every leaf
 * call it makes that a worker can run becomes a job (the driver keeps the scheduler, the
 * budget and effectful calls), and closes the executor after, whatever `fn` did.
 *
 * @example
 * const out = await withBullMQ({ redis: url, operators: op }, () => op(input));
 */
export async function withBullMQ<T>(
  options: WithBullMQOptions,
  fn: (executor: BullMQExecutor) => Promise<T>,
): Promise<T> {
  const executor = await BullMQExecutor.open(options);
  try {
    return await withExecutor(executor, () => fn(executor));
  } finally {
    await executor.close();
  }
}
