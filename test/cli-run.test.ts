import assert from "node:assert/strict";
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { indexes, readRecords, runCli, SRC, startCli, workDir, writeLines } from "./cli-helpers.js";

/** A module whose operator doubles `n`, fails on n = 3, and waits `delay` ms (abortably) first. */
function doubler(dir: string): string {
  const path = join(dir, "double.ts");
  writeFileSync(
    path,
    `import { MapOperator } from ${JSON.stringify(SRC)};
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
export default new MapOperator({
  name: "double",
  fn: async (i: { n: number; delay?: number }) => {
    if (i.delay) await wait(i.delay);
    if (i.n === 3) throw new Error("three is not allowed");
    return { doubled: i.n * 2 };
  },
});
`,
  );
  return path;
}

test("one output line per item, bad lines as invalid_input with their line number, a summary, exit 1 when items failed", async () => {
  const dir = workDir();
  const input = join(dir, "in.jsonl");
  writeLines(input, [{ n: 1 }, { n: 2 }, { n: 3 }, "{not json", "", "[1, 2]", { n: 7 }]);
  const out = join(dir, "out.jsonl");
  const r = await runCli(
    ["run", doubler(dir), "--input", input, "--output", out, "--no-progress"],
    { cwd: dir },
  );
  assert.equal(r.code, 1, r.stderr);
  const records = readRecords(out);
  // The blank line 5 is no item; every other line is exactly one record.
  assert.deepEqual(indexes(records), [0, 1, 2, 3, 5, 6]);
  const byIndex = new Map(records.map((rec) => [rec.index, rec]));
  assert.deepEqual(byIndex.get(0)?.output, { doubled: 2 });
  assert.deepEqual(byIndex.get(6)?.output, { doubled: 14 });
  assert.equal(byIndex.get(2)?.error?.message, "three is not allowed");
  assert.equal(byIndex.get(2)?.error?.path, "");
  const notJson = byIndex.get(3)?.error;
  assert.equal(notJson?.code, "invalid_input");
  assert.match(notJson?.message ?? "", /^line 4: not JSON/);
  assert.equal(byIndex.get(5)?.error?.code, "invalid_input");
  assert.match(
    byIndex.get(5)?.error?.message ?? "",
    /^line 6: expected a JSON object, got an array/,
  );
  assert.match(
    r.stderr,
    /ember-xcs run: 3 ok · 3 failed · 6 lines written · 4 operator calls · 0 model calls · 0 tokens · \$0\.000000 · [\d.]+ s · peak \d+ in flight/,
  );
});

test("exit 0 when every item is ok; stdin and stdout stand in for --input and --output", async () => {
  const dir = workDir();
  const stdin = `${[1, 2, 4].map((n) => JSON.stringify({ n })).join("\n")}\n`;
  const r = await runCli(["run", doubler(dir), "--concurrency", "2", "--jit", "off"], {
    cwd: dir,
    stdin,
  });
  assert.equal(r.code, 0, r.stderr);
  const records = r.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { index: number; output: unknown });
  assert.deepEqual(
    records.sort((a, b) => a.index - b.index),
    [
      { index: 0, output: { doubled: 2 } },
      { index: 1, output: { doubled: 4 } },
      { index: 2, output: { doubled: 8 } },
    ],
  );
});

test("a module returning its operator from a function works, under every --jit mode", async () => {
  const dir = workDir();
  const path = join(dir, "factory.ts");
  writeFileSync(
    path,
    `import { MapOperator, SequenceOperator } from ${JSON.stringify(SRC)};
export default () => new SequenceOperator({ operators: [
  new MapOperator({ fn: (i: { n: number }) => ({ a: i.n + 1 }) }),
  new MapOperator({ fn: (i: { a: number }) => ({ b: i.a * 10 }) }),
] });
`,
  );
  const input = join(dir, "in.jsonl");
  writeLines(input, [{ n: 1 }, { n: 2 }]);
  for (const mode of ["auto", "trace", "structural", "enhanced", "off"]) {
    const out = join(dir, `out-${mode}.jsonl`);
    const r = await runCli(["run", path, "--input", input, "--output", out, "--jit", mode], {
      cwd: dir,
    });
    assert.equal(r.code, 0, `${mode}: ${r.stderr}`);
    const outputs = readRecords(out)
      .sort((a, b) => a.index - b.index)
      .map((rec) => rec.output);
    assert.deepEqual(outputs, [
      { n: 1, a: 2, b: 20 },
      { n: 2, a: 3, b: 30 },
    ]);
  }
});

