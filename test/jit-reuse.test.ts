/**
 * A passthrough plan is reused by later calls without a cache lookup (the hot path of a
 * dataset run). These tests hold that path to what a lookup does: the same counters, the same
 * LRU order, eviction and clearing seen at once, and the slow path whenever anything watches,
 * intercepts or has aborted the call.
 */
import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import {
  type CallInfo,
  type CallObserver,
  getJitStats,
  JitCache,
  jit,
  resetJit,
  withObserver,
} from "../src/index.js";
import { FakeLeaf, Probe } from "./fakes.js";

afterEach(() => resetJit());

const leaf = (probe: Probe, name = "fake") =>
  new FakeLeaf({ probe, name, delayMs: 0, fn: (i: { q: string }) => `${name}:${i.q}` });

function counters(target: object) {
  const s = getJitStats(target);
  return {
    compilations: s.compilations,
    cacheHits: s.cacheHits,
    cacheMisses: s.cacheMisses,
    executions: s.executions,
    cacheEntries: s.cacheEntries,
    strategy: s.strategy,
  };
}

test("calls that reuse a passthrough plan count hits, executions and time as lookups do", async () => {
  const probe = new Probe();
  const op = leaf(probe);
  const fast = jit(op);
  for (const q of ["a", "b", "c"]) assert.equal(await fast({ q }), `fake:${q}`);
  await assert.rejects(fast(null as never));
  assert.deepEqual(counters(op), {
    compilations: 1,
    cacheHits: 3,
    cacheMisses: 1,
    executions: 4,
    cacheEntries: 1,
    strategy: "passthrough",
  });
  assert.equal(probe.calls, 4);
  assert.ok(getJitStats(op).executionTimeMs > 0);
});

test("a plan evicted while in use is missed and compiled again on the next call", async () => {
  const cache = new JitCache({ maxEntries: 1 });
  const probe = new Probe();
  const a = leaf(probe, "a");
  const b = leaf(probe, "b");
  const fa = jit(a, { cache });
  await fa({ q: "1" });
  await fa({ q: "2" });
  await jit(b, { cache })({ q: "1" });
  assert.equal(cache.entriesFor(a), 0);
  assert.equal(await fa({ q: "3" }), "a:3");
  assert.deepEqual(counters(a), {
    compilations: 2,
    cacheHits: 1,
    cacheMisses: 2,
    executions: 3,
    cacheEntries: 0,
    strategy: "passthrough",
  });
  // cacheEntries above reads the global cache; this one holds a's plan again.
  assert.equal(cache.entriesFor(a), 1);
});

test("calls that reuse a plan keep it recently used: the LRU evicts the other one", async () => {
  const cache = new JitCache({ maxEntries: 2 });
  const probe = new Probe();
  const [a, b, c] = [leaf(probe, "a"), leaf(probe, "b"), leaf(probe, "c")];
  const fa = jit(a, { cache });
  await fa({ q: "1" });
  await jit(b, { cache })({ q: "1" });
  await fa({ q: "2" });
  await jit(c, { cache })({ q: "1" });
  assert.equal(cache.entriesFor(a), 1);
  assert.equal(cache.entriesFor(b), 0);
  assert.equal(cache.entriesFor(c), 1);
});

test("a cleared cache is seen by the next call", async () => {
  const cache = new JitCache();
  const op = leaf(new Probe());
  const fast = jit(op, { cache });
  await fast({ q: "1" });
  cache.clear();
  await fast({ q: "2" });
  assert.equal(getJitStats(op).cacheMisses, 2);
  assert.equal(cache.entriesFor(op), 1);
});

test("forceTrace compiling every call keeps one entry, not none", async () => {
  const op = leaf(new Probe());
  const fast = jit(op, { mode: "trace", forceTrace: true });
  for (const q of ["1", "2", "3"]) await fast({ q });
  const s = getJitStats(op);
  assert.equal(s.compilations, 3);
  assert.equal(s.cacheEntries, 1);
});

test("an aborted call after reused ones rejects as eager does and counts nothing", async () => {
  const op = leaf(new Probe());
  const fast = jit(op);
  await fast({ q: "1" });
  await fast({ q: "2" });
  const reason = new Error("stop");
  const controller = new AbortController();
  controller.abort(reason);
  const eager = await op({ q: "3" }, { signal: controller.signal }).catch((e: unknown) => e);
  const jitted = await fast({ q: "3" }, { signal: controller.signal }).catch((e: unknown) => e);
  assert.equal(eager, reason);
  assert.equal(jitted, reason);
  assert.equal(getJitStats(op).executions, 2);
  assert.equal(getJitStats(op).cacheHits, 1);
});

test("an observer that arrives after reused calls sees the jitted call and the original's", async () => {
  const op = leaf(new Probe());
  const fast = jit(op);
  await fast({ q: "1" });
  await fast({ q: "2" });
  const seen: string[] = [];
  const observer: CallObserver = {
    callStarted: (call: CallInfo) => seen.push(`${call.path}${call.jitted ? " (jitted)" : ""}`),
  };
  assert.equal(await withObserver(observer, () => fast({ q: "3" })), "fake:3");
  assert.deepEqual(seen, ["fake (jitted)", "fake"]);
  assert.equal(getJitStats(op).executions, 3);
});

test("a reused plan nested in a traced function is still seen by the trace", async () => {
  const probe = new Probe();
  const inner = jit(leaf(probe, "inner"));
  await inner({ q: "warm" });
  const outer = async (i: { q: string }) => ({
    a: await inner(i),
    b: await inner({ q: `${i.q}!` }),
  });
  const fast = jit(outer, { mode: "trace" });
  for (const q of ["x", "y"]) assert.deepEqual(await fast({ q }), await outer({ q }));
  // Two independent calls, traced: the plan has them as two nodes.
  assert.match(fast.explain().text, /inner/);
  assert.equal(getJitStats(outer).strategy, "trace");
});
