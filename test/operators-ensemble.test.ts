import assert from "node:assert/strict";
import { test } from "node:test";
import type { Operator } from "../src/operator/operator.js";
import { EnsembleOperator } from "../src/operators/ensemble.js";
import { MapOperator } from "../src/operators/map.js";
import { FakeLeaf, Probe, rejectionOf } from "./fakes.js";

test("ensemble: runs all members concurrently and returns responses in member order", async () => {
  const probe = new Probe();
  const members = [3, 1, 2, 4].map(
    (delayMs, i) => new FakeLeaf({ probe, delayMs, fn: (q: { q: string }) => `${q.q}${i}` }),
  );
  const ensemble = new EnsembleOperator({ operators: members });
  assert.deepEqual(await ensemble({ q: "a" }), { responses: ["a0", "a1", "a2", "a3"] });
  assert.equal(probe.calls, 4);
  assert.equal(probe.peakInFlight, 4);
});

test("ensemble: aggregate (sync or async) replaces the default output", async () => {
  const probe = new Probe();
  const members = [1, 2, 3].map((n) => new FakeLeaf({ probe, fn: () => n }));
  const sum = new EnsembleOperator({
    operators: members,
    aggregate: (xs) => xs.reduce((a, b) => a + b, 0),
  });
  assert.equal(await sum({}), 6);
  const max = new EnsembleOperator({
    operators: members,
    aggregate: async (xs) => ({ max: Math.max(...xs) }),
  });
  assert.deepEqual(await max({}), { max: 3 });
});

test("ensemble: one stochastic member listed three times makes three real calls", async () => {
  const probe = new Probe();
  const model = new FakeLeaf({
    probe,
    effects: "stochastic",
    fn: (_i: unknown, sample) => `s${sample}`,
  });
  const ensemble = new EnsembleOperator({ operators: [model, model, model] });
  const out = await ensemble({});
  assert.deepEqual([...out.responses].sort(), ["s0", "s1", "s2"]);
  assert.equal(probe.calls, 3);
  assert.equal(ensemble.effects, "stochastic");
});

test("ensemble: the first failure propagates unchanged", async () => {
  const boom = new Error("boom");
  const probe = new Probe();
  const ensemble = new EnsembleOperator({
    operators: [
      new FakeLeaf({ probe, fn: () => 1 }),
      new MapOperator({
        fn: () => {
          throw boom;
        },
      }),
    ],
  });
  assert.equal(await rejectionOf(ensemble({})), boom);
});

test("ensemble: can be subclassed, as the models layer's UniformEnsemble does", async () => {
  class UniformEnsemble<I, R> extends EnsembleOperator<I, R, { responses: R[]; count: number }> {
    constructor(model: Operator<I, R>, count: number) {
      super({
        operators: Array.from({ length: count }, () => model),
        aggregate: (responses) => ({ responses, count }),
      });
      this.name = "uniform_ensemble";
    }
  }
  const probe = new Probe();
  const model = new FakeLeaf({ probe, fn: (i: { q: string }) => i.q.toUpperCase() });
  const uniform = new UniformEnsemble(model, 3);
  assert.deepEqual(await uniform({ q: "x" }), { responses: ["X", "X", "X"], count: 3 });
  assert.equal(uniform.name, "uniform_ensemble");
  assert.equal(uniform.operators.length, 3);
  assert.equal(probe.peakInFlight, 3);
  assert.ok(uniform instanceof EnsembleOperator);
});
