import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import {
  type AnyOperator,
  EnsembleOperator,
  getJitStats,
  jit,
  MapOperator,
  MostCommonOperator,
  ParallelOperator,
  resetJit,
  SequenceOperator,
} from "../src/index.js";
import { FakeLeaf, Probe } from "./fakes.js";

afterEach(() => resetJit());

/** An async keyed map that reports to the probe: an LLM-like step reading one key. */
function keyedCall(probe: Probe, inputKey: string, outputKey: string) {
  return new MapOperator({
    name: outputKey,
    inputKey,
    outputKey,
    fn: async (value: string) => {
      const start = probe.enter(outputKey);
      await new Promise((r) => setTimeout(r, 5));
      probe.exit(outputKey, start);
      return `${outputKey}(${value})`;
    },
  });
}

test("fusion: consecutive pure sync maps become one plan node and give eager's result", async () => {
  const calls: string[] = [];
  const step = (k: string) =>
    new MapOperator({
      fn: (i: Record<string, number>) => {
        calls.push(k);
        return { [k]: (i.x ?? 0) + 1, x: (i.x ?? 0) * 2 };
      },
    });
  const seq = new SequenceOperator({ operators: [step("a"), step("b"), step("c")] });
  const fast = jit(seq, { mode: "structural" });
  for (const x of [1, 2, 3]) {
    calls.length = 0;
    const eager = await seq({ x });
    const eagerCalls = [...calls];
    calls.length = 0;
    assert.deepEqual(await fast({ x }), eager);
    assert.deepEqual(calls, eagerCalls);
  }
  const plan = fast.explain().plan;
  assert.equal(plan.split("\n").filter((l) => l.includes("fused 3 maps")).length, 1);
  assert.equal(fast.explain().plan.includes("calls · width 1"), true);
  assert.equal(getJitStats(fast).compilations, 1);
});

test("keyed steps reading `question` run together; a step reading their keys waits for them", async () => {
  const probe = new Probe();
  const combine = new MapOperator({
    name: "combine",
    fn: async (i: Record<string, string>) => {
      const start = probe.enter("combine");
      probe.exit("combine", start);
      return { answer: `${i.a}+${i.b}+${i.c}` };
    },
  });
  const seq = new SequenceOperator({
    operators: [
      keyedCall(probe, "question", "a"),
      keyedCall(probe, "question", "b"),
      keyedCall(probe, "question", "c"),
      keyedCall(probe, "a", "d"),
      combine,
    ],
  });
  const eager = await seq({ question: "q1" });
  assert.equal(probe.peakInFlight, 1);
  probe.reset();
  const fast = jit(seq, { mode: "structural" });
  assert.deepEqual(await fast({ question: "q1" }), eager);
  assert.equal(probe.peakInFlight, 3);
  assert.equal(probe.calls, 5);
  const end = (name: string) => probe.intervals.find((i) => i.name === name)!;
  // d reads a: it starts only after a has ended.
  assert.ok(end("d").start > end("a").end);
  // combine reads everything: it starts after every other step ended.
  for (const k of ["a", "b", "c", "d"]) assert.ok(end("combine").start > end(k).end);
  // a fresh input, same plan
  probe.reset();
  assert.deepEqual(await fast({ question: "q2" }), await seq({ question: "q2" }));
  assert.equal(getJitStats(fast).compilations, 1);
  assert.equal(getJitStats(fast).cacheHits, 1);
});

test("a step writing a key read later is never overtaken, even when written by an unkeyed step", async () => {
  const probe = new Probe();
  const unkeyed = new MapOperator({
    name: "unkeyed",
    fn: async (i: Record<string, string>) => {
      const start = probe.enter("unkeyed");
      await new Promise((r) => setTimeout(r, 5));
      probe.exit("unkeyed", start);
      return { question: `${i.question}!` };
    },
  });
  const seq = new SequenceOperator({ operators: [unkeyed, keyedCall(probe, "question", "a")] });
  const fast = jit(seq, { mode: "structural" });
  assert.deepEqual(await fast({ question: "q" }), { question: "q!", a: "a(q!)" });
  assert.equal(probe.peakInFlight, 1);
});

test("an ensemble of one operator calls it once per member, as eager does (each member gets its own output)", async () => {
  const probe = new Probe();
  const pure = new FakeLeaf({ probe, name: "pure", fn: (i: { q: string }) => `p:${i.q}` });
  const ens = new EnsembleOperator({ operators: [pure, pure, pure] });
  const fast = jit(ens, { mode: "structural" });
  assert.deepEqual(await fast({ q: "x" }), { responses: ["p:x", "p:x", "p:x"] });
  // No dedupe within a run: one shared result would hand eager's three objects out as one.
  assert.equal(probe.calls, 3);
  probe.reset();
  const sampler = new FakeLeaf({
    probe,
    name: "llm",
    effects: "stochastic",
    fn: (i: { q: string }, sample) => `${i.q}#${sample}`,
  });
  const samples = jit(new EnsembleOperator({ operators: [sampler, sampler, sampler] }), {
    mode: "structural",
  });
  const out = (await samples({ q: "x" })) as { responses: string[] };
  assert.equal(probe.calls, 3);
  assert.equal(new Set(out.responses).size, 3);
  assert.equal(probe.peakInFlight, 3);
});

test("nested composites are flattened into one schedule: parallel inside sequence inside ensemble", async () => {
  const probe = new Probe();
  const leaf = (name: string) =>
    new FakeLeaf({ probe, name, fn: (i: { q: string }) => ({ [name]: `${name}:${i.q}` }) });
  const inner = new ParallelOperator({ operators: [leaf("a"), leaf("b")] });
  const seq = new SequenceOperator({ operators: [inner, leaf("c")] });
  const vote = new SequenceOperator({
    operators: [
      new EnsembleOperator({
        operators: [
          seq as AnyOperator,
          new MapOperator({ fn: (i: { q: string }) => ({ c: `c:${i.q}` }) }) as AnyOperator,
        ],
        aggregate: (outs: unknown[]) => ({ responses: outs.map((o) => (o as { c: string }).c) }),
      }),
      new MostCommonOperator(),
    ],
  });
  const eager = await vote({ q: "z" });
  probe.reset();
  const fast = jit(vote, { mode: "structural" });
  assert.deepEqual(await fast({ q: "z" }), eager);
  assert.equal(probe.calls, 3);
  assert.equal(probe.peakInFlight, 2);
  const plan = fast.explain().plan;
  assert.match(plan, /sequence\/operators\[0\]\/operators\[0\]\/operators\[0\]\/operators\[1\]/);
});

test("errors from steps are the errors eager execution throws, with the same operator path", async () => {
  const bad = new MapOperator({ name: "bad", fn: () => 42 });
  const seq = new SequenceOperator({
    name: "pipeline",
    operators: [new MapOperator({ fn: (i: object) => i }), bad],
  });
  const eagerError = await seq({ a: 1 }).catch((e: unknown) => e);
  const jitError = await jit(seq, { mode: "structural" })({ a: 1 }).catch((e: unknown) => e);
  assert.ok(eagerError instanceof Error);
  assert.equal((jitError as Error).constructor, eagerError.constructor);
  assert.equal((jitError as Error).message, eagerError.message);
  assert.match(eagerError.message, /pipeline\/operators\[1\]/);
  const notObject = await jit(seq, { mode: "structural" })(7 as never).catch((e: unknown) => e);
  const eagerNotObject = await seq(7 as never).catch((e: unknown) => e);
  assert.equal((notObject as Error).message, (eagerNotObject as Error).message);
});