test("usage errors exit 2 with a clear message", async () => {
  const dir = workDir();
  const op = doubler(dir);
  const input = join(dir, "in.jsonl");
  writeLines(input, [{ n: 1 }]);
  writeFileSync(join(dir, "nothing.ts"), "export const x = 1;\n");
  const cases: [string[], RegExp][] = [
    [["run", join(dir, "missing.ts"), "--input", input], /module not found: .*missing\.ts/],
    [["run", op, "--input", join(dir, "none.jsonl")], /--input: no such file: .*none\.jsonl/],
    [
      ["run", op, "--input", input, "--concurrency", "0"],
      /--concurrency <n>' argument '0' is invalid. expected an integer >= 1/,
    ],
    [
      ["run", op, "--input", input, "--jit", "fast"],
      /Allowed choices are auto, trace, structural, enhanced, off/,
    ],
    [["run", op, "--input", input, "--resume"], /--resume needs --output FILE/],
    [["run", op, "--bogus"], /unknown option '--bogus'/],
    [
      ["run", join(dir, "nothing.ts"), "--input", input],
      /must export an operator .* it has no default export/,
    ],
    [["frobnicate"], /unknown command 'frobnicate'/],
  ];
  // Each case is its own process; they run side by side.
  const results = await Promise.all(cases.map(([args]) => runCli(args, { cwd: dir })));
  results.forEach((r, k) => {
    const [args, message] = cases[k]!;
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, message);
  });
});

test("--resume skips the indexes already written, cuts a truncated last line, and each index ends up once", async () => {
  const dir = workDir();
  const input = join(dir, "in.jsonl");
  writeLines(
    input,
    Array.from({ length: 10 }, (_, n) => ({ n: n + 10 })),
  );
  const out = join(dir, "out.jsonl");
  // An earlier run wrote items 0, 4 and 7, and was killed while writing item 2.
  writeFileSync(
    out,
    `${JSON.stringify({ index: 0, output: "kept" })}\n${JSON.stringify({ index: 4, output: "kept" })}\n${JSON.stringify({ index: 7, output: "kept" })}\n{"index":2,"outp`,
  );
  const r = await runCli(["run", doubler(dir), "--input", input, "--output", out, "--resume"], {
    cwd: dir,
  });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /removed a cut-off last line \(16 bytes\)/);
  assert.match(r.stderr, /7 ok · 0 failed · 3 skipped \(already in the output\) · 7 lines written/);
  const records = readRecords(out);
  assert.deepEqual(indexes(records), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(records.filter((rec) => rec.output === "kept").length, 3);
  // Resuming a finished run runs nothing.
  const again = await runCli(["run", doubler(dir), "--input", input, "--output", out, "--resume"], {
    cwd: dir,
  });
  assert.equal(again.code, 0);
  assert.match(again.stderr, /0 ok · 0 failed · 10 skipped/);
  assert.equal(readRecords(out).length, 10);
});

test("SIGINT stops starting items, finishes the running ones, exits 130; --resume then gives each index exactly once", async () => {
  const dir = workDir();
  const input = join(dir, "in.jsonl");
  const total = 300;
  writeLines(
    input,
    Array.from({ length: total }, (_, n) => ({ n: n + 10, delay: 5 })),
  );
  const out = join(dir, "out.jsonl");
  const { child, done } = startCli(
    ["run", doubler(dir), "--input", input, "--output", out, "--concurrency", "4"],
    { cwd: dir, env: { EMBER_PROGRESS_INTERVAL_MS: "20" } },
  );
  // Interrupt once the run reports progress, i.e. mid-run.
  let sent = false;
  child.stderr!.on("data", (c: Buffer) => {
    if (!sent && /progress: [1-9]/.test(c.toString())) {
      sent = true;
      child.kill("SIGINT");
    }
  });
  const r = await done;
  assert.equal(r.code, 130, r.stderr);
  assert.match(r.stderr, /interrupted; finishing the items in flight/);
  const first = readRecords(out);
  assert.ok(first.length > 0 && first.length < total, `wrote ${first.length} of ${total}`);
  assert.equal(new Set(first.map((rec) => rec.index)).size, first.length, "no index twice");
  assert.ok(
    first.every((rec) => rec.output !== undefined),
    "items in flight finished, not failed",
  );
  const resumed = await runCli(
    ["run", doubler(dir), "--input", input, "--output", out, "--resume"],
    { cwd: dir },
  );
  assert.equal(resumed.code, 0, resumed.stderr);
  const all = readRecords(out);
  assert.deepEqual(
    indexes(all),
    Array.from({ length: total }, (_, i) => i),
  );
  for (const rec of all) assert.deepEqual(rec.output, { doubled: (rec.index + 10) * 2 });
  appendFileSync(out, "");
  assert.equal(readFileSync(out, "utf8").endsWith("\n"), true);
});

