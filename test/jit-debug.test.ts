import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import { jit, MapOperator, Operator, resetJit, SequenceOperator } from "../src/index.js";
import { setDebug } from "../src/jit/debug.js";

afterEach(() => {
  resetJit();
  setDebug({ level: 0 });
});

const seq = () =>
  new SequenceOperator({
    name: "qa",
    operators: [
      new MapOperator({ inputKey: "question", outputKey: "a", fn: async (q: string) => `${q}!` }),
      new MapOperator({ inputKey: "question", outputKey: "b", fn: async (q: string) => `${q}?` }),
    ],
  });

test("EMBER_DEBUG=1 prints each compiled plan once, with its printed form", async () => {
  const lines: string[] = [];
  setDebug({ level: 1, sink: (l) => lines.push(l) });
  const fast = jit(seq(), { mode: "structural" });
  await fast({ question: "x" });
  await fast({ question: "y" });
  assert.equal(lines.length, 1);
  assert.match(
    lines[0]!,
    /^jit qa: compiled in \d+\.\d\d ms · mode structural\nplan structural for qa\n/,
  );
  assert.ok(lines[0]!.includes("n1 = map[pure]  qa/operators[0]  ← n0"));
});

test("EMBER_DEBUG=2 adds a line per run with per-node timings", async () => {
  const lines: string[] = [];
  setDebug({ level: 2, sink: (l) => lines.push(l) });
  const fast = jit(seq(), { mode: "structural" });
  await fast({ question: "x" });
  await fast({ question: "y" });
  const runs = lines.filter((l) => l.startsWith("run qa"));
  assert.equal(runs.length, 2);
  assert.match(runs[1]!, /^run qa #2 · cache hit · \d+\.\d\d ms · structural/);
  // Nodes are named as everywhere: `name (path)`.
  assert.match(
    runs[1]!,
    /\n {2}\w+ \(qa\/operators\[0\]\) {2}ran \d+\.\d\d ms {2}wait \d+\.\d\d ms/,
  );
});

test("EMBER_DEBUG: a trace prints its capture and recorded plan, and per-node lines at level 2", async () => {
  const lines: string[] = [];
  setDebug({ level: 2, sink: (l) => lines.push(l) });
  try {
    class Both extends Operator<{ q: string }, unknown> {
      override readonly name = "both";
      readonly left = new MapOperator({
        name: "left",
        fn: async (i: { q: string }) => ({ l: i.q }),
      });
      readonly right = new MapOperator({
        name: "right",
        fn: async (i: { q: string }) => ({ r: i.q }),
      });
      async forward(i: { q: string }) {
        return { ...(await this.left(i)), ...(await this.right(i)) };
      }
    }
    const fast = jit(new Both(), { mode: "trace" });
    await fast({ q: "a" });
    await fast({ q: "b" });
    const text = lines.join("\n");
    assert.match(text, /jit both: captured 2 calls \(2 early\) in \d+\.\d\d ms/);
    assert.match(text, /plan trace for both · speculating\n {2}c0 = left\[pure\] {2}both\/left#0/);
    const run2 = lines.find((l) => l.startsWith("run both #2"))!;
    assert.match(run2, /\n {2}both\/left {2}ran \d+\.\d\d ms {2}early/);
    assert.match(run2, /\n {2}both\/right {2}ran \d+\.\d\d ms {2}early/);
  } finally {
    setDebug({ level: 0 });
  }
});
