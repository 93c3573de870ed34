import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import {
  configure,
  EnsembleOperator,
  jit,
  MapReduceOperator,
  type Operator,
  resetJit,
  SequenceOperator,
} from "../src/index.js";
import { FakeLeaf, Probe } from "./fakes.js";

afterEach(() => {
  resetJit();
  configure({ maxConcurrency: 64 });
});

function members(probe: Probe, n: number) {
  return Array.from(
    { length: n },
    (_, k) =>
      new FakeLeaf({
        probe,
        name: `m${k}`,
        effects: "stochastic",
        delayMs: 3,
        fn: (i: { q: string }, s) => `${k}:${i.q}:${s}`,
      }),
  );
}

test("maxConcurrency bounds the leaf calls of one jitted call", async () => {
  const probe = new Probe();
  const ens = new SequenceOperator({
    operators: [new EnsembleOperator({ operators: members(probe, 6) })],
  });
  const fast = jit(ens, { mode: "structural", maxConcurrency: 2, preserveStochasticity: true });
  const out = (await fast({ q: "x" })) as { responses: string[] };
  assert.equal(out.responses.length, 6);
  assert.equal(probe.calls, 6);
  assert.equal(probe.peakInFlight, 2);
});

test("the global budget holds across nesting: jitted ensembles inside a MapReduce inside a jitted pipeline", async () => {
  configure({ maxConcurrency: 3 });
  const probe = new Probe();
  const inner = jit(new EnsembleOperator({ operators: members(probe, 4) }), { mode: "structural" });
  const mr = new MapReduceOperator<{ qs: string[] }, { q: string }, unknown, { n: number }>({
    map: (i: { qs: string[] }) => i.qs.map((q) => ({ q })),
    operator: inner as unknown as Operator<{ q: string }, unknown>,
    reduce: (outs: unknown[]) => ({ n: outs.length }),
  });
  const pipeline = jit(new SequenceOperator({ operators: [mr] }), {
    mode: "structural",
    preserveStochasticity: true,
  });
  const out = await pipeline({ qs: ["a", "b", "c", "d", "e"] });
  assert.deepEqual(out, { qs: ["a", "b", "c", "d", "e"], n: 5 });
  assert.equal(probe.calls, 20);
  assert.equal(probe.peakInFlight, 3);
});

test("composites hold no slot while waiting: a budget of one still finishes nested work", async () => {
  configure({ maxConcurrency: 1 });
  const probe = new Probe();
  const nested = new SequenceOperator({
    operators: [
      new EnsembleOperator({
        operators: [
          new EnsembleOperator({ operators: members(probe, 2) }) as unknown as Operator<
            { q: string },
            string
          >,
          ...members(probe, 2),
        ],
      }),
    ],
  });
  const fast = jit(nested, { mode: "structural", preserveStochasticity: true });
  const eager = (await nested({ q: "x" })) as { responses: unknown[] };
  const jitted = (await fast({ q: "x" })) as { responses: unknown[] };
  assert.equal(eager.responses.length, 3);
  assert.equal(jitted.responses.length, 3);
  assert.equal(probe.peakInFlight, 1);
  assert.equal(probe.calls, 8);
});
