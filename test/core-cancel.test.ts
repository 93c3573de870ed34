import assert from "node:assert/strict";
import { getEventListeners } from "node:events";
import { test } from "node:test";
import {
  allOrAbort,
  joinOrAbort,
  LinkedController,
  linkedController,
  onAbort,
} from "../src/core/cancel.js";
import { AbortError } from "../src/core/errors.js";

test("a linked controller follows a foreign parent and leaves no listener on it once disposed", () => {
  const parent = new AbortController();
  const kept = new LinkedController(parent.signal);
  const dropped = linkedController(parent.signal);
  assert.equal(getEventListeners(parent.signal, "abort").length, 1);
  dropped.dispose();
  assert.equal(getEventListeners(parent.signal, "abort").length, 1);
  kept.dispose();
  assert.equal(getEventListeners(parent.signal, "abort").length, 0);

  const parent2 = new AbortController();
  const child = new LinkedController(parent2.signal);
  const reason = new Error("stop");
  parent2.abort(reason);
  assert.equal(child.signal.aborted, true);
  assert.equal(child.signal.reason, reason);
  assert.equal(dropped.controller.signal.aborted, false);
});

test("controllers linked to each other abort down the chain, never up, and stop once disposed", () => {
  const root = new LinkedController();
  const mid = new LinkedController(root.signal);
  const leaves = [0, 1, 2].map(() => new LinkedController(mid.signal));
  const gone = new LinkedController(mid.signal);
  gone.dispose();
  const seen: string[] = [];
  // Other code listens the usual way; those listeners see the abort too.
  leaves[1]!.signal.addEventListener("abort", () => seen.push("dom listener"));
  const unsubscribe = onAbort(leaves[2]!.signal, () => seen.push("unsubscribed"));
  onAbort(leaves[2]!.signal, () => seen.push("subscriber"));
  unsubscribe();
  leaves[0]!.abort(new Error("only me"));
  assert.equal(mid.signal.aborted, false);
  assert.equal(root.signal.aborted, false);
  const reason = new Error("all");
  root.abort(reason);
  assert.equal(mid.signal.reason, reason);
  assert.equal((leaves[0]!.signal.reason as Error).message, "only me");
  assert.equal(leaves[1]!.signal.reason, reason);
  assert.equal(leaves[2]!.signal.reason, reason);
  assert.equal(gone.signal.aborted, false);
  assert.deepEqual(seen, ["dom listener", "subscriber"]);
  // Aborting twice changes nothing and calls nobody again.
  root.abort(new Error("again"));
  assert.equal(root.signal.reason, reason);
  assert.deepEqual(seen, ["dom listener", "subscriber"]);
});

test("a controller linked to an aborted parent starts aborted; onAbort on an aborted signal never fires", () => {
  const parent = new LinkedController();
  parent.abort(new Error("early"));
  const child = new LinkedController(parent.signal);
  assert.equal((child.signal.reason as Error).message, "early");
  let fired = 0;
  onAbort(child.signal, () => fired++);
  child.abort(new Error("later"));
  assert.equal(fired, 0);
});

test("allOrAbort: outputs in index order, whatever order they finish in", async () => {
  const out = await allOrAbort(4, undefined, async (i) => {
    for (let t = 0; t < 4 - i; t++) await Promise.resolve();
    return i * 10;
  });
  assert.deepEqual(out, [0, 10, 20, 30]);
  assert.deepEqual(await allOrAbort(0, undefined, async () => 1), []);
});

test("allOrAbort: the first failure aborts the others through their signal and is rethrown unchanged", async () => {
  const outer = new AbortController();
  const failure = new Error("member 1 failed");
  const reasons: unknown[] = [];
  const err = await allOrAbort(3, outer.signal, (i, signal) => {
    if (i === 1) return Promise.reject(failure);
    return new Promise<number>((_, reject) => {
      signal.addEventListener("abort", () => {
        reasons.push(signal.reason);
        reject(signal.reason);
      });
    });
  }).catch((e: unknown) => e);
  assert.equal(err, failure);
  assert.equal(reasons.length, 2);
  for (const r of reasons) assert.ok(r instanceof AbortError);
  assert.equal(outer.signal.aborted, false);
  assert.equal(getEventListeners(outer.signal, "abort").length, 0);
});

test("allOrAbort: an abort from outside rejects with its reason; a synchronous throw aborts those started", async () => {
  const outer = new AbortController();
  const started: AbortSignal[] = [];
  const pending = allOrAbort(3, outer.signal, (_i, signal) => {
    started.push(signal);
    return new Promise<never>((_, reject) => {
      signal.addEventListener("abort", () => reject(signal.reason));
    });
  });
  const reason = new Error("cancelled");
  outer.abort(reason);
  assert.equal(await pending.catch((e: unknown) => e), reason);
  assert.ok(started.every((s) => s.reason === reason));

  const first: AbortSignal[] = [];
  const boom = new Error("boom");
  const err = await allOrAbort(3, undefined, (i, signal) => {
    if (i === 1) throw boom;
    first.push(signal);
    return new Promise<never>((_, reject) => {
      signal.addEventListener("abort", () => reject(signal.reason));
    });
  }).catch((e: unknown) => e);
  assert.equal(err, boom);
  assert.equal(first.length, 1);
  assert.equal(first[0]!.aborted, true);
});

test("joinOrAbort: finish turns the results into the value; its throw rejects, its promise is adopted", async () => {
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  assert.equal(await joinOrAbort(3, undefined, async (i) => i + 1, sum), 6);
  assert.equal(await joinOrAbort(0, undefined, async () => 1, sum), 0);
  const adopted = await joinOrAbort(
    2,
    undefined,
    async (i) => i,
    async (xs) => xs.length * 10,
  );
  assert.equal(adopted, 20);
  const boom = new Error("finish failed");
  const err = await joinOrAbort(
    2,
    undefined,
    async (i) => i,
    () => {
      throw boom;
    },
  ).catch((e: unknown) => e);
  assert.equal(err, boom);
});
