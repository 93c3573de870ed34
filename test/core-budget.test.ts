import assert from "node:assert/strict";
import { getEventListeners } from "node:events";
import { test } from "node:test";
import { Budget } from "../src/index.js";

/** Settles pending reactions: no clock, only turns of the microtask queue. */
const turns = async (n = 5) => {
  for (let i = 0; i < n; i++) await Promise.resolve();
};

test("waiters get slots in arrival order, one per release", async () => {
  const budget = new Budget(1);
  assert.equal(budget.acquire(), undefined);
  const order: number[] = [];
  const waits = [0, 1, 2, 3].map((k) => budget.acquire()!.then(() => order.push(k)));
  assert.equal(budget.pending, 4);
  for (let k = 0; k < 4; k++) {
    budget.release();
    await turns();
    assert.deepEqual(order, [0, 1, 2, 3].slice(0, k + 1));
    assert.equal(budget.inFlight, 1);
  }
  await Promise.all(waits);
  assert.equal(budget.pending, 0);
  assert.equal(budget.peakInFlight, 1);
});

test("an aborted waiter rejects at once with its reason; the others keep their places", async () => {
  const budget = new Budget(1);
  budget.acquire();
  const a = new AbortController();
  const b = new AbortController();
  const order: string[] = [];
  const track = (name: string, wait: Promise<void>) =>
    wait.then(
      () => order.push(`${name} ok`),
      (err: unknown) => order.push(`${name} ${(err as Error).message}`),
    );
  const all = [
    track("a1", budget.acquire(a.signal)!),
    track("b1", budget.acquire(b.signal)!),
    track("a2", budget.acquire(a.signal)!),
    track("none", budget.acquire()!),
    track("b2", budget.acquire(b.signal)!),
  ];
  a.abort(new Error("stop a"));
  await turns();
  // Without any release: the abort alone settles both of a's waiters, in order.
  assert.deepEqual(order, ["a1 stop a", "a2 stop a"]);
  assert.equal(budget.pending, 3);
  budget.release();
  await turns();
  budget.release();
  await turns();
  assert.deepEqual(order, ["a1 stop a", "a2 stop a", "b1 ok", "none ok"]);
  b.abort(new Error("stop b"));
  await Promise.all(all);
  assert.deepEqual(order, ["a1 stop a", "a2 stop a", "b1 ok", "none ok", "b2 stop b"]);
  assert.equal(budget.pending, 0);
  assert.equal(budget.inFlight, 1);
});

test("waiters sharing a signal share one listener, removed once the last gets its slot", async () => {
  const budget = new Budget(2);
  budget.acquire();
  budget.acquire();
  const shared = new AbortController();
  const waits = Array.from({ length: 50 }, () => budget.acquire(shared.signal)!);
  assert.equal(getEventListeners(shared.signal, "abort").length, 1);
  for (let k = 0; k < 50; k++) budget.release();
  await Promise.all(waits);
  assert.equal(getEventListeners(shared.signal, "abort").length, 0);
  assert.equal(budget.pending, 0);
  assert.equal(budget.inFlight, 2);
});

test("an already aborted signal rejects without queueing", async () => {
  const budget = new Budget(1);
  budget.acquire();
  const c = new AbortController();
  c.abort(new Error("late"));
  await assert.rejects(budget.acquire(c.signal)!, /late/);
  assert.equal(budget.pending, 0);
  assert.equal(getEventListeners(c.signal, "abort").length, 0);
});

test("a long queue drained and refilled keeps its order (the queue compacts as it goes)", async () => {
  const budget = new Budget(1);
  budget.acquire();
  const seen: number[] = [];
  const waits: Promise<unknown>[] = [];
  let next = 0;
  const add = (n: number) => {
    for (let i = 0; i < n; i++) {
      const k = next++;
      waits.push(budget.acquire()!.then(() => seen.push(k)));
    }
  };
  add(3000);
  for (let round = 0; round < 5; round++) {
    for (let i = 0; i < 700; i++) budget.release();
    await turns();
    add(500);
  }
  while (budget.pending > 0) {
    budget.release();
    await turns(1);
  }
  budget.release();
  await Promise.all(waits);
  assert.equal(seen.length, next);
  assert.deepEqual(
    seen,
    Array.from({ length: next }, (_, k) => k),
  );
});

test("nested budgets: a waiter in a child budget is woken by a slot freed in the parent", async () => {
  const parent = new Budget(1);
  const left = new Budget(5, parent);
  const right = new Budget(5, parent);
  assert.equal(left.acquire(), undefined);
  const order: string[] = [];
  const r = right.acquire()!.then(() => order.push("right"));
  const l = left.acquire()!.then(() => order.push("left"));
  left.release();
  await r;
  assert.deepEqual(order, ["right"]);
  right.release();
  await l;
  assert.deepEqual(order, ["right", "left"]);
  assert.equal(parent.inFlight, 1);
  assert.equal(parent.peakInFlight, 1);
});
