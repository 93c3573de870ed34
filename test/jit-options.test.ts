import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import {
  EnsembleOperator,
  getJitStats,
  JitCache,
  jit,
  MapOperator,
  Operator,
  OptionError,
  resetJit,
  SequenceOperator,
} from "../src/index.js";
import { FakeLeaf, Probe } from "./fakes.js";

afterEach(() => resetJit());

const twoMaps = () =>
  new SequenceOperator({
    operators: [
      new MapOperator({ fn: (i: { value: number }) => ({ value: i.value * 2 }) }),
      new MapOperator({ fn: (i: { value: number }) => ({ value: i.value + 1 }) }),
    ],
  });

test("unknown modes and options are TypeErrors that list the valid values", () => {
  const op = twoMaps();
  assert.throws(
    () => jit(op, { mode: "fast" as never }),
    (e: unknown) =>
      e instanceof TypeError &&
      e instanceof OptionError &&
      e.code === "unknown_mode" &&
      e.message ===
        '[unknown_mode] jit(): unknown mode "fast"; expected one of "auto" | "trace" | "structural" | "enhanced"',
  );
  // The same code as an unknown key of a graph run, configure() or retryPolicy().
  assert.throws(
    () => jit(op, { speed: 3 } as never),
    (e: unknown) =>
      e instanceof OptionError &&
      e.code === "unknown_option" &&
      /unknown option "speed".*"forceTrace"/.test(e.message),
  );
  assert.throws(() => jit(op, { recursive: "yes" } as never), { code: "invalid_option" });
  assert.throws(() => jit(op, { maxConcurrency: 0 }), TypeError);
  assert.throws(() => jit(op, { cache: {} as never }), TypeError);
  assert.throws(() => jit(42 as never), TypeError);
});

test("forceTrace recompiles on every call and stays correct", async () => {
  const op = twoMaps();
  const fast = jit(op, { mode: "structural", forceTrace: true });
  for (const value of [1, 2, 3, 4]) assert.deepEqual(await fast({ value }), await op({ value }));
  const stats = getJitStats(fast);
  assert.equal(stats.compilations, 4);
  assert.equal(stats.executions, 4);
  assert.equal(stats.cacheHits, 0);
});

test("without forceTrace the same target compiles once", async () => {
  const fast = jit(twoMaps(), { mode: "structural" });
  for (const value of [1, 2, 3, 4]) await fast({ value });
  assert.equal(getJitStats(fast).compilations, 1);
  assert.equal(getJitStats(fast).cacheHits, 3);
});

test("sampleInput compiles at jit() time, before any call", async () => {
  const fast = jit(twoMaps(), { mode: "structural", sampleInput: { value: 1 } });
  const before = getJitStats(fast);
  assert.equal(before.compilations, 1);
  assert.equal(before.executions, 0);
  assert.deepEqual(await fast({ value: 5 }), { value: 11 });
  const after = getJitStats(fast);
  assert.equal(after.compilations, 1);
  assert.equal(after.cacheHits, 1);
  assert.equal(after.executions, 1);
});

function sampler(probe: Probe) {
  return new FakeLeaf({
    probe,
    name: "llm",
    effects: "stochastic",
    delayMs: 1,
    fn: (i: { q: string }, sample) => `${i.q}#${sample}`,
  });
}

test("preserveStochasticity: false reuses a repeated identical stochastic call across calls", async () => {
  const probe = new Probe();
  const llm = sampler(probe);
  const ens = new SequenceOperator({
    operators: [new EnsembleOperator({ operators: [llm, llm, llm] })],
  });
  const fast = jit(ens, { mode: "structural" });
  const first = await fast({ q: "x" });
  assert.equal(probe.calls, 3);
  assert.deepEqual(await fast({ q: "x" }), first);
  assert.equal(probe.calls, 3);
  await fast({ q: "y" });
  assert.equal(probe.calls, 6);
});

test("preserveStochasticity: true never reuses a stochastic result", async () => {
  const probe = new Probe();
  const llm = sampler(probe);
  const ens = new SequenceOperator({
    operators: [new EnsembleOperator({ operators: [llm, llm, llm] })],
  });
  const fast = jit(ens, { mode: "structural", preserveStochasticity: true });
  const first = (await fast({ q: "x" })) as { responses: string[] };
  const second = (await fast({ q: "x" })) as { responses: string[] };
  assert.equal(probe.calls, 6);
  assert.equal(new Set([...first.responses, ...second.responses]).size, 6);
});

class TwoCalls extends Operator<{ q: string }, { a: string; b: string }> {
  readonly left: Operator<{ q: string }, string>;
  readonly right: Operator<{ q: string }, string>;
  constructor(probe: Probe) {
    super();
    this.name = "two_calls";
    this.left = new FakeLeaf({ probe, name: "left", fn: (i: { q: string }) => `L${i.q}` });
    this.right = new FakeLeaf({ probe, name: "right", fn: (i: { q: string }) => `R${i.q}` });
  }
  async forward(input: { q: string }) {
    return { a: await this.left(input), b: await this.right(input) };
  }
}

test("recursive: nested custom operators are jitted in their own right; recursive: false leaves them", async () => {
  const probe = new Probe();
  const custom = new TwoCalls(probe);
  const seq = new SequenceOperator({ operators: [custom] });
  const deep = jit(seq, { mode: "structural" });
  const shallow = jit(seq, { mode: "structural", recursive: false });
  assert.deepEqual(await deep({ q: "1" }), await seq({ q: "1" }));
  assert.deepEqual(await shallow({ q: "1" }), await seq({ q: "1" }));
  assert.match(
    deep.explain().plan,
    /n1 = two_calls\[effectful\] {2}sequence\/operators\[0\] {2}← n0 {2}· jitted/,
  );
  assert.match(shallow.explain().plan, /n1 = two_calls\[effectful\] {2}sequence\/operators\[0\]/);
  assert.equal(
    shallow.explain().notes.some((n) => n.includes("recursive: false")),
    true,
  );
  assert.equal(
    deep.explain().notes.some((n) => n.includes("recursive: false")),
    false,
  );
  // The nested operator has jit stats of its own only when recursive.
  assert.equal(getJitStats(custom).executions, 1);
});

test("a custom cache holds plans apart from the global one, within its bound", async () => {
  const cache = new JitCache({ maxEntries: 2 });
  const ops = [twoMaps(), twoMaps(), twoMaps()];
  for (const op of ops) await jit(op, { mode: "structural", cache })({ value: 1 });
  assert.equal(cache.size, 2);
  assert.equal(getJitStats().cacheEntries, 0);
});
