import assert from "node:assert/strict";
import { test } from "node:test";
import { Budget } from "../src/core/budget.js";
import { FakeClock } from "../src/core/fake-clock.js";
import { acquireAll, type Lease, RateLimiter } from "../src/models/limiter.js";
import { LLMOperator } from "../src/models/llm.js";
import { ModelRegistry, models } from "../src/models/registry.js";
import { withUsage } from "../src/models/usage.js";
import { withScope } from "../src/operator/context.js";
import { type FakeServer, registerOpenAI, startFakeOpenAI } from "./fake-servers.js";

async function withServer(
  latencyMs: number,
  fn: (server: FakeServer) => Promise<void>,
): Promise<void> {
  const server = await startFakeOpenAI([{}], latencyMs);
  try {
    await fn(server);
  } finally {
    await server.close();
  }
}

function calls(model: string, n: number, maxTokens?: number): Promise<unknown>[] {
  const ask = new LLMOperator({ model, prompt: "{i}", maxTokens });
  return Array.from({ length: n }, (_, i) => ask({ i }));
}

test("maxConcurrency: six calls, never more than two at the server", async () => {
  await withServer(30, async (server) => {
    const name = registerOpenAI(server, { limits: { maxConcurrency: 2 } });
    await Promise.all(calls(`${name}:m`, 6));
    assert.equal(server.requests.length, 6);
    assert.equal(server.peakInFlight, 2);
    assert.equal(models.get(`${name}:m`).limiters[0]?.peakInFlight, 2);
  });
});

test("a per-model limit narrows the provider's limit for that model only", async () => {
  await withServer(30, async (server) => {
    const name = registerOpenAI(server, {
      limits: { maxConcurrency: 3 },
      modelLimits: { slow: { maxConcurrency: 1 } },
    });
    await Promise.all(calls(`${name}:slow`, 3));
    assert.equal(server.peakInFlight, 1);
    await Promise.all([...calls(`${name}:fast`, 4), ...calls(`${name}:slow`, 4)]);
    assert.equal(server.peakInFlight, 3);
    assert.equal(models.get(`${name}:slow`).limiters.length, 2);
    assert.equal(models.get(`${name}:slow`).limiters[0]?.peakInFlight, 1);
  });
});

test("provider limits and the engine's budget hold together: the narrower one wins", async () => {
  await withServer(30, async (server) => {
    const name = registerOpenAI(server, { limits: { maxConcurrency: 4 } });
    const budget = new Budget(2);
    await withScope({ budget }, () => Promise.all(calls(`${name}:m`, 6)));
    assert.equal(server.peakInFlight, 2);
    assert.equal(budget.peakInFlight, 2);
  });
});

test("requestsPerMinute through a model: calls past the limit are queued, and the wait is queue time", async () => {
  await withServer(0, async (server) => {
    const name = registerOpenAI(server, { limits: { requestsPerMinute: 2, windowMs: 150 } });
    const waits: number[] = [];
    const meter = { waited: (ms: number) => waits.push(ms) };
    const { records } = await withUsage(() =>
      withScope({ meter }, () => Promise.all(calls(`${name}:m`, 5))),
    );
    assert.equal(server.requests.length, 5);
    // Two went at once, two waited one window, one waited two: three calls were queued.
    // (The exact grant times are pinned on a fake clock below.)
    assert.equal(records.filter((r) => r.queueMs > 0).length, 3);
    assert.equal(waits.length, 3);
    assert.equal(models.get(`${name}:m`).limiters[0]?.pending, 0);
  });
});

/** Acquires one lease per entry of `tokens`, recording when (on `clock`) each is granted. */
function grants(limiter: RateLimiter, clock: FakeClock, tokens: number[]) {
  const granted: { i: number; at: number; waitedMs: number; lease: Lease }[] = [];
  const all = tokens.map((t, i) =>
    limiter.acquire(t).then((lease) => {
      granted.push({ i, at: clock.now(), waitedMs: lease.waitedMs, lease });
      return lease;
    }),
  );
  return { granted, all };
}

test("requestsPerMinute on a fake clock: each request is granted the moment the window lets it", async () => {
  const clock = new FakeClock();
  const limiter = new RateLimiter({ requestsPerMinute: 2, windowMs: 150 }, "limits", clock);
  const { granted, all } = grants(limiter, clock, [0, 0, 0, 0, 0]);
  await clock.advance(0);
  assert.deepEqual(
    granted.map((g) => g.i),
    [0, 1],
  );
  assert.equal(limiter.pending, 3);
  assert.equal(clock.pending, 1, "one timer while anyone waits");
  await clock.advance(149);
  assert.equal(granted.length, 2, "nothing before the first two leave the window");
  await clock.advance(1);
  assert.equal(granted.length, 4);
  await clock.advance(150);
  await Promise.all(all);
  assert.deepEqual(
    granted.map((g) => [g.i, g.at, g.waitedMs]),
    [
      [0, 0, 0],
      [1, 0, 0],
      [2, 150, 150],
      [3, 150, 150],
      [4, 300, 300],
    ],
  );
  for (const g of granted) g.lease.release();
  assert.equal(limiter.pending, 0);
  assert.equal(clock.pending, 0, "an idle limiter leaves no timer behind");
});

