import type { Budget } from "../core/budget.js";
import { withScope } from "../operator/context.js";
import { type AnyOperator, callOperator } from "../operator/operator.js";
import type { IndexSet } from "./index-set.js";
import type { ItemErrorRecord, OutputRecord } from "./jsonl-output.js";
import type { Line } from "./lines.js";

export interface RunLinesOptions {
  /** Items run at once, and leaf calls in flight across them (a child of the budget given). */
  budget: Budget;
  /** Indexes already done (resume): not run, not written. */
  skip?: IndexSet;
  /** Stops starting items; those running finish and are written. */
  stop: AbortSignal;
  /** Aborts the items running; an item ended by it is not written, so a resume runs it again. */
  abort: AbortSignal;
  /** Every finished item, in the order they finish. */
  onRecord: (record: OutputRecord) => void;
}

export interface RunLinesResult {
  ok: number;
  failed: number;
  skipped: number;
  /** Items ended by `abort` and not written. */
  aborted: number;
  /** Whether `stop` or `abort` ended the run before the input did. */
  interrupted: boolean;
}

/** An error as one output line: its code and operator path when it has them. */
export function errorRecord(error: unknown): ItemErrorRecord {
  const e = error as { code?: unknown; path?: unknown; message?: unknown; name?: unknown };
  const code =
    typeof e?.code === "string" ? e.code : typeof e?.name === "string" ? e.name : "error";
  const message = error instanceof Error ? error.message : String(error);
  return { code, message, path: typeof e?.path === "string" ? e.path : "" };
}

/** Line n of a JSONL file is item n − 1; a line that is no JSON object is that item's error. */
function parseLine(line: Line): { input: unknown } | { error: ItemErrorRecord } {
  const bad = (message: string) => ({
    error: {
      code: "invalid_input",
      message: `line ${line.number}: ${message}`,
      path: "",
      line: line.number,
    },
  });
  let value: unknown;
  try {
    value = JSON.parse(line.text);
  } catch (err) {
    return bad(`not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return bad(
      `expected a JSON object, got ${Array.isArray(value) ? "an array" : value === null ? "null" : typeof value}`,
    );
  }
  return { input: value };
}

/**
 * Runs `op` on every line of a JSONL stream with `budget.limit` items at a time: workers pull
 * the next line only when they are free, so memory holds the items in flight and no more,
 * however long the input. Items are child calls under `budget` and the `abort` signal, so the
 * budget around the run and any installed observers hold for every call inside them.
 */
export async function runLines(
  op: AnyOperator,
  lines: AsyncIterator<Line>,
  options: RunLinesOptions,
): Promise<RunLinesResult> {
  const { budget, skip, stop, abort, onRecord } = options;
  const result: RunLinesResult = { ok: 0, failed: 0, skipped: 0, aborted: 0, interrupted: false };
  const worker = async (): Promise<void> => {
    while (!stop.aborted && !abort.aborted) {
      const next = await lines.next();
      if (next.done) return;
      const line = next.value;
      if (line.text.trim() === "") continue;
      const index = line.number - 1;
      if (skip?.has(index)) {
        result.skipped++;
        continue;
      }
      const parsed = parseLine(line);
      if ("error" in parsed) {
        result.failed++;
        onRecord({ index, error: parsed.error });
        continue;
      }
      try {
        const output = await callOperator(op, parsed.input);
        result.ok++;
        onRecord({ index, output });
      } catch (error) {
        if (abort.aborted) {
          result.aborted++;
          continue;
        }
        result.failed++;
        onRecord({ index, error: errorRecord(error) });
      }
    }
  };
  await withScope({ budget, signal: abort }, () =>
    Promise.all(Array.from({ length: budget.limit }, worker)),
  );
  result.interrupted = stop.aborted || abort.aborted;
  await lines.return?.();
  return result;
}
