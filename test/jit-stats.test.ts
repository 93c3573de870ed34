import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import {
  getJitStats,
  JitCache,
  jit,
  MapOperator,
  resetJit,
  SequenceOperator,
} from "../src/index.js";

afterEach(() => resetJit());

const pipeline = () =>
  new SequenceOperator({
    name: "pipeline",
    operators: [
      new MapOperator({ fn: (i: { value: number }) => ({ value: i.value * 2 }) }),
      new MapOperator({ fn: (i: { value: number }) => ({ value: i.value + 1 }) }),
    ],
  });

test("a known sequence of calls gives exact counters", async () => {
  const op = pipeline();
  const fast = jit(op, { mode: "structural" });
  const other = jit(pipeline(), { mode: "structural", forceTrace: true });
  for (const value of [1, 2, 3]) await fast({ value });
  await other({ value: 1 });
  await other({ value: 2 });
  await assert.rejects(fast(null as never));
  const s = getJitStats(fast);
  assert.deepEqual(
    {
      compilations: s.compilations,
      cacheHits: s.cacheHits,
      cacheMisses: s.cacheMisses,
      executions: s.executions,
      retraces: s.retraces,
      fallbacks: s.fallbacks,
      speculationHits: s.speculationHits,
      speculationMisses: s.speculationMisses,
      cacheEntries: s.cacheEntries,
      strategy: s.strategy,
    },
    {
      compilations: 1,
      cacheHits: 3,
      cacheMisses: 1,
      executions: 4,
      retraces: 0,
      fallbacks: 0,
      speculationHits: 0,
      speculationMisses: 0,
      cacheEntries: 1,
      strategy: "structural",
    },
  );
  assert.equal(s.avgExecutionTimeMs, s.executionTimeMs / 4);
  assert.ok(s.compileTimeMs > 0);
  // The original operator reports the same counters as the jitted one.
  assert.deepEqual(getJitStats(op).executions, 4);
  const g = getJitStats();
  assert.equal(g.compilations, 3);
  assert.equal(g.executions, 6);
  assert.equal(g.cacheHits, 3);
  assert.equal(g.cacheMisses, 3);
  assert.equal(g.cacheEntries, 2);
});

test("per-node stats count calls of the plan's nodes, keyed `name (path)`", async () => {
  const seq = new SequenceOperator({
    name: "qa",
    operators: [
      new MapOperator({ inputKey: "q", outputKey: "a", fn: async (q: string) => `${q}!` }),
      new MapOperator({ inputKey: "q", outputKey: "b", fn: async (q: string) => `${q}?` }),
    ],
  });
  const fast = jit(seq, { mode: "structural" });
  await fast({ q: "x" });
  await fast({ q: "y" });
  const nodes = getJitStats(fast).nodes;
  assert.deepEqual(Object.keys(nodes).sort(), ["map (qa/operators[0])", "map (qa/operators[1])"]);
  assert.equal(nodes["map (qa/operators[0])"]!.calls, 2);
  assert.equal(nodes["map (qa/operators[1])"]!.calls, 2);
});

test("two targets never share a plan; cacheEntries never exceeds the bound", async () => {
  const cache = new JitCache({ maxEntries: 3 });
  const a = pipeline();
  const b = new SequenceOperator({
    operators: [new MapOperator({ fn: (i: { value: number }) => ({ value: -i.value }) })],
  });
  const fa = jit(a, { mode: "structural", cache });
  const fb = jit(b, { mode: "structural", cache });
  assert.deepEqual(await fa({ value: 5 }), { value: 11 });
  assert.deepEqual(await fb({ value: 5 }), { value: -5 });
  assert.equal(cache.entriesFor(a), 1);
  assert.equal(cache.entriesFor(b), 1);
  for (let i = 0; i < 10; i++) await jit(pipeline(), { mode: "structural", cache })({ value: i });
  assert.equal(cache.size, 3);
  assert.ok(cache.size <= cache.maxEntries);
});

test("jitting a jitted operator jits its original: plans are shared, nothing wrapped twice", async () => {
  const op = pipeline();
  const once = jit(op, { mode: "structural" });
  const twice = jit(once, { mode: "structural" });
  assert.equal(twice.original, op);
  await once({ value: 1 });
  await twice({ value: 1 });
  assert.equal(getJitStats(op).compilations, 1);
  assert.equal(getJitStats(op).cacheHits, 1);
});

test("jit(function) gives a callable operator with the function's result", async () => {
  const double = async (i: { n: number }) => ({ n: i.n * 2 });
  const fast = jit(double);
  assert.deepEqual(await fast({ n: 4 }), { n: 8 });
  assert.equal(getJitStats(double).executions, 1);
  // auto traces a function; one that calls no operator gains nothing and runs as written.
  assert.equal(fast.strategy, "trace");
  assert.equal(getJitStats(double).strategy, "passthrough");
});