test("tokensPerMinute: a request counts maxTokens until its reply gives the real usage", async () => {
  await withServer(0, async (server) => {
    const windowMs = 150;
    // Each request is estimated at 1 prompt token + 60 max tokens = 61 and uses 15 (10 + 5):
    // two estimates do not fit in 100, so the second waits for the first reply, not the window.
    const name = registerOpenAI(server, { limits: { tokensPerMinute: 100, windowMs } });
    await Promise.all(calls(`${name}:m`, 2, 60));
    assert.equal(server.peakInFlight, 1);
    const [first, second] = server.requests;
    assert.ok(first && second && first.finishedAt !== undefined);
    assert.ok(
      second.receivedAt >= first.finishedAt,
      "the second request waited for the first reply",
    );
    // Now 30 tokens are spent; a third and fourth (61 each) cannot both fit until the window
    // slides (the time that takes is pinned on a fake clock below).
    const before = server.requests.length;
    await Promise.all(calls(`${name}:m`, 2, 60));
    const [third, fourth] = server.requests.slice(before);
    assert.ok(third && fourth);
    assert.equal(server.requests.length, 4);
  });
});

test("tokensPerMinute on a fake clock: an estimate waits for a release, then for the window", async () => {
  const clock = new FakeClock();
  const limiter = new RateLimiter({ tokensPerMinute: 100, windowMs: 150 }, "limits", clock);
  const first = await limiter.acquire(61);
  const second = grants(limiter, clock, [61]);
  await clock.advance(10);
  assert.equal(second.granted.length, 0, "two estimates of 61 do not fit in 100");
  assert.equal(clock.pending, 1, "a timer for when the first estimate leaves the window");
  first.release(15);
  await clock.advance(0);
  assert.deepEqual(
    second.granted.map((g) => [g.at, g.waitedMs]),
    [[10, 10]],
  );
  second.granted[0]!.lease.release(15);
  // 30 spent (at 0 and 10): a third fits at once; a fourth only once the first leaves at 150.
  const third = await limiter.acquire(61);
  const fourth = grants(limiter, clock, [61]);
  await clock.advance(10);
  third.release(15);
  await clock.advance(129);
  assert.equal(fourth.granted.length, 0, "45 spent + 61 > 100 until the first entry expires");
  await clock.advance(1);
  assert.deepEqual(
    fourth.granted.map((g) => [g.at, g.waitedMs]),
    [[150, 140]],
  );
  fourth.granted[0]!.lease.release();
  assert.equal(clock.pending, 0);
});

test("RateLimiter: waiters are served in order and counted; an aborted waiter leaves the queue", async () => {
  const limiter = new RateLimiter({ maxConcurrency: 1 });
  const first = await limiter.acquire(0);
  const order: string[] = [];
  const second = limiter.acquire(0).then((lease) => {
    order.push("second");
    return lease;
  });
  const controller = new AbortController();
  const third = limiter.acquire(0, controller.signal);
  const fourth = limiter.acquire(0).then((lease) => {
    order.push("fourth");
    lease.release();
  });
  assert.equal(limiter.pending, 3);
  controller.abort(new Error("stop"));
  await assert.rejects(third, /stop/);
  assert.equal(limiter.pending, 2);
  first.release();
  (await second).release();
  await fourth;
  assert.deepEqual(order, ["second", "fourth"]);
  assert.equal(limiter.inFlight, 0);
  assert.equal(limiter.peakInFlight, 1);
});

test("RateLimiter: an already aborted signal is refused even when a slot is free", async () => {
  const limiter = new RateLimiter({ maxConcurrency: 1 });
  const controller = new AbortController();
  const reason = new Error("gave up");
  controller.abort(reason);
  await assert.rejects(limiter.acquire(0, controller.signal), (err) => err === reason);
  assert.equal(limiter.inFlight, 0, "no lease was granted");
  assert.equal(limiter.peakInFlight, 0);
  const lease = await limiter.acquire(0);
  assert.equal(limiter.inFlight, 1);
  lease.release();
});

test("acquireAll: waitedMs adds each limiter's queue time; an abort gives earlier leases back", async () => {
  const clock = new FakeClock();
  const model = new RateLimiter({ maxConcurrency: 1 }, "model limits", clock);
  const provider = new RateLimiter({ requestsPerMinute: 1, windowMs: 100 }, "limits", clock);
  const first = await acquireAll([model, provider], 0, new AbortController().signal);
  assert.equal(first.waitedMs, 0);
  const got: Lease[] = [];
  const pending = acquireAll([model, provider], 0, new AbortController().signal).then((l) => {
    got.push(l);
  });
  await clock.advance(30);
  first.release(); // frees the model slot at 30; the provider's window frees at 100
  await clock.advance(69);
  assert.equal(got.length, 0);
  await clock.advance(1);
  await pending;
  assert.equal(got[0]?.waitedMs, 100, "30 for the model slot, then 70 for the provider window");
  got[0]?.release();

  const controller = new AbortController();
  const third = acquireAll([model, provider], 0, controller.signal);
  await clock.advance(0);
  assert.equal(model.inFlight, 1, "the model lease is held while the provider queues it");
  controller.abort(new Error("stop"));
  await assert.rejects(third, /stop/);
  assert.equal(model.inFlight, 0, "given back on abort");
  assert.equal(provider.pending, 0);
  assert.equal(clock.pending, 0);
});

test("limits are validated when set", () => {
  assert.throws(
    () => new RateLimiter({ maxConcurrency: 0 }),
    /limits\.maxConcurrency: got 0; expected one of "an integer >= 1"/,
  );
  const registry = new ModelRegistry();
  assert.throws(
    () => registry.setLimits("sim:fast", { requestsPerMinute: 1.5 }),
    /sim:fast limits\.requestsPerMinute: got 1\.5/,
  );
  assert.throws(
    () => new RateLimiter({}, "limits", { now: () => 0 } as never),
    /limits clock: got \[object Object\]; expected one of "a Clock/,
  );
});
