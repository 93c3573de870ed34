import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import {
  EnsembleOperator,
  explainJitSelection,
  getJitStats,
  jit,
  MapOperator,
  type Plan,
  registerStrategy,
  resetJit,
  SequenceOperator,
  type Strategy,
} from "../src/index.js";
import { FakeLeaf, Probe } from "./fakes.js";

afterEach(() => resetJit());

const keyed = (key: string) =>
  new MapOperator({ inputKey: "question", outputKey: key, fn: async (q: string) => `${key}:${q}` });

test("auto picks structural for independent keyed steps and says why, with every score", () => {
  const seq = new SequenceOperator({ operators: [keyed("a"), keyed("b")] });
  const s = explainJitSelection(seq);
  assert.equal(s.selected, "structural");
  assert.equal(s.reason, "structural scored highest: 1 independent steps");
  assert.deepEqual(Object.keys(s.scores).sort(), ["enhanced", "structural", "trace"]);
  assert.equal(s.scores.structural!.features.independentSteps, 1);
  assert.equal(typeof s.scores.trace!.rationale, "string");
});

test("a target with nothing to gain gets a pass-through plan", async () => {
  const probe = new Probe();
  const leaf = new FakeLeaf({ probe, fn: (i: { q: string }) => i.q });
  assert.equal(explainJitSelection(leaf).selected, "passthrough");
  // An ensemble already runs its members concurrently when eager: nothing to gain.
  const other = new FakeLeaf({ probe, fn: (i: { q: string }) => i.q.length });
  const ens = new EnsembleOperator<{ q: string }, unknown>({ operators: [leaf, other] });
  assert.equal(explainJitSelection(ens).selected, "passthrough");
  const fast = jit(leaf);
  assert.equal(await fast({ q: "x" }), "x");
  assert.equal(fast.strategy, "passthrough");
  assert.equal(getJitStats(fast).strategy, "passthrough");
  assert.match(fast.explain().plan, /plan passthrough for fake/);
});

test("a registered strategy is chosen by auto when it scores highest, and its plan runs", async () => {
  let ran = 0;
  const doubling: Strategy = {
    name: "always-ten",
    score: () => ({ score: 0.99, rationale: "test strategy", features: { test: true } }),
    compile: ({ target }): Plan => ({
      strategy: "always-ten",
      graph: undefined,
      notes: [],
      shapeSensitive: false,
      run: async (input) => {
        ran++;
        return { wrapped: await (target as unknown as (i: unknown) => Promise<unknown>)(input) };
      },
      toString: () => "plan always-ten",
    }),
  };
  registerStrategy(doubling);
  const seq = new SequenceOperator({ operators: [keyed("a"), keyed("b")] });
  assert.equal(explainJitSelection(seq).selected, "always-ten");
  const fast = jit(seq);
  assert.equal(fast.strategy, "always-ten");
  assert.deepEqual(await fast({ question: "q" }), {
    wrapped: { question: "q", a: "a:q", b: "b:q" },
  });
  assert.equal(ran, 1);
  assert.throws(() => registerStrategy({ ...doubling, name: "structural" }), TypeError);
});
