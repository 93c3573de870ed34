import assert from "node:assert/strict";
import { test } from "node:test";
import { abortableSleep } from "../src/core/cancel.js";
import { ValidationError } from "../src/core/errors.js";
import type { CallContext } from "../src/operator/context.js";
import { Operator } from "../src/operator/operator.js";
import { MapOperator } from "../src/operators/map.js";
import { ParallelOperator } from "../src/operators/parallel.js";
import { FakeLeaf, Probe, rejectionOf } from "./fakes.js";

/** Waits until its call is aborted, then records the reason. */
class UntilAborted extends Operator<unknown, never> {
  reason: unknown;
  async forward(_input: unknown, ctx: CallContext): Promise<never> {
    try {
      await abortableSleep(60_000, ctx.signal);
    } catch (err) {
      this.reason = err;
    }
    throw new Error("aborted as expected");
  }
}

test("parallel: outputs merge over the input in list order, whoever finishes first", async () => {
  const probe = new Probe();
  const slow = new FakeLeaf({ probe, delayMs: 5, fn: () => ({ k: "slow", a: 1 }) });
  const fast = new FakeLeaf({ probe, delayMs: 1, fn: () => ({ k: "fast", b: 1 }) });
  const input = { x: 0, k: "input" };
  assert.deepEqual(await new ParallelOperator({ operators: [slow, fast] })(input), {
    x: 0,
    k: "fast",
    a: 1,
    b: 1,
  });
  assert.deepEqual(await new ParallelOperator({ operators: [fast, slow] })(input), {
    x: 0,
    k: "slow",
    a: 1,
    b: 1,
  });
  assert.deepEqual(input, { x: 0, k: "input" });
});

test("parallel: children run concurrently on the same input", async () => {
  const probe = new Probe();
  const seen: unknown[] = [];
  const leaf = () =>
    new FakeLeaf({
      probe,
      fn: (i: { q: string }) => {
        seen.push(i);
        return {};
      },
    });
  const input = { q: "same" };
  await new ParallelOperator({ operators: [leaf(), leaf(), leaf()] })(input);
  assert.equal(probe.peakInFlight, 3);
  assert.deepEqual(seen, [input, input, input]);
  assert.equal(seen[0], input);
});

test("parallel: the first failure aborts siblings and is rethrown unchanged", async () => {
  const boom = new Error("boom");
  const waiting = new UntilAborted();
  const failing = new MapOperator({
    fn: async () => {
      throw boom;
    },
  });
  const par = new ParallelOperator({ operators: [waiting, failing] });
  assert.equal(await rejectionOf(par({})), boom);
  assert.equal((waiting.reason as Error).name, "AbortError");
});

test("parallel: a child returning a non-object names its position", async () => {
  const par = new ParallelOperator({
    operators: [new MapOperator({ fn: () => ({}) }), new MapOperator({ fn: () => "text" })],
  });
  const err = await rejectionOf(par({}));
  assert.ok(err instanceof ValidationError);
  assert.equal(err.code, "step_returned_non_object");
  assert.equal(err.path, "parallel/operators[1]");
});

test("parallel: effects combine and an empty parallel returns a copy of its input", async () => {
  const probe = new Probe();
  const par = new ParallelOperator({
    operators: [
      new MapOperator({ fn: () => ({}) }),
      new FakeLeaf({ probe, effects: "effectful", fn: () => ({}) }),
    ],
  });
  assert.equal(par.effects, "effectful");
  assert.deepEqual(await new ParallelOperator({ operators: [] })({ a: 1 }), { a: 1 });
});
