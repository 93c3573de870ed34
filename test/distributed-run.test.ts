import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Queue } from "bullmq";
import { RemoteError, withBullMQ } from "../src/distributed/index.js";
import { type AnyOperator, jit, withUsage } from "../src/index.js";
import { CounterServer, RedisServer, redisSkip, until, WorkerProcess } from "./fixtures/cluster.js";
import build, { stamps } from "./fixtures/distributed-module.js";

const skip = redisSkip();
const items = Array.from({ length: 50 }, (_, id) => ({ id, text: `  What is ${id} + ${id}?  ` }));
const call = (op: AnyOperator, input: unknown) =>
  (op as unknown as (i: unknown) => Promise<unknown>)(input);

let redis: RedisServer;
let counter: CounterServer;
before(async () => {
  if (skip) return;
  redis = await RedisServer.start();
  counter = await new CounterServer().listen();
  process.env.COUNTER_URL = counter.url;
});
after(async () => {
  if (skip) return;
  await redis.stop();
  await counter.close();
});

test("distributed: 50 items × 6 leaf calls on two worker processes equal the in-process run", {
  skip,
}, async () => {
  const op = build();
  stamps.length = 0;
  const { result: local, usage: localUsage } = await withUsage(() =>
    Promise.all(items.map((i) => call(op, i))),
  );
  assert.equal(stamps.length, 50);
  counter.hits.clear();
  const workers = await Promise.all([
    WorkerProcess.spawn(redis.url, { env: { COUNTER_URL: counter.url } }),
    WorkerProcess.spawn(redis.url, { env: { COUNTER_URL: counter.url } }),
  ]);
  try {
    stamps.length = 0;
    const { out, stats, used } = await withBullMQ(
      { redis: redis.url, operators: op },
      async (ex) => {
        const run = await withUsage(() => Promise.all(items.map((i) => call(op, i))));
        return { out: run.result, used: run.usage, stats: ex.stats };
      },
    );
    assert.deepEqual(out, local);
    // The model calls made on workers count in the driver's usage, as in-process.
    assert.equal(used.calls, 100);
    assert.equal(used.calls, localUsage.calls);
    assert.equal(used.promptTokens, localUsage.promptTokens);
    assert.equal(used.completionTokens, localUsage.completionTokens);
    // Six pure/stochastic leaves per item went to workers; the effectful stamp ran here.
    assert.equal(stats.completed, 300);
    assert.equal(stats.sent, 300);
    assert.equal(stats.local, 0);
    assert.deepEqual(new Set(stamps), new Set([process.pid]));
    assert.equal(stamps.length, 50);
    const ran = workers.flatMap((w) => w.lines.filter((l) => l.type === "completed"));
    assert.equal(ran.length, 300);
    assert.equal(new Set(ran.map((l) => l.jobId)).size, 300);
    assert.ok(!ran.some((l) => l.name === "stamp"));
    for (const w of workers) assert.ok(w.count("completed") > 0, `${w.name} ran no job`);
    // Each item's counting call ran exactly once, on some worker.
    assert.equal(counter.hits.size, 50);
    assert.ok([...counter.hits.values()].every((n) => n === 1));
  } finally {
    await Promise.all(workers.map((w) => w.kill("SIGTERM")));
  }
  // SIGTERM is a graceful stop: the worker closes and says so.
  for (const w of workers) assert.equal(w.count("stopped"), 1);
});

