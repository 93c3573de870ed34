import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import { getJitStats, jit, Operator, resetJit } from "../src/index.js";
import type { Effects } from "../src/operator/effects.js";
import { FakeLeaf, Probe } from "./fakes.js";

afterEach(() => resetJit());

type Q = { q: string };
const leaf = (probe: Probe, name: string, effects: Effects = "pure", delayMs = 5) =>
  new FakeLeaf({ probe, name, effects, delayMs, fn: (i: Q) => `${name}(${i.q})` });

class AskBoth extends Operator<{ a: string; b: string }, { a: string; b: string }> {
  readonly ask: Operator<Q, string>;
  constructor(probe: Probe) {
    super();
    this.name = "ask_both";
    this.ask = leaf(probe, "ask");
  }
  async forward(input: { a: string; b: string }) {
    const a = await this.ask({ q: input.a });
    const b = await this.ask({ q: input.b });
    return { a, b };
  }
}

test("trace: two independent awaits overlap from the second call on", async () => {
  const probe = new Probe();
  const fast = jit(new AskBoth(probe), { mode: "trace" });
  assert.deepEqual(await fast({ a: "x", b: "y" }), { a: "ask(x)", b: "ask(y)" });
  assert.equal(probe.peakInFlight, 1);
  probe.reset();
  assert.deepEqual(await fast({ a: "p", b: "q" }), { a: "ask(p)", b: "ask(q)" });
  assert.equal(probe.calls, 2);
  assert.equal(probe.peakInFlight, 2);
  const stats = getJitStats(fast);
  assert.equal(stats.speculationHits, 2);
  assert.equal(stats.speculationMisses, 0);
  assert.equal(stats.compilations, 1);
  assert.equal(stats.executions, 2);
});

class Mixed extends Operator<Q & { flag?: boolean; alt?: string }, unknown> {
  readonly first: Operator<Q, string>;
  readonly shout: Operator<Q, string>;
  readonly left: Operator<Q, string>;
  readonly right: Operator<Q, string>;
  readonly write: Operator<Q, string>;
  constructor(
    probe: Probe,
    readonly effects_log: string[],
  ) {
    super();
    this.name = "mixed";
    this.first = leaf(probe, "first");
    this.shout = leaf(probe, "shout");
    this.left = leaf(probe, "left");
    this.right = leaf(probe, "right");
    this.write = new FakeLeaf({
      probe,
      name: "write",
      effects: "effectful",
      delayMs: 2,
      fn: (i: Q) => {
        effects_log.push(i.q);
        return "ok";
      },
    });
  }
  async forward(input: Q & { flag?: boolean; alt?: string }) {
    const a = await this.first({ q: input.q });
    await this.write({ q: `log ${a}` });
    // Not derivable from a path: the trace keeps a constant and the guard catches it.
    const b = await this.shout({ q: input.q.toUpperCase() });
    const c = input.flag ? await this.left({ q: a }) : await this.right({ q: a });
    await this.write({ q: `log ${c}` });
    if (b.includes("BOOM")) throw new Error(`boom from ${input.q}`);
    return { a, b, c };
  }
}

async function outcome(run: () => Promise<unknown>) {
  try {
    return { ok: true, value: await run() };
  } catch (err) {
    return { ok: false, type: (err as Error).constructor.name, message: (err as Error).message };
  }
}

test("trace: equivalent to eager on fresh inputs (results, calls, effect log, errors)", async () => {
  const inputs = [
    { q: "a", flag: true },
    { q: "b", flag: true },
    { q: "c", flag: false },
    { q: "boom", flag: true },
    { q: "d", flag: false },
    { q: "e", flag: true },
  ];
  const eagerProbe = new Probe();
  const eagerLog: string[] = [];
  const eager = new Mixed(eagerProbe, eagerLog);
  const jitProbe = new Probe();
  const jitLog: string[] = [];
  const fast = jit(new Mixed(jitProbe, jitLog), { mode: "trace" });
  for (const input of inputs) {
    const want = await outcome(() => eager(input));
    const got = await outcome(() => fast(input));
    assert.deepEqual(got, want, JSON.stringify(input));
  }
  assert.deepEqual(jitLog, eagerLog);
  const stats = getJitStats(fast);
  // Every call fast made is a call eager made, plus the started calls that missed.
  assert.equal(jitProbe.calls, eagerProbe.calls + stats.speculationMisses);
  assert.ok(stats.speculationHits > 0);
});

