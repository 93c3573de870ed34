/**
 * Known JIT surprises, each pinned to today's behaviour (the tinygrad practice): if one of
 * these changes, the change is deliberate and this file says so.
 */
import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import {
  EnsembleOperator,
  getJitStats,
  jit,
  Operator,
  resetJit,
  SequenceOperator,
} from "../src/index.js";
import { FakeLeaf, Probe } from "./fakes.js";

afterEach(() => resetJit());

type Q = { q: string };

test("caveat 1 (by design): without preserveStochasticity an identical stochastic call reuses its sample", async () => {
  const probe = new Probe();
  const llm = new FakeLeaf({ probe, effects: "stochastic", fn: (i: Q, s) => `${i.q}#${s}` });
  const seq = new SequenceOperator({
    operators: [new EnsembleOperator({ operators: [llm, llm] })],
  });
  const fast = jit(seq, { mode: "structural" });
  const a = await fast({ q: "same" });
  const b = await fast({ q: "same" });
  assert.deepEqual(a, b);
  assert.equal(probe.calls, 2);
});

class Templated extends Operator<Q, unknown> {
  readonly a: Operator<Q, string>;
  readonly b: Operator<Q, string>;
  constructor(probe: Probe) {
    super();
    this.a = new FakeLeaf({ probe, name: "a", fn: (i: Q) => i.q });
    this.b = new FakeLeaf({ probe, name: "b", fn: (i: Q) => i.q });
  }
  async forward(input: Q) {
    return [await this.a({ q: `Question: ${input.q}` }), await this.b({ q: input.q })];
  }
}

test("caveat 2: an input built by string formatting is a constant to the trace; it is never started early until a run confirms it", async () => {
  const probe = new Probe();
  const fast = jit(new Templated(probe), { mode: "trace" });
  for (const q of ["1", "2", "3", "4", "5"]) await fast({ q });
  const stats = getJitStats(fast);
  // a: the trace keeps "Question: 1" as a constant. Call 2 makes it with "Question: 2",
  // which does not confirm it, and so on: it is never started early, so no call is wasted
  // (before the confirmation rule it was started with the stale constant and missed).
  assert.equal(stats.speculationMisses, 0);
  assert.equal(stats.retraces, 0);
  assert.equal(probe.calls, 10);
  // b (a path of the input) hit on every speculating call.
  assert.equal(stats.speculationHits, 4);
  assert.match(fast.explain().text, /Templated\/a#0 .*early once a run confirms its constants/);
});

test("caveat 2b: a literal in forward is confirmed by the first speculating run, then started early", async () => {
  const probe = new Probe();
  class Literal extends Operator<Q, unknown> {
    readonly a = new FakeLeaf({ probe, name: "a", fn: (i: { q: string; style: string }) => i.q });
    async forward(input: Q) {
      return this.a({ q: input.q, style: "brief" });
    }
  }
  const fast = jit(new Literal(), { mode: "trace" });
  for (const q of ["1", "2", "3", "4"]) await fast({ q });
  const stats = getJitStats(fast);
  // Call 1 traces, call 2 confirms `style: "brief"`, calls 3 and 4 start it early.
  assert.equal(stats.speculationHits, 2);
  assert.equal(stats.speculationMisses, 0);
  assert.equal(probe.calls, 4);
});

class Logs extends Operator<Q, string> {
  readonly write: Operator<Q, string>;
  constructor(
    readonly log: string[],
    probe: Probe,
  ) {
    super();
    this.write = new FakeLeaf({
      probe,
      effects: "effectful",
      fn: (i: Q) => {
        log.push(i.q);
        return "ok";
      },
    });
  }
  forward(input: Q) {
    return this.write(input);
  }
}

test("caveat 3: with mode trace, sampleInput runs the operator once at jit() time, effects included", async () => {
  const log: string[] = [];
  const fast = jit(new Logs(log, new Probe()), { mode: "trace", sampleInput: { q: "sample" } });
  await fast({ q: "real" });
  assert.deepEqual(log, ["sample", "real"]);
  assert.equal(getJitStats(fast).executions, 1);
});

test("caveat 4: a new input shape means a new trace (plans are per signature)", async () => {
  const probe = new Probe();
  const fast = jit(new Templated(probe), { mode: "trace" });
  await fast({ q: "x" });
  await fast({ q: "x", extra: 1 } as Q);
  assert.equal(getJitStats(fast).compilations, 2);
  assert.equal(getJitStats(fast).cacheEntries, 2);
});

test("memo: a node whose inputs never repeat stops keying them after a trial (nothing to reuse)", async () => {
  let calls = 0;
  class Sample extends Operator<{ q: string }, { s: string }> {
    override readonly effects = "stochastic";
    forward(i: { q: string }) {
      calls++;
      return { s: `${i.q}#${calls}` };
    }
  }
  const fast = jit(new EnsembleOperator({ operators: [new Sample()] }), { mode: "structural" });
  for (let k = 0; k < 300; k++) await fast({ q: `distinct ${k}` });
  calls = 0;
  // Past the trial with no hit: a repeated input is called again rather than served.
  await fast({ q: "distinct 299" });
  assert.equal(calls, 1);
  // A node whose inputs do repeat keeps its memo.
  const repeating = jit(new EnsembleOperator({ operators: [new Sample()] }), {
    mode: "structural",
  });
  for (let k = 0; k < 300; k++) await repeating({ q: `q${k % 3}` });
  calls = 0;
  await repeating({ q: "q1" });
  assert.equal(calls, 0);
});
