/**
 * The `ember-xcs` command.
 *
 *   ember-xcs run <module> --input data.jsonl --output out.jsonl [--concurrency N]
 *             [--jit auto|trace|structural|enhanced|off] [--resume] [--cache DIR] [--no-progress]
 *   ember-xcs explain <module> [--input sample.json] [--jit MODE]
 *
 * Exit codes: 0 every item ok, 1 some items failed, 2 bad usage (flag, file, module),
 * 130 interrupted.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { EXIT, UsageError } from "./errors.js";
import { explainCommand } from "./explain.js";
import { JIT_CHOICES, type JitChoice, runCommand } from "./run.js";

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError(`expected an integer >= 1, got "${value}"`);
  return n;
}

interface RunOpts {
  input?: string;
  output?: string;
  concurrency?: number;
  jit: JitChoice;
  resume?: boolean;
  cache?: string;
  progress: boolean;
  timeline?: string;
  trace?: string;
  redis?: string;
}

function program(setExit: (code: number) => void): Command {
  const cli = new Command("ember-xcs")
    .description("Run ember-xcs operators over datasets")
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  cli
    .command("run")
    .description("run the module's operator over every line of a JSONL input")
    .argument("<module>", "a .ts/.js module whose default export is an operator (or returns one)")
    .option("--input <file>", "JSONL input, one JSON object per line (default: stdin)")
    .option("--output <file>", "JSONL output, one line per item (default: stdout)")
    .option("--concurrency <n>", "items and leaf calls in flight at once", positiveInt)
    .addOption(
      new Option("--jit <mode>", "how to run the operator").choices(JIT_CHOICES).default("auto"),
    )
    .option("--resume", "skip the indexes already in --output and append the rest")
    .option("--cache <dir>", "keep model replies in a response cache in this directory")
    .option("--no-progress", "no progress display on stderr")
    .option("--timeline <file>", "write an HTML timeline of the run (every call) to this file")
    .option("--trace <file>", "write Chrome/Perfetto trace events of the run to this file")
    .option("--redis <url>", "send leaf calls to `ember-xcs worker` processes through this Redis")
    .action(async (module: string, opts: RunOpts) => {
      setExit(
        await runCommand(module, {
          ...opts,
          resume: opts.resume === true,
          progressIntervalMs: Number(process.env.EMBER_PROGRESS_INTERVAL_MS ?? 2000),
        }),
      );
    });
  cli
    .command("explain")
    .description("print why a JIT strategy is chosen and the plan it compiles")
    .argument("<module>", "a .ts/.js module whose default export is an operator (or returns one)")
    .option("--input <file>", "a sample input (JSON) to compile the plan for")
    .addOption(
      new Option("--jit <mode>", "the JIT mode")
        .choices(JIT_CHOICES.filter((m) => m !== "off"))
        .default("auto"),
    )
    .action(async (module: string, opts: { input?: string; jit: "auto" }) => {
      process.stdout.write(`${await explainCommand(module, opts)}\n`);
      setExit(EXIT.ok);
    });
  cli
    .command("worker")
    .description("run the module's operators for `ember-xcs run --redis` drivers (BullMQ jobs)")
    .argument("<module>", "the same module the driver runs: its operators are registered by name")
    .requiredOption("--redis <url>", "the Redis the drivers use, e.g. redis://127.0.0.1:6379")
    .option("--concurrency <n>", "jobs this worker runs at once", positiveInt, 8)
    .action(async (module: string, opts: { redis: string; concurrency: number }) => {
      // Loaded only here: the core never loads bullmq.
      const { runWorker } = await import("../distributed/cli-worker.js");
      process.stderr.write(
        `ember-xcs worker: ${module} on ${opts.redis}, ${opts.concurrency} at once\n`,
      );
      let completed = 0;
      let failed = 0;
      await runWorker({
        module,
        redis: opts.redis,
        concurrency: opts.concurrency,
        onReady: () => process.stderr.write("ember-xcs worker: ready\n"),
        onEvent: (e) => {
          if (e.type === "completed") completed++;
          else if (e.type === "failed") failed++;
        },
      });
      process.stderr.write(
        `ember-xcs worker: stopped · ${completed} jobs done · ${failed} failed\n`,
      );
      setExit(EXIT.ok);
    });
  return cli;
}

/** Runs the CLI on `argv` (without node and the script) and resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let code: number = EXIT.ok;
  try {
    await program((c) => {
      code = c;
    }).parseAsync([...argv], { from: "user" });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; every other commander error is a usage error.
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`ember-xcs: ${err.message}\n`);
      return EXIT.usage;
    }
    process.stderr.write(
      `ember-xcs: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    return EXIT.itemsFailed;
  }
}
