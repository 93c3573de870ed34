import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import { jit, MapOperator, ParallelOperator, resetJit, SequenceOperator } from "../src/index.js";

afterEach(() => resetJit());

/** A keyed async step that waits `ms`, then fails with `error` or returns. */
function step(log: string[], key: string, reads: string, ms: number, error?: Error) {
  return new MapOperator({
    name: key,
    inputKey: reads,
    outputKey: key,
    fn: async (v: unknown) => {
      log.push(`start ${key}`);
      await new Promise((r) => setTimeout(r, ms));
      if (error) throw error;
      return `${key}(${String(v)})`;
    },
  });
}

async function failure(run: () => Promise<unknown>): Promise<unknown> {
  return run().then(
    () => assert.fail("expected a failure"),
    (e: unknown) => e,
  );
}

test("concurrent independent steps fail with the error eager execution gives, not the first by time", async () => {
  const early = new Error("step 0 failed (slow)");
  const late = new Error("step 1 failed (fast)");
  const log: string[] = [];
  const seq = new SequenceOperator({
    operators: [step(log, "a", "q", 20, early), step(log, "b", "q", 1, late)],
  });
  assert.equal(await failure(() => seq({ q: "x" })), early);
  assert.equal(await failure(() => jit(seq, { mode: "structural" })({ q: "x" })), early);
});

test("a failure waits for steps before it; a step before it that fails instead wins", async () => {
  const first = new Error("a failed");
  const third = new Error("c failed");
  const log: string[] = [];
  const seq = new SequenceOperator({
    operators: [
      step(log, "a", "q", 20, first),
      step(log, "b", "q", 1),
      step(log, "c", "b", 1, third),
    ],
  });
  assert.equal(await failure(() => jit(seq, { mode: "structural" })({ q: "x" })), first);
});

test("steps after a failure never start, steps before it still finish", async () => {
  const boom = new Error("b failed");
  const log: string[] = [];
  const seq = new SequenceOperator({
    operators: [step(log, "a", "q", 15), step(log, "b", "q", 1, boom), step(log, "c", "a", 1)],
  });
  const eager = await failure(() => seq({ q: "x" }));
  const eagerLog = [...log];
  log.length = 0;
  assert.equal(await failure(() => jit(seq, { mode: "structural" })({ q: "x" })), eager);
  assert.deepEqual(eagerLog, ["start a", "start b"]);
  assert.deepEqual(log.sort(), ["start a", "start b"]);
});

test("members of a parallel group race: the first failure by time wins, as eagerly", async () => {
  const slow = new Error("slow member");
  const fast = new Error("fast member");
  const log: string[] = [];
  const par = new ParallelOperator({
    operators: [step(log, "a", "q", 25, slow), step(log, "b", "q", 1, fast)],
  });
  assert.equal(await failure(() => par({ q: "x" })), fast);
  const seq = new SequenceOperator({ operators: [par] });
  assert.equal(await failure(() => jit(seq, { mode: "structural" })({ q: "x" })), fast);
});
