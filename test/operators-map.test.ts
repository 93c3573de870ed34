import assert from "node:assert/strict";
import { test } from "node:test";
import { OptionError, ValidationError } from "../src/core/errors.js";
import { MapOperator } from "../src/operators/map.js";
import { rejectionOf } from "./fakes.js";

test("map: applies fn to the whole input when no keys are set", async () => {
  const double = new MapOperator({ fn: (i: { value: number }) => ({ value: i.value * 2 }) });
  assert.deepEqual(await double({ value: 5 }), { value: 10 });
  assert.equal(double.name, "map");
  assert.equal(double.effects, "pure");
  assert.equal(double.inputKey, undefined);
  assert.equal(double.outputKey, undefined);
});

test("map: inputKey reads one key and outputKey wraps the result", async () => {
  const len = new MapOperator({ fn: (s: string) => s.length, inputKey: "text", outputKey: "n" });
  assert.deepEqual(await len({ text: "abcd", other: true }), { n: 4 });
  assert.equal(len.inputKey, "text");
  assert.equal(len.outputKey, "n");

  const onlyIn = new MapOperator({ fn: (n: number) => n + 1, inputKey: "x" });
  assert.equal(await onlyIn({ x: 1 }), 2);
  const onlyOut = new MapOperator({ fn: (n: number) => n + 1, outputKey: "y" });
  assert.deepEqual(await onlyOut(1), { y: 2 });
});

test("map: an async fn is awaited before wrapping", async () => {
  const slow = new MapOperator({ fn: async (n: number) => n * 3, outputKey: "tripled" });
  assert.deepEqual(await slow(4), { tripled: 12 });
});

test("map: applyTo is sync for a sync fn, so fused maps need no promise", () => {
  const inc = new MapOperator({ fn: (n: number) => n + 1, inputKey: "n", outputKey: "m" });
  assert.deepEqual(inc.applyTo({ n: 1 }), { m: 2 });
});

test("map: inputKey on a non-object input is a ValidationError naming the operator", async () => {
  const pick = new MapOperator({ fn: (v: unknown) => v, inputKey: "a", name: "pick" });
  const err = await rejectionOf(pick(null as unknown as { a: unknown }));
  assert.ok(err instanceof ValidationError);
  assert.equal(err.code, "not_an_object");
  assert.equal(err.path, "pick");
});

test("map: declared effects are kept and unknown ones refused at construction", () => {
  assert.equal(new MapOperator({ fn: Math.random, effects: "stochastic" }).effects, "stochastic");
  assert.throws(
    () => new MapOperator({ fn: (x: number) => x, effects: "sometimes" as "pure" }),
    (err: unknown) => err instanceof OptionError && err.code === "invalid_option",
  );
  assert.throws(
    () => new MapOperator({ fn: "not a function" as unknown as (x: number) => number }),
    OptionError,
  );
});

test("map: the keyed input type requires the key", () => {
  const len = new MapOperator({ fn: (s: string) => s.length, inputKey: "text" });
  // @ts-expect-error: the input must hold "text"
  void (() => len({ other: "x" }));
});
