import assert from "node:assert/strict";
import { test } from "node:test";
import { withBullMQ } from "../src/distributed/index.js";
import type { AnyOperator } from "../src/index.js";
import { type FakeServer, startFakeOpenAI } from "./fake-servers.js";
import { RedisServer, redisSkip, until, WorkerProcess } from "./fixtures/cluster.js";
import build from "./fixtures/distributed-module.js";

const skip = redisSkip();

/** Two workers calling one fake OpenAI-compatible provider, which counts what they do together. */
async function cluster(
  latencyMs: number,
  workerEnv: Record<string, string> = {},
  concurrency = 4,
): Promise<{
  redis: RedisServer;
  fake: FakeServer;
  ask: AnyOperator;
  workers: WorkerProcess[];
  stop(): Promise<void>;
}> {
  const redis = await RedisServer.start();
  const fake = await startFakeOpenAI([{}], latencyMs);
  process.env.FAKE_OPENAI_URL = fake.url;
  const op = build();
  const ask = op.children().find((c) => c.operator.name === "ask_fake")!.operator;
  const env = { FAKE_OPENAI_URL: fake.url, ...workerEnv };
  const workers = await Promise.all([
    WorkerProcess.spawn(redis.url, { concurrency, env }),
    WorkerProcess.spawn(redis.url, { concurrency, env }),
  ]);
  return {
    redis,
    fake,
    ask,
    workers,
    stop: async () => {
      await Promise.all(workers.map((w) => w.kill("SIGKILL")));
      await fake.close();
      await redis.stop();
    },
  };
}

const ask = (op: AnyOperator, id: number, signal?: AbortSignal) =>
  (op as unknown as (i: unknown, o?: object) => Promise<unknown>)({ id }, { signal });

test("distributed: the cluster-wide budget holds across workers (peak in flight at the provider ≤ cap)", {
  skip,
}, async () => {
  // Two slots each: one worker alone cannot fill the cap, so both take jobs (with four each,
  // one worker could take all 24 under load, and the test would check one worker's limit).
  const c = await cluster(30, {}, 2);
  try {
    // 2 workers × 2 slots could put 4 requests in flight; the queue's global concurrency caps them.
    const cap = 3;
    await withBullMQ(
      { redis: c.redis.url, operators: c.ask, limits: { maxConcurrency: cap } },
      () => Promise.all(Array.from({ length: 24 }, (_, i) => ask(c.ask, i))),
    );
    assert.equal(c.fake.requests.length, 24);
    assert.ok(c.fake.peakInFlight <= cap, `peak ${c.fake.peakInFlight} > cap ${cap}`);
    assert.ok(
      c.fake.peakInFlight >= 2,
      `peak ${c.fake.peakInFlight}: the workers never overlapped`,
    );
    for (const w of c.workers) assert.ok(w.count("completed") > 0, `${w.name} ran nothing`);
  } finally {
    await c.stop();
  }
});

test("distributed: provider RPM through BullMQ's global rate limiter — two workers start 5 jobs per window together", {
  skip,
}, async () => {
  const c = await cluster(5);
  try {
    const controller = new AbortController();
    await withBullMQ(
      {
        redis: c.redis.url,
        operators: c.ask,
        limits: { rateLimit: { max: 5, durationMs: 60_000 } },
      },
      async () => {
        const calls = Array.from({ length: 12 }, (_, i) => ask(c.ask, i, controller.signal));
        await until(() => c.fake.requests.length >= 5 && c.fake.inFlight === 0);
        // Room for a violation: eight idle worker slots and seven waiting jobs.
        await new Promise((r) => setTimeout(r, 600));
        assert.equal(c.fake.requests.length, 5);
        controller.abort(new Error("test over"));
        const settled = await Promise.allSettled(calls);
        assert.equal(settled.filter((s) => s.status === "fulfilled").length, 5);
      },
    );
  } finally {
    await c.stop();
  }
});

test("distributed: TPM through a Redis-backed token counter — two workers never spend one quota twice", {
  skip,
}, async () => {
  const quota = 100;
  const c = await cluster(
    5,
    { WORKER_QUOTAS: JSON.stringify({ fake: { tokensPerMinute: quota } }) },
    2,
  );
  try {
    const controller = new AbortController();
    await withBullMQ({ redis: c.redis.url, operators: c.ask }, async () => {
      const calls = Array.from({ length: 16 }, (_, i) => ask(c.ask, i, controller.signal));
      // Each reply uses 15 tokens (the fake's usage); a request counts 22 (estimate) until then.
      await until(() => c.fake.requests.length >= 4 && c.fake.inFlight === 0);
      await new Promise((r) => setTimeout(r, 600));
      const spent = c.fake.requests.length * 15;
      assert.ok(spent <= quota, `the provider served ${spent} tokens, quota ${quota}`);
      // Both workers held jobs: with a counter each, they would have served 6 requests apiece.
      for (const w of c.workers) assert.ok(w.count("started") > 0, `${w.name} took no job`);
      assert.ok(c.workers.reduce((n, w) => n + w.count("completed"), 0) <= 6);
      controller.abort(new Error("test over"));
      await Promise.allSettled(calls);
    });
  } finally {
    await c.stop();
  }
});
