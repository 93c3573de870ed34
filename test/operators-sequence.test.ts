import assert from "node:assert/strict";
import { test } from "node:test";
import { ValidationError } from "../src/core/errors.js";
import { MapOperator } from "../src/operators/map.js";
import { SequenceOperator } from "../src/operators/sequence.js";
import { FakeLeaf, Probe, rejectionOf } from "./fakes.js";

test("sequence: the README pipeline turns { value: 5 } into { value: 11 }", async () => {
  const pipeline = new SequenceOperator({
    operators: [
      new MapOperator({ fn: (i: { value: number }) => ({ value: i.value * 2 }) }),
      new MapOperator({ fn: (i: { value: number }) => ({ value: i.value + 1 }) }),
    ],
  });
  assert.deepEqual(await pipeline({ value: 5 }), { value: 11 });
});

test("sequence: input keys survive, later keys win, and the input is not mutated", async () => {
  const seen: unknown[] = [];
  const seq = new SequenceOperator({
    operators: [
      new MapOperator({
        fn: (i: Record<string, unknown>) => {
          seen.push({ ...i });
          return { b: 2, c: 2 };
        },
      }),
      new MapOperator({
        fn: (i: Record<string, unknown>) => {
          seen.push({ ...i });
          return { c: 3 };
        },
      }),
    ],
  });
  const input = { a: 1, b: 1 };
  const out = await seq(input);
  assert.deepEqual(out, { a: 1, b: 2, c: 3 });
  assert.deepEqual(input, { a: 1, b: 1 });
  assert.deepEqual(seen, [
    { a: 1, b: 1 },
    { a: 1, b: 2, c: 2 },
  ]);
});

test("sequence: an empty sequence returns its input", async () => {
  const input = { a: 1 };
  assert.equal(await new SequenceOperator({ operators: [] })(input), input);
});

test("sequence: a step returning a non-object is a ValidationError naming it: map (pipe/operators[1])", async () => {
  const seq = new SequenceOperator({
    name: "pipe",
    operators: [
      new MapOperator({ fn: () => ({ ok: true }) }),
      new MapOperator({ fn: () => 42 }),
      new MapOperator({ fn: () => ({ never: true }) }),
    ],
  });
  const err = await rejectionOf(seq({}));
  assert.ok(err instanceof ValidationError);
  assert.equal(err.code, "step_returned_non_object");
  assert.equal(err.path, "pipe/operators[1]");
  assert.equal(
    err.message,
    "[step_returned_non_object] at map (pipe/operators[1]): step output must be an object, got number",
  );
});

test("sequence: a non-object input is a ValidationError", async () => {
  const seq = new SequenceOperator({ operators: [new MapOperator({ fn: () => ({}) })] });
  for (const bad of [null, 3, "s", [1]]) {
    const err = await rejectionOf(seq(bad as unknown as Record<string, unknown>));
    assert.ok(err instanceof ValidationError);
    assert.equal(err.code, "not_an_object");
    assert.equal(err.path, "sequence");
  }
});

test("sequence: a step's error propagates unchanged and later steps do not run", async () => {
  const boom = new Error("boom");
  const probe = new Probe();
  const seq = new SequenceOperator({
    operators: [
      new MapOperator({
        fn: () => {
          throw boom;
        },
      }),
      new FakeLeaf({ probe, fn: () => ({}) }),
    ],
  });
  assert.equal(await rejectionOf(seq({})), boom);
  assert.equal(probe.calls, 0);
});

test("sequence: effects are the strongest of the steps', children found in operators", () => {
  const probe = new Probe();
  const seq = new SequenceOperator({
    operators: [
      new MapOperator({ fn: () => ({}) }),
      new FakeLeaf({ probe, effects: "stochastic", fn: () => ({}) }),
    ],
  });
  assert.equal(seq.effects, "stochastic");
  assert.equal(new SequenceOperator({ operators: [] }).effects, "pure");
  assert.deepEqual(
    seq.children().map((c) => c.name),
    ["operators[0]", "operators[1]"],
  );
});

test("sequence: a non-operator step is refused at construction, by position", () => {
  assert.throws(
    () => new SequenceOperator({ operators: [new MapOperator({ fn: () => ({}) }), {} as never] }),
    (err: unknown) =>
      err instanceof ValidationError &&
      err.code === "not_an_operator" &&
      err.path === "sequence/operators[1]",
  );
});
