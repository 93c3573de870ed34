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

test("caveat 2: an input built by string formatting is not derivable; its site misses, is recaptured once, then stops", async () => {
  const probe = new Probe();
  const fast = jit(new Templated(probe), { mode: "trace" });
  for (const q of ["1", "2", "3", "4", "5"]) await fast({ q });
  const stats = getJitStats(fast);
  // a: started with the traced constant "Question: 1" and missed on calls 2–4; call 5 is
  // captured again (guard_miss), and three more misses would stop starting it early.
  assert.equal(stats.speculationMisses, 3);
  assert.deepEqual(stats.retraceReasons, [{ reason: "guard_miss", site: "Templated/a#0" }]);
  // b (a path of the input) hit on every speculating call.
  assert.equal(stats.speculationHits, 3);
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
