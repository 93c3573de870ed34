import assert from "node:assert/strict";
import { test } from "node:test";
import { Budget } from "../src/core/budget.js";
import { RateLimiter } from "../src/models/limiter.js";
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

test("requestsPerMinute: within any window at most N requests reach the server; the wait is queue time", async () => {
  await withServer(0, async (server) => {
    const windowMs = 150;
    const name = registerOpenAI(server, { limits: { requestsPerMinute: 2, windowMs } });
    const waits: number[] = [];
    const meter = { waited: (ms: number) => waits.push(ms) };
    const { records } = await withUsage(() =>
      withScope({ meter }, () => Promise.all(calls(`${name}:m`, 5))),
    );
    const arrivals = server.requests.map((r) => r.receivedAt);
    assert.equal(arrivals.length, 5);
    // Request i+2 may only start once request i has left the window. Slack covers the time
    // between the client's grant and the server's receipt; the bound is a lower one only.
    for (let i = 2; i < arrivals.length; i++) {
      assert.ok(arrivals[i]! - arrivals[i - 2]! >= windowMs - 30, `request ${i} came too early`);
    }
    // Two went at once, two waited one window, one waited two: three calls were queued.
    assert.equal(records.filter((r) => r.queueMs > 0).length, 3);
    assert.equal(waits.length, 3);
  });
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
    // Now 30 tokens are spent; a third and fourth (61 each) cannot both fit until the window slides.
    const before = server.requests.length;
    await Promise.all(calls(`${name}:m`, 2, 60));
    const [third, fourth] = server.requests.slice(before);
    assert.ok(third && fourth);
    assert.ok(
      fourth.receivedAt - first.receivedAt >= windowMs - 30,
      "the fourth waited for the window",
    );
  });
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
});
