import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import {
  explainJitSelection,
  getJitStats,
  jit,
  MapOperator,
  Operator,
  resetJit,
  SequenceOperator,
} from "../src/index.js";
import type { Effects } from "../src/operator/effects.js";
import { FakeLeaf, Probe } from "./fakes.js";

afterEach(() => resetJit());

type Acc = Record<string, string>;

/** An unkeyed async step: it reads `question` (and `peek` when asked to) off the whole input. */
function unkeyed(probe: Probe, k: number, effects: Effects = "pure") {
  return new MapOperator({
    name: `step${k}`,
    effects,
    fn: async (i: Acc) => {
      const start = probe.enter(`step${k}`);
      await new Promise((r) => setTimeout(r, 5));
      probe.exit(`step${k}`, start);
      const extra = i.question!.startsWith("peek") ? `+${i.a0 ?? "none"}` : "";
      return { [`a${k}`]: `${k}:${i.question}${extra}` };
    },
  });
}

const combine = new MapOperator({
  name: "combine",
  fn: async (i: Acc) => ({ answer: [i.a0, i.a1, i.a2, i.a3].join("|") }),
});

const pipeline = (probe: Probe, effects: Effects = "pure") =>
  new SequenceOperator({
    name: "qa",
    operators: [0, 1, 2, 3]
      .map((k) => unkeyed(probe, k, k === 2 ? effects : "pure"))
      .concat([combine]),
  });

test("enhanced: unkeyed steps that only read the input run together from the second call on", async () => {
  const probe = new Probe();
  const seq = pipeline(probe);
  assert.equal(explainJitSelection(seq).selected, "enhanced");
  const fast = jit(seq, { mode: "enhanced" });
  assert.deepEqual(await fast({ question: "q1" }), await seq({ question: "q1" }));
  probe.reset();
  for (const q of ["q2", "q3"]) {
    const want = await seq({ question: q });
    probe.reset();
    assert.deepEqual(await fast({ question: q }), want);
    assert.equal(probe.peakInFlight, 4);
    assert.equal(probe.calls, 4);
  }
  const stats = getJitStats(fast);
  assert.equal(stats.compilations, 1);
  // Five unkeyed steps (the combiner too) checked on each of two calls.
  assert.equal(stats.speculationHits, 10);
  assert.equal(stats.speculationMisses, 0);
  assert.match(fast.explain().plan, /guard step1: reads \{question\} writes \{a1\}/);
});

test("enhanced: a step reading outside its recorded keys is caught and the sequence runs in order", async () => {
  const probe = new Probe();
  const seq = pipeline(probe);
  const fast = jit(seq, { mode: "enhanced" });
  await fast({ question: "q1" });
  // "peek…" makes every step read a0 too, which step 0 writes: running them together was wrong.
  const want = await seq({ question: "peek" });
  assert.deepEqual(await fast({ question: "peek" }), want);
  assert.equal((want as Acc).a1, "1:peek+0:peek+none");
  const stats = getJitStats(fast);
  // Steps 0–3 read a0 outside their record; the combiner read what it recorded.
  assert.equal(stats.speculationMisses, 4);
  assert.equal(stats.speculationHits, 1);
  assert.deepEqual(await fast({ question: "q9" }), await seq({ question: "q9" }));
});

test("enhanced: a sequence with a non-pure step keeps its order", async () => {
  const probe = new Probe();
  const seq = pipeline(probe, "stochastic");
  const fast = jit(seq, { mode: "enhanced" });
  await fast({ question: "q1" });
  probe.reset();
  await fast({ question: "q2" });
  assert.equal(probe.peakInFlight, 1);
});

class TwoAsks extends Operator<{ question: string; alt: string }, { x: string; y: string }> {
  readonly ask: Operator<{ q: string }, string>;
  constructor(probe: Probe) {
    super();
    this.ask = new FakeLeaf({ probe, name: "ask", fn: (i: { q: string }) => `ask(${i.q})` });
  }
  async forward(input: { question: string; alt: string }) {
    return { x: await this.ask({ q: input.question }), y: await this.ask({ q: input.alt }) };
  }
}

test("enhanced: custom operators inside a composite are traced in their own right", async () => {
  const probe = new Probe();
  const seq = new SequenceOperator({ operators: [new TwoAsks(probe)] });
  assert.equal(explainJitSelection(seq).selected, "enhanced");
  const fast = jit(seq);
  await fast({ question: "a", alt: "b" });
  probe.reset();
  const out = await fast({ question: "c", alt: "d" });
  assert.deepEqual(out, { question: "c", alt: "d", x: "ask(c)", y: "ask(d)" });
  assert.equal(probe.calls, 2);
  assert.equal(probe.peakInFlight, 2);
  assert.equal(getJitStats().speculationHits, 2);
});
