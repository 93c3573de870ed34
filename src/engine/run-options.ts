import type { Cancel } from "../core/cancel.js";
import { GraphError, OptionError } from "../core/errors.js";
import type { RunOptions } from "../graph/run-options.js";
import type { CallContext } from "../operator/context.js";
import type { AnyOperator } from "../operator/operator.js";
import { checkTimeoutMs } from "./timeout.js";
import type { Wiring } from "./wiring.js";

/**
 * The JIT's plan executor options, on top of the user's. Internal: not in the user docs.
 * @internal
 */
export interface EngineOptions extends RunOptions {
  /**
   * "raw" rejects with the failing node's own error object, unwrapped, so a jitted call
   * fails exactly as the eager call would. @default "wrap" (OperatorError "node_failed")
   */
  errors?: "wrap" | "raw";
  observer?: RunObserver;
  /**
   * Makes each non-inline node's call instead of `callOperator(node, input, { signal })`,
   * inside the run's scope. The JIT uses it to call a plan node's operator from the context
   * its eager parent would call it from.
   */
  invoke?: NodeInvoker;
  /**
   * Whether node `a` would have finished before node `b` started when run as written. With
   * it (and errors "raw"), a failure does not simply win by being first: nodes that come
   * before it keep running and their own failure takes its place; every other node is
   * aborted or never started. So the run fails with the error eager execution would give.
   */
  precedes?: (a: string, b: string) => boolean;
}

/** @internal */
export type NodeInvoker = (
  id: string,
  operator: AnyOperator,
  input: unknown,
  /** The node's cancellation (a controller whose signal is made only when read). */
  signal: Cancel,
  /** The run's context, which the call is a child of (handed over, not entered). */
  scope: CallContext,
) => Promise<unknown>;

/** @internal Per-node timing for the JIT's stats and EMBER_DEBUG=2. */
export interface RunObserver {
  nodeStarted?(id: string): void;
  /**
   * Called when a node settles, ok or not (not for skipped nodes, nor after the run has
   * ended). `waitMs` is the time leaf calls inside the node waited for budget slots.
   */
  nodeFinished?(id: string, ms: number, waitMs: number): void;
}

const INTERNAL = ["errors", "observer", "invoke", "precedes"];
const KNOWN = new Set([
  "scheduler",
  "maxConcurrency",
  "signal",
  "timeoutMs",
  "nodeTimeoutMs",
  "continueOnError",
  "outputs",
  "errors",
  "observer",
  "invoke",
  "precedes",
]);
const SCHEDULERS = ["parallel", "sequential"];
const ERROR_MODES = ["wrap", "raw"];

/** Refuses unknown options and bad values before anything runs, naming what is valid. */
export function checkRunOptions(options: EngineOptions): void {
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) {
      const valid = [...KNOWN].filter((k) => !INTERNAL.includes(k));
      throw new OptionError("unknown_option", {
        where: "graph run",
        what: "unknown option",
        got: key,
        valid,
      });
    }
  }
  checkChoice("scheduler", options.scheduler, SCHEDULERS);
  checkChoice("errors", options.errors, ERROR_MODES);
  checkTimeoutMs("timeoutMs", options.timeoutMs);
  checkTimeoutMs("nodeTimeoutMs", options.nodeTimeoutMs);
  // maxConcurrency is checked by the Budget the run creates.
}

function checkChoice(what: string, got: unknown, valid: string[]): void {
  if (got !== undefined && !valid.includes(got as string)) {
    throw new OptionError("invalid_option", { where: "graph run", what, got, valid });
  }
}

/**
 * The nodes the result is keyed by: `outputs` if given, else every node with
 * `continueOnError` (so each failure is visible), else the sinks.
 */
export function reportedNodes(wiring: Wiring, options: EngineOptions): readonly number[] {
  if (options.outputs === undefined) {
    return options.continueOnError ? wiring.nodes.map((_, i) => i) : wiring.sinks;
  }
  const missing = options.outputs.filter((id) => !wiring.indexOf.has(id));
  if (missing.length > 0) {
    const named = missing.map((id) => `"${id}"`).join(", ");
    throw new GraphError("missing_node", missing, `outputs: no node ${named} in the graph`);
  }
  return options.outputs.map((id) => wiring.indexOf.get(id)!);
}

export type { RunOptions };
