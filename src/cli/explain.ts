import { readFileSync } from "node:fs";
import { explainJitSelection, jit } from "../jit/jit.js";
import type { JitMode } from "../jit/options.js";
import type { Operator } from "../operator/operator.js";
import { UsageError } from "./errors.js";
import { loadOperator } from "./load.js";

export interface ExplainFlags {
  input?: string;
  jit: JitMode;
}

function readSample(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new UsageError(`--input: no such file: ${path}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(
      `--input ${path} is not JSON: ${err instanceof Error ? err.message : err}`,
    );
  }
}

/** `ember-xcs explain`: why a strategy is chosen, then the plan (compiled on the sample, if given). */
export async function explainCommand(modulePath: string, flags: ExplainFlags): Promise<string> {
  const op = await loadOperator(modulePath);
  const sample = flags.input === undefined ? undefined : readSample(flags.input);
  const selection = explainJitSelection(op);
  const target = op as unknown as Operator<unknown, unknown>;
  const fast = jit(target, {
    mode: flags.jit,
    ...(sample === undefined ? {} : { sampleInput: sample }),
  });
  const lines = [
    `selection: ${selection.selected} — ${selection.reason}`,
    ...Object.entries(selection.scores).map(
      ([name, s]) => `  ${name}: ${s.score} (${s.rationale})`,
    ),
    "",
    fast.explain().text,
  ];
  return lines.join("\n");
}
