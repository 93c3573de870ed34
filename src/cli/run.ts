import { existsSync, statSync } from "node:fs";
import { Budget, getGlobalBudget } from "../core/budget.js";
import { AbortError } from "../core/errors.js";
import { OutputWriter, type ResumeState, scanOutput } from "../datasets/jsonl-output.js";
import { countLines, readFileLines, readLines } from "../datasets/lines.js";
import { runLines } from "../datasets/run-jsonl.js";
import { configure } from "../engine/configure.js";
import { jit } from "../jit/jit.js";
import type { JitMode } from "../jit/options.js";
import { RunRecorder } from "../observe/recorder.js";
import { writeTimeline } from "../observe/timeline.js";
import { writeTraceEvents } from "../observe/trace-events.js";
import { withObserver } from "../operator/context.js";
import { combineObservers } from "../operator/observer.js";
import type { AnyOperator } from "../operator/operator.js";
import { EXIT, UsageError } from "./errors.js";
import { loadOperator } from "./load.js";
import { RunMeter, startProgress } from "./progress.js";

export const JIT_CHOICES = ["auto", "trace", "structural", "enhanced", "off"] as const;
export type JitChoice = (typeof JIT_CHOICES)[number];

export interface RunFlags {
  input?: string;
  output?: string;
  concurrency?: number;
  jit: JitChoice;
  resume: boolean;
  cache?: string;
  progress: boolean;
  /** Write the run's HTML timeline here when it ends. */
  timeline?: string;
  /** Write the run's Chrome/Perfetto trace-event JSON here when it ends. */
  trace?: string;
  /** Send leaf calls to `ember-xcs worker` processes through this Redis (BullMQ). */
  redis?: string;
  /** Plain progress lines every this many ms when stderr is not a terminal. */
  progressIntervalMs: number;
}

/** `jit(op, { mode })`, or the operator as written for `--jit off`. */
export function withJit(op: AnyOperator, choice: JitChoice): AnyOperator {
  return choice === "off" ? op : (jit(op, { mode: choice as JitMode }) as unknown as AnyOperator);
}

function checkFlags(flags: RunFlags): void {
  if (flags.input !== undefined && flags.input !== "-" && !isFile(flags.input)) {
    throw new UsageError(`--input: no such file: ${flags.input}`);
  }
  if (flags.resume && (flags.output === undefined || flags.output === "-")) {
    throw new UsageError(
      "--resume needs --output FILE: it reads the indexes already written there",
    );
  }
}

function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}

/**
 * `ember-xcs run`: every input line through the module's operator, `--concurrency` items at
 * a time, one output line per item as it finishes. SIGINT stops starting items and lets the
 * running ones finish (a second SIGINT aborts them; those are not written, so `--resume` runs
 * them again), then flushes and exits 130.
 */
export async function runCommand(modulePath: string, flags: RunFlags): Promise<number> {
  checkFlags(flags);
  const op = withJit(await loadOperator(modulePath), flags.jit);
  if (flags.concurrency !== undefined) configure({ maxConcurrency: flags.concurrency });
  if (flags.cache !== undefined) configure({ cache: flags.cache });
  const fromFile = flags.input !== undefined && flags.input !== "-";
  const outputPath = flags.output ?? "-";
  const resume: ResumeState | undefined = flags.resume ? await scanOutput(outputPath) : undefined;
  if (resume && resume.truncatedBytes > 0) {
    process.stderr.write(
      `ember-xcs run: removed a cut-off last line (${resume.truncatedBytes} bytes) from ${outputPath}; its item runs again\n`,
    );
  }
  if (resume && resume.unreadable > 0) {
    process.stderr.write(
      `ember-xcs run: ignored ${resume.unreadable} unreadable lines in ${outputPath}\n`,
    );
  }
  const total = fromFile ? await countLines(flags.input!) : undefined;
  // The process-wide budget, narrowed to --concurrency (configure has already set it when given).
  const global = getGlobalBudget();
  const budget = new Budget(flags.concurrency ?? global.limit, global);
  const meter = new RunMeter(budget, total);
  const writer = OutputWriter.open(outputPath, flags.resume);
  const stop = new AbortController();
  const abort = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) {
      process.stderr.write(
        "\nember-xcs run: interrupted; finishing the items in flight (^C again aborts them)\n",
      );
      stop.abort(new AbortError("interrupted"));
    } else abort.abort(new AbortError("interrupted twice"));
  };
  process.on("SIGINT", onSigint);
  const display = startProgress(meter, {
    enabled: flags.progress,
    intervalMs: flags.progressIntervalMs,
  });
  const lines = fromFile ? readFileLines(flags.input!) : readLines(process.stdin);
  // A recorder only when asked: it keeps every call of the run until the end.
  const recorder =
    flags.timeline !== undefined || flags.trace !== undefined
      ? new RunRecorder({ label: `ember-xcs run ${modulePath}` })
      : undefined;
  const observer = recorder ? combineObservers(meter.observer(), recorder) : meter.observer();
  try {
    const drive = () =>
      withObserver(observer, () =>
        runLines(op, lines, {
          budget,
          skip: resume?.done,
          stop: stop.signal,
          abort: abort.signal,
          onRecord: (record) => {
            if ("error" in record) meter.failed++;
            else meter.ok++;
            writer.write(record);
          },
        }),
      );
    const result = flags.redis
      ? await (await import("../distributed/cli-worker.js")).withBullMQ(
          { redis: flags.redis, operators: op },
          drive,
        )
      : await drive();
    meter.skipped = result.skipped;
    writer.close();
    display.stop();
    process.stderr.write(`${meter.summary(writer.written)}\n`);
    if (recorder) writeRecords(recorder, flags);
    if (result.aborted > 0) {
      process.stderr.write(
        `ember-xcs run: ${result.aborted} items aborted and not written (--resume runs them)\n`,
      );
    }
    if (interrupts > 0) return EXIT.interrupted;
    return meter.failed > 0 ? EXIT.itemsFailed : EXIT.ok;
  } finally {
    display.stop();
    process.off("SIGINT", onSigint);
  }
}

/** The timeline and trace files the run was asked for, each path said on stderr. */
function writeRecords(recorder: RunRecorder, flags: RunFlags): void {
  const record = recorder.finish();
  if (flags.timeline !== undefined) {
    process.stderr.write(`ember-xcs run: timeline ${writeTimeline(record, flags.timeline)}\n`);
  }
  if (flags.trace !== undefined) {
    process.stderr.write(`ember-xcs run: trace ${writeTraceEvents(record, flags.trace)}\n`);
  }
}