test("explain prints the selection and the plan, compiled on a sample input", async () => {
  const dir = workDir();
  const sample = join(dir, "sample.json");
  writeFileSync(sample, JSON.stringify({ n: 2 }));
  const r = await runCli(["explain", doubler(dir), "--input", sample], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^selection: \w+ — /);
  assert.match(r.stdout, /strategy: /);
  assert.match(r.stdout, /plan /);
});

test("--cache DIR: a re-run is answered from the cache, with the same outputs and no tokens", async () => {
  const dir = workDir();
  const path = join(dir, "qa.ts");
  writeFileSync(
    path,
    `import { EnsembleOperator, LLMOperator } from ${JSON.stringify(SRC)};
export default new EnsembleOperator({
  operators: [1, 2, 3].map(() => new LLMOperator({ model: "sim:fast", prompt: "Q: {question}" })),
});
`,
  );
  const input = join(dir, "in.jsonl");
  writeLines(
    input,
    ["a", "b", "c", "d"].map((question) => ({ question })),
  );
  const cache = join(dir, "cache");
  const outputs: unknown[][] = [];
  const summaries: string[] = [];
  for (const name of ["first", "second"]) {
    const out = join(dir, `${name}.jsonl`);
    const r = await runCli(["run", path, "--input", input, "--output", out, "--cache", cache], {
      cwd: dir,
    });
    assert.equal(r.code, 0, r.stderr);
    summaries.push(r.stderr);
    outputs.push(
      readRecords(out)
        .sort((a, b) => a.index - b.index)
        .map((rec) => rec.output),
    );
  }
  assert.match(summaries[0]!, /12 model calls · [1-9]\d* tokens/);
  assert.match(summaries[1]!, /12 model calls \(12 from the cache\) · 0 tokens/);
  assert.deepEqual(outputs[1], outputs[0]);
  const responses = (outputs[0]![0] as { responses: { response: string }[] }).responses;
  assert.equal(new Set(responses.map((r) => r.response)).size, 3, "three samples kept apart");
});

test("--timeline and --trace write the run's HTML timeline and trace events, one per call", async () => {
  const dir = workDir();
  const module = doubler(dir);
  const input = join(dir, "in.jsonl");
  writeLines(input, [{ n: 1 }, { n: 2 }, { n: 4 }]);
  const out = join(dir, "out.jsonl");
  const timeline = join(dir, "run.html");
  const trace = join(dir, "run.trace.json");
  const { code, stderr } = await runCli(
    [
      "run",
      module,
      "--input",
      input,
      "--output",
      out,
      "--jit",
      "off",
      "--no-progress",
      "--timeline",
      timeline,
      "--trace",
      trace,
    ],
    { cwd: dir },
  );
  assert.equal(code, 0, stderr);
  assert.match(stderr, /ember-xcs run: timeline .*run\.html/);
  assert.match(stderr, /ember-xcs run: trace .*run\.trace\.json/);
  const html = readFileSync(timeline, "utf8");
  assert.match(html, /^<!doctype html>/i);
  assert.equal((html.match(/double/g) ?? []).length > 0, true);
  const events = (
    JSON.parse(readFileSync(trace, "utf8")) as { traceEvents: { ph: string; cat?: string }[] }
  ).traceEvents.filter((e) => e.ph === "X" && e.cat?.startsWith("call"));
  assert.equal(events.length, 3);
});