test("distributed: a worker that lacks an operator fails those calls with unknown_operator, not the run", {
  skip,
}, async () => {
  const op = build();
  const worker = await WorkerProcess.spawn(redis.url, {
    env: { FIXTURE_OMIT: "critic", WORKER_NAME: "w-without-critic" },
  });
  try {
    const critic = op.children().find((c) => c.operator.name === "critic")!.operator;
    const answer = op.children().find((c) => c.operator.name === "answer")!.operator;
    await withBullMQ({ redis: redis.url, operators: op }, async () => {
      const results = await Promise.allSettled(items.slice(0, 5).map((i) => call(op, i)));
      for (const r of results) {
        assert.equal(r.status, "rejected");
        const err = (r as PromiseRejectedResult).reason as RemoteError;
        assert.ok(err instanceof RemoteError, String(err));
        assert.equal(err.code, "unknown_operator");
        assert.equal(err.worker, "w-without-critic");
        assert.match(err.message, /no operator named "critic"/);
        assert.match(err.message, /w-without-critic/);
        assert.match(err.message, /sequence\/operators\[2\]/);
      }
      // The same run goes on: calls the worker has still run there, side by side.
      const [ok, missing] = await Promise.allSettled([
        call(answer, { id: 1, text: "x" }),
        call(critic, { a1: "y" }),
      ]);
      assert.equal(ok.status, "fulfilled");
      assert.equal(missing.status, "rejected");
    });
  } finally {
    await worker.kill("SIGTERM");
  }
});

test("distributed: a call failing on the worker rejects with the worker's code and message", {
  skip,
}, async () => {
  const op = build();
  const worker = await WorkerProcess.spawn(redis.url);
  try {
    const answer = op.children().find((c) => c.operator.name === "answer")!.operator;
    const local = await call(answer, { id: 1 }).catch(
      (e: unknown) => e as Error & { code: string },
    );
    const remote = await withBullMQ({ redis: redis.url, operators: op }, () =>
      call(answer, { id: 1 }).catch((e: unknown) => e as RemoteError),
    );
    // A template key missing on the worker: the same code and message as in-process.
    assert.ok(remote instanceof RemoteError);
    assert.equal(remote.code, (local as { code: string }).code);
    assert.equal(remote.code, "missing_template_key");
    assert.equal(remote.message, (local as Error).message);
    assert.equal(remote.remoteName, "ValidationError");
  } finally {
    await worker.kill("SIGTERM");
  }
});

test("distributed: an aborted call rejects with the abort reason and its job is dropped", {
  skip,
}, async () => {
  const op = build();
  // No worker: the job waits in the queue until the caller gives up.
  const answer = op.children().find((c) => c.operator.name === "answer")!.operator;
  await withBullMQ({ redis: redis.url, operators: op }, async (ex) => {
    const controller = new AbortController();
    const pending = (answer as unknown as (i: unknown, o: object) => Promise<unknown>)(
      { id: 1, text: "t" },
      { signal: controller.signal },
    );
    await new Promise((r) => setImmediate(r));
    const reason = new Error("caller gave up");
    controller.abort(reason);
    await assert.rejects(pending, (e) => e === reason);
    assert.equal(ex.inFlight, 0);
    const queue = new Queue(ex.queueName, { connection: { url: redis.url } });
    try {
      await until(async () => (await queue.getJobCounts("wait")).wait === 0);
      assert.equal(ex.stats.sent, 1);
    } finally {
      await queue.close();
    }
  });
});

test("distributed: a jitted plan sends its leaf calls through the same executor, with the same output", {
  skip,
}, async () => {
  const op = build();
  const fast = jit(op, { mode: "structural" }) as unknown as AnyOperator;
  const some = items.slice(0, 10);
  const local = await Promise.all(some.map((i) => call(op, i)));
  const worker = await WorkerProcess.spawn(redis.url, { env: { COUNTER_URL: counter.url } });
  try {
    const { out, stats } = await withBullMQ({ redis: redis.url, operators: op }, async (ex) => ({
      out: await Promise.all(some.map((i) => call(fast, i))),
      stats: ex.stats,
    }));
    assert.deepEqual(out, local);
    // The model calls and the counting fake went to the worker (fused sync maps may run here).
    const ran = new Set(worker.lines.filter((l) => l.type === "completed").map((l) => l.name));
    for (const name of ["answer", "critic", "count"])
      assert.ok(ran.has(name), `${name} never ran remotely`);
    assert.ok(stats.completed >= 30);
  } finally {
    await worker.kill("SIGTERM");
  }
});
