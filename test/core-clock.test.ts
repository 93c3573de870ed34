import assert from "node:assert/strict";
import { test } from "node:test";
import { abortableSleep } from "../src/core/cancel.js";
import { realClock } from "../src/core/clock.js";
import { FakeClock } from "../src/core/fake-clock.js";
import { startDeadline } from "../src/engine/timeout.js";

test("FakeClock: time moves only through advance, and due timers fire in time order", async () => {
  const clock = new FakeClock();
  const fired: string[] = [];
  clock.setTimeout(() => fired.push(`c@${clock.now()}`), 30);
  clock.setTimeout(() => fired.push(`a@${clock.now()}`), 10);
  clock.setTimeout(() => fired.push(`b@${clock.now()}`), 10);
  assert.equal(clock.now(), 0);
  assert.equal(clock.pending, 3);
  await clock.advance(9);
  assert.deepEqual(fired, []);
  assert.equal(clock.now(), 9);
  await clock.advance(1);
  // Equal due times fire in the order they were set.
  assert.deepEqual(fired, ["a@10", "b@10"]);
  assert.equal(clock.pending, 1);
  await clock.advance(100);
  assert.deepEqual(fired, ["a@10", "b@10", "c@30"]);
  assert.equal(clock.now(), 110);
  assert.equal(clock.pending, 0);
});

test("FakeClock: a cleared timer never fires; a timer set by a timer fires in the same advance", async () => {
  const clock = new FakeClock(1_000);
  const fired: number[] = [];
  const cleared = clock.setTimeout(() => fired.push(-1), 5);
  clock.setTimeout(() => {
    fired.push(clock.now());
    clock.setTimeout(() => fired.push(clock.now()), 4);
  }, 3);
  clock.clearTimeout(cleared);
  clock.clearTimeout("not a handle");
  assert.equal(clock.pending, 1);
  await clock.advance(7);
  assert.deepEqual(fired, [1_003, 1_007]);
  assert.equal(clock.now(), 1_007);
  assert.equal(clock.pending, 0);
});

test("FakeClock: code that awaits a sleep and sleeps again sees each timer's own time", async () => {
  const clock = new FakeClock();
  const woke: number[] = [];
  const loop = (async () => {
    for (const ms of [10, 20, 5]) {
      await abortableSleep(ms, undefined, clock);
      woke.push(clock.now());
    }
  })();
  await clock.advance(34);
  assert.deepEqual(woke, [10, 30]);
  await clock.advance(1);
  await loop;
  assert.deepEqual(woke, [10, 30, 35]);
});

test("FakeClock.runAll fires everything in time order and returns the count; an endless chain throws", async () => {
  const clock = new FakeClock();
  const fired: number[] = [];
  for (const ms of [50, 0, 20]) clock.setTimeout(() => fired.push(clock.now()), ms);
  assert.equal(await clock.runAll(), 3);
  assert.deepEqual(fired, [0, 20, 50]);
  assert.equal(clock.now(), 50);
  assert.equal(await clock.runAll(), 0);

  const tick = () => clock.setTimeout(tick, 1);
  tick();
  await assert.rejects(clock.runAll(), /reschedules itself/);
});

test("FakeClock.advance refuses a negative or non-finite step", async () => {
  const clock = new FakeClock();
  await assert.rejects(clock.advance(-1), RangeError);
  await assert.rejects(clock.advance(Number.NaN), RangeError);
  assert.equal(clock.now(), 0);
});

test("abortableSleep on a fake clock: resolves at its time, an abort clears the timer at once", async () => {
  const clock = new FakeClock();
  let done = false;
  const sleep = abortableSleep(100, undefined, clock).then(() => {
    done = true;
  });
  await clock.advance(99);
  assert.equal(done, false);
  await clock.advance(1);
  await sleep;
  assert.equal(done, true);

  const controller = new AbortController();
  const aborted = abortableSleep(100, controller.signal, clock);
  assert.equal(clock.pending, 1);
  const reason = new Error("stop");
  controller.abort(reason);
  await assert.rejects(aborted, (err) => err === reason);
  assert.equal(clock.pending, 0, "no timer survives the abort");
  await assert.rejects(abortableSleep(5, controller.signal, clock), (err) => err === reason);
  assert.equal(clock.pending, 0, "an already aborted signal sets no timer");
});

test("startDeadline on a fake clock: expires at exactly its limit unless stopped first", async () => {
  const clock = new FakeClock();
  const expired: number[] = [];
  startDeadline(50, () => expired.push(clock.now()), clock);
  const stop = startDeadline(20, () => expired.push(-1), clock);
  await clock.advance(10);
  stop();
  assert.equal(clock.pending, 1);
  await clock.advance(40);
  assert.deepEqual(expired, [50]);
  assert.equal(clock.pending, 0);
  // An infinite limit sets no timer at all.
  startDeadline(Number.POSITIVE_INFINITY, () => expired.push(-2), clock);
  assert.equal(clock.pending, 0);
});

test("realClock reads performance.now and its timers can be cleared", async () => {
  const before = performance.now();
  const now = realClock.now();
  assert.ok(now >= before && now <= performance.now());
  let fired = false;
  const handle = realClock.setTimeout(() => {
    fired = true;
  }, 0);
  realClock.clearTimeout(handle);
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal(fired, false);
});

test("FakeClock and realClock are public, so users can test their own waiting code", async () => {
  const api = await import("../src/index.js");
  assert.equal(api.FakeClock, FakeClock);
  assert.equal(api.realClock, realClock);
});
