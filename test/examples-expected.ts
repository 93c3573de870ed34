/** What the examples must print, shared by examples-smoke and package-install. */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";

/**
 * The README's code block after `intro`, as a pattern for what the example prints: the
 * README shows real output, so a change to what the library prints must change it too.
 */
function readmeBlock(intro: string): RegExp {
  const readme = readFileSync(
    join(dirname(new URL(import.meta.url).pathname), "..", "README.md"),
    "utf8",
  );
  const start = readme.indexOf("```\n", readme.indexOf(intro)) + 4;
  const block = readme.slice(start, readme.indexOf("\n```", start));
  return new RegExp(block.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&"));
}

/** Lines each example of ours must print; any other example (papers/) must print something. */
export const EXPECTED: Record<string, RegExp[]> = {
  "quickstart.ts": [/results identical to eager: yes/, /jitted \d+ ms {2}\(\d+\.\d+× faster\)/],
  "rag.ts": [/answer: .+/, /sources: \d+ passages/, /parallel groups: \[rag\/operators\[0\]/],
  "ensemble-judge.ts": [/ember-xcs run: 8 ok · 0 failed/, /8 answers written/, /judged: .+/],
  "agent.ts": [/same as eager: yes/, /strategy trace: [1-9]\d* calls started early and used/],
  "errors.ts": [
    /did you mean `context`\? \(the input has `ctx`\)/,
    /2\. eager: PriceError "price must be positive, got -6" from step quote\/operators\[2\]/,
    /2\. jit {2}: PriceError "price must be positive, got -6" from step quote\/operators\[2\]/,
    /3\. aborted: AbortError/,
    /4\. ok 1 · error not a number: "two" · ok 3/,
  ],
  "tour.ts": [/ true$/m, readmeBlock("`fast.explain().text` prints:")],
  "streaming.ts": [/streamed: .+/, /usage of explain\/operators\[1\]: \d+ tokens/, /stopped after/],
};

/** What distributed.ts prints after a real run: 4 tickets × 3 leaf calls, all run as jobs. */
export const DISTRIBUTED_RAN =
  /distributed: 4 tickets, 12 leaf calls ran as BullMQ jobs on worker \S+/;

/** Every .ts file under `dir`, recursively, relative to it, sorted. */
export function listExamples(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return listExamples(path, base);
      return entry.name.endsWith(".ts") ? [relative(base, path)] : [];
    })
    .sort();
}

/**
 * Checks what `file` (relative to `dir`) printed: its expected lines, or for an example we do
 * not know (papers/), some output, unless it is a helper module another example imports (a
 * data file prints nothing when run).
 */
export function checkOutput(dir: string, file: string, stdout: string, expected?: RegExp[]): void {
  const lines = expected ?? EXPECTED[file];
  if (lines) {
    for (const line of lines) assert.match(stdout, line, `examples/${file} printed:\n${stdout}`);
    return;
  }
  if (/\S/.test(stdout)) return;
  const specifier = `./${basename(file, ".ts")}.js"`;
  const importers = listExamples(dir).filter(
    (other) =>
      other !== file &&
      dirname(other) === dirname(file) &&
      readFileSync(join(dir, other), "utf8").includes(specifier),
  );
  assert.ok(importers.length > 0, `examples/${file} printed nothing and no example imports it`);
}
