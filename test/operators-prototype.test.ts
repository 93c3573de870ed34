import assert from "node:assert/strict";
import { test } from "node:test";
import { MapOperator } from "../src/operators/map.js";
import { MostCommonOperator } from "../src/operators/most-common.js";
import { ParallelOperator } from "../src/operators/parallel.js";
import { SequenceOperator } from "../src/operators/sequence.js";

// JSON.parse makes "__proto__" an own data key, which is how hostile input arrives.
const hostile = () =>
  JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}');

const prototypeSnapshot = () => Object.getOwnPropertyNames(Object.prototype).sort();

test("prototype keys: sequence and parallel copy __proto__/constructor as data", async () => {
  const before = prototypeSnapshot();
  const step = new MapOperator({ fn: () => hostile() as Record<string, unknown> });
  for (const op of [
    new SequenceOperator({ operators: [step, step] }),
    new ParallelOperator({ operators: [step, step] }),
  ]) {
    const out = await op(hostile());
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
    assert.deepEqual(Object.keys(out), ["__proto__", "constructor"]);
    assert.deepEqual(Object.getOwnPropertyDescriptor(out, "__proto__")?.value, { polluted: true });
  }
  assert.deepEqual(prototypeSnapshot(), before);
  assert.equal(({} as { polluted?: unknown }).polluted, undefined);
});

test("prototype keys: map outputKey and most_common counts stay own data", async () => {
  const before = prototypeSnapshot();
  const wrap = new MapOperator({ fn: (v: unknown) => v, outputKey: "__proto__" });
  const wrapped = await wrap({ polluted: true });
  assert.equal(Object.getPrototypeOf(wrapped), Object.prototype);
  assert.deepEqual(Object.keys(wrapped), ["__proto__"]);

  const vote = new MostCommonOperator();
  const out = await vote({ responses: ["__proto__", "constructor", "__proto__"] });
  assert.equal(out.final_answer, "__proto__");
  assert.equal(Object.getPrototypeOf(out.counts), Object.prototype);
  assert.deepEqual(Object.entries(out.counts), [
    ["__proto__", 2],
    ["constructor", 1],
  ]);
  assert.deepEqual(prototypeSnapshot(), before);
  assert.equal(({} as { polluted?: unknown }).polluted, undefined);
});