test("trace: hits and misses are counted exactly; a site that keeps missing is recaptured once, then stops being started", async () => {
  const probe = new Probe();
  const log: string[] = [];
  const fast = jit(new Mixed(probe, log), { mode: "trace" });
  // shout's input happens to equal `alt` when traced: the trace wires it from input.alt,
  // which later calls do not follow, so its guard misses.
  await fast({ q: "t0", flag: true, alt: "T0" });
  // first, left: hit (paths of input / of first's output); shout: miss (wrong wiring).
  for (let i = 1; i <= 3; i++) await fast({ q: `t${i}`, flag: true, alt: "x" });
  let stats = getJitStats(fast);
  assert.equal(stats.speculationHits, 6);
  assert.equal(stats.speculationMisses, 3);
  assert.equal(stats.retraces, 0);
  // Three misses in a row at one site: the next call captures again (a new derivation may fit).
  await fast({ q: "t4", flag: true, alt: "T4" });
  stats = getJitStats(fast);
  assert.equal(stats.retraces, 1);
  assert.deepEqual(stats.retraceReasons, [{ reason: "guard_miss", site: "mixed/shout#0" }]);
  assert.equal(stats.speculationHits, 6);
  for (let i = 5; i <= 7; i++) await fast({ q: `t${i}`, flag: true, alt: "x" });
  assert.match(fast.explain().text, /mixed\/shout#0 missed 3 times in a row after a retrace/);
  await fast({ q: "t8", flag: true, alt: "x" });
  stats = getJitStats(fast);
  assert.equal(stats.speculationHits, 14);
  assert.equal(stats.speculationMisses, 6);
  assert.equal(stats.retraces, 1);
});

test("trace: a data-dependent branch stays correct, is counted, and retraces with its reason", async () => {
  const probe = new Probe();
  const log: string[] = [];
  const fast = jit(new Mixed(probe, log), { mode: "trace" });
  await fast({ q: "x", flag: true });
  const out = await fast({ q: "y", flag: false });
  assert.deepEqual(out, { a: "first(y)", b: "shout(Y)", c: "right(first(y))" });
  let stats = getJitStats(fast);
  // `left` was started once `first` answered, then never asked for. (`shout`'s input is a
  // constant to the trace, unconfirmed: not started.)
  assert.equal(stats.speculationMisses, 1);
  assert.equal(stats.retraces, 0);
  await fast({ q: "z", flag: false });
  stats = getJitStats(fast);
  assert.equal(stats.retraces, 1);
  assert.deepEqual(stats.retraceReasons, [{ reason: "unrecorded_call", site: "mixed/right#0" }]);
  assert.equal(stats.compilations, 2);
});

test("trace: effectful children are never started early and never overlap", async () => {
  const probe = new Probe();
  const log: string[] = [];
  const fast = jit(new Mixed(probe, log), { mode: "trace" });
  for (const q of ["a", "b", "c"]) await fast({ q, flag: true });
  assert.deepEqual(log, [
    "log first(a)",
    "log left(first(a))",
    "log first(b)",
    "log left(first(b))",
    "log first(c)",
    "log left(first(c))",
  ]);
  const writes = probe.intervals.filter((i) => i.name === "write");
  for (let i = 1; i < writes.length; i++) assert.ok(writes[i]!.start > writes[i - 1]!.end);
});

class Fails extends Operator<Q & { skip: boolean }, unknown> {
  readonly good: Operator<Q, string>;
  readonly bad: Operator<Q, string>;
  constructor(probe: Probe) {
    super();
    this.good = leaf(probe, "good");
    this.bad = new FakeLeaf({
      probe,
      name: "bad",
      delayMs: 1,
      fn: (i: Q) => {
        throw new Error(`bad ${i.q}`);
      },
    });
  }
  async forward(input: Q & { skip: boolean }) {
    const g = await this.good(input);
    if (input.skip) return g;
    try {
      return await this.bad(input);
    } catch {
      return `${g} recovered`;
    }
  }
}

test("trace: a started call that fails and is never taken leaks nothing", async () => {
  const leaks: unknown[] = [];
  const onLeak = (reason: unknown) => leaks.push(reason);
  process.on("unhandledRejection", onLeak);
  try {
    const probe = new Probe();
    const fast = jit(new Fails(probe), { mode: "trace" });
    assert.equal(await fast({ q: "1", skip: false }), "good(1) recovered");
    // `bad` is started early, fails, and is never asked for: its error must vanish.
    assert.equal(await fast({ q: "2", skip: true }), "good(2)");
    assert.equal(await fast({ q: "3", skip: false }), "good(3) recovered");
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(leaks, []);
    assert.equal(probe.inFlight, 0);
    assert.equal(getJitStats(fast).speculationMisses, 1);
  } finally {
    process.off("unhandledRejection", onLeak);
  }
});

test("trace: jit(asyncFunction) overlaps the operators the function awaits in turn", async () => {
  const probe = new Probe();
  const a = leaf(probe, "a");
  const b = leaf(probe, "b");
  const both = async (input: Q) => ({ a: await a(input), b: await b({ q: input.q }) });
  const fast = jit(both, { mode: "trace" });
  assert.deepEqual(await fast({ q: "1" }), { a: "a(1)", b: "b(1)" });
  probe.reset();
  assert.deepEqual(await fast({ q: "2" }), { a: "a(2)", b: "b(2)" });
  assert.equal(probe.peakInFlight, 2);
  assert.equal(getJitStats(fast).speculationHits, 2);
});

test("trace: sampleInput traces at jit() time, so the first call already overlaps", async () => {
  const probe = new Probe();
  const fast = jit(new AskBoth(probe), { mode: "trace", sampleInput: { a: "s", b: "t" } });
  await fast.ready();
  assert.equal(getJitStats(fast).executions, 0);
  assert.equal(getJitStats(fast).compilations, 1);
  probe.reset();
  assert.deepEqual(await fast({ a: "p", b: "q" }), { a: "ask(p)", b: "ask(q)" });
  const stats = getJitStats(fast);
  assert.equal(stats.compilations, 1);
  assert.equal(stats.executions, 1);
  assert.equal(stats.speculationHits, 2);
  assert.equal(probe.peakInFlight, 2);
});

test("trace: forceTrace retraces on every call, speculating never", async () => {
  const probe = new Probe();
  const fast = jit(new AskBoth(probe), { mode: "trace", forceTrace: true });
  for (const a of ["1", "2", "3"])
    assert.deepEqual(await fast({ a, b: a }), { a: `ask(${a})`, b: `ask(${a})` });
  const stats = getJitStats(fast);
  assert.equal(stats.compilations, 3);
  assert.equal(stats.speculationHits, 0);
  assert.equal(probe.peakInFlight, 1);
});

test("trace: after maxRecompiles retraces the target runs eagerly and explain() says why", async () => {
  const probe = new Probe();
  const log: string[] = [];
  const fast = jit(new Mixed(probe, log), { mode: "trace", maxRecompiles: 1 });
  const flags = [true, false, false, true, true, false, false];
  for (const [i, flag] of flags.entries()) await fast({ q: `q${i}`, flag });
  const stats = getJitStats(fast);
  assert.equal(stats.retraces, 1);
  assert.equal(stats.fallbacks, 1);
  assert.match(
    fast.explain().text,
    /eager after 1 retraces \(maxRecompiles 1\); last: unrecorded_call/,
  );
});

class Chain extends Operator<Q, string> {
  readonly one: Operator<Q, string>;
  readonly two: Operator<Q, string>;
  constructor(probe: Probe) {
    super();
    this.one = leaf(probe, "one");
    this.two = leaf(probe, "two");
  }
  async forward(input: Q) {
    return this.two({ q: await this.one(input) });
  }
}

test("auto: a trace that yields no concurrency gives way to pass-through", async () => {
  const probe = new Probe();
  const fast = jit(new Chain(probe));
  assert.equal(fast.strategy, "trace");
  assert.equal(await fast({ q: "x" }), "two(one(x))");
  assert.equal(await fast({ q: "y" }), "two(one(y))");
  const stats = getJitStats(fast);
  assert.equal(stats.strategy, "passthrough");
  assert.equal(stats.speculationHits + stats.speculationMisses, 0);
  assert.match(fast.explain().text, /no call that could start early/);
});

class Outer extends Operator<{ a: string; b: string }, unknown> {
  readonly inner: AskBoth;
  readonly other: Operator<Q, string>;
  constructor(probe: Probe) {
    super();
    this.inner = new AskBoth(probe);
    this.other = leaf(probe, "other");
  }
  async forward(input: { a: string; b: string }) {
    return { inner: await this.inner(input), other: await this.other({ q: input.a }) };
  }
}

test("recursive: nested custom operators are traced too; recursive: false traces only the top", async () => {
  const probe = new Probe();
  const deep = jit(new Outer(probe), { mode: "trace" });
  await deep({ a: "1", b: "2" });
  probe.reset();
  await deep({ a: "3", b: "4" });
  // inner's two asks overlap each other and `other`.
  assert.equal(probe.peakInFlight, 3);
  const probe2 = new Probe();
  const shallow = jit(new Outer(probe2), { mode: "trace", recursive: false });
  await shallow({ a: "1", b: "2" });
  probe2.reset();
  await shallow({ a: "3", b: "4" });
  assert.equal(probe2.peakInFlight, 2);
});

test("explain(): a trace plan lists its guards and prints as Mermaid", async () => {
  const probe = new Probe();
  const fast = jit(new AskBoth(probe), { mode: "trace" });
  await fast({ a: "x", b: "y" });
  const explanation = fast.explain();
  assert.deepEqual(explanation.guards, [
    "ask_both/ask#0: handed over only for the same site and an input deep-equal to {q: input.a} as it was when started",
    "ask_both/ask#1: handed over only for the same site and an input deep-equal to {q: input.b} as it was when started",
  ]);
  assert.equal(explanation.mermaid, "flowchart TD\n  c0[ask]\n  c1[ask]");
});
