import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { withBullMQ } from "../src/distributed/index.js";
import type { AnyOperator } from "../src/index.js";
import { CounterServer, RedisServer, redisSkip, WorkerProcess } from "./fixtures/cluster.js";
import build from "./fixtures/distributed-module.js";

const skip = redisSkip();
/** The fixture's step that calls the counter server (CountCall). */
const COUNT_STEP = 3;
const items = Array.from({ length: 50 }, (_, id) => ({ id, text: `Item ${id}` }));
const call = (op: AnyOperator, input: unknown) =>
  (op as unknown as (i: unknown) => Promise<unknown>)(input);

let counter: CounterServer;
before(async () => {
  if (skip) return;
  counter = await new CounterServer(20).listen();
  process.env.COUNTER_URL = counter.url;
});
after(async () => {
  if (!skip) await counter.close();
});

test("distributed: SIGKILL of a worker mid-run — its stalled jobs run on the other worker, output equals in-process, each item once", {
  skip,
  // The waits below have no deadline of their own: a run that never gets there fails here.
  timeout: 120_000,
}, async () => {
  const redis = await RedisServer.start();
  const op = build();
  const local = await Promise.all(items.map((i) => call(op, i)));
  const env = { COUNTER_URL: counter.url };
  const [victim, survivor] = await Promise.all([
    WorkerProcess.spawn(redis.url, { concurrency: 4, env }),
    WorkerProcess.spawn(redis.url, { concurrency: 4, env }),
  ]);
  try {
    let killedWith: string[] = [];
    const out = await withBullMQ({ redis: redis.url, operators: op }, async () => {
      const run = Promise.all(items.map((i) => call(op, i)));
      // Kill the victim while it holds a job that cannot have finished: a count call it
      // started once the counter stopped answering.
      await victim.waitFor(() => victim.count("completed") >= 20);
      counter.hold();
      const mark = victim.lines.length;
      await victim.waitFor(() =>
        victim.lines
          .slice(mark)
          .some((l) => l.type === "started" && l.jobId?.includes(`/operators[${COUNT_STEP}]#`)),
      );
      killedWith = victim.running();
      await victim.kill("SIGKILL");
      counter.release();
      return run;
    });
    assert.deepEqual(out, local);
    // A job the victim finished as it was killed may be done in Redis already: its
    // "completed" line was written (pipes are synchronous on Linux) but not yet read here.
    // Only the jobs it never reported finishing were certainly lost with it.
    const lost = killedWith.filter(
      (id) => !victim.lines.some((l) => l.type === "completed" && l.jobId === id),
    );
    assert.ok(lost.length > 0, `the victim finished every job it held (${killedWith.join(", ")})`);
    // Every job the victim died holding completed on the survivor, as a restarted attempt.
    for (const id of lost) {
      const done = survivor.lines.find((l) => l.type === "completed" && l.jobId === id);
      assert.ok(done, `job ${id} was not retried`);
      assert.ok((done.attempt ?? 0) >= 2, `job ${id} ran as attempt ${done.attempt}`);
    }
    assert.equal(out.length, 50);
    assert.deepEqual(
      out.map((o) => (o as { id: number }).id),
      items.map((i) => i.id),
    );
  } finally {
    counter.release();
    await Promise.all([victim.kill("SIGKILL"), survivor.kill("SIGTERM")]);
    await redis.stop();
  }
});

test("distributed: Redis restarted mid-run (all its data lost) — clients reconnect, lost jobs are added again, output equals in-process", {
  skip,
}, async () => {
  const redis = await RedisServer.start();
  const op = build();
  const local = await Promise.all(items.map((i) => call(op, i)));
  const env = { COUNTER_URL: counter.url };
  const workers = await Promise.all([
    WorkerProcess.spawn(redis.url, { concurrency: 4, env }),
    WorkerProcess.spawn(redis.url, { concurrency: 4, env }),
  ]);
  try {
    const { out, stats } = await withBullMQ({ redis: redis.url, operators: op }, async (ex) => {
      const run = Promise.all(items.map((i) => call(op, i)));
      const done = () => workers.reduce((n, w) => n + w.count("completed"), 0);
      await workers[0]!.waitFor(() => done() >= 60);
      await redis.stop();
      await redis.start();
      const result = await run;
      return { out: result, stats: { ...ex.stats } };
    });
    assert.deepEqual(out, local);
    assert.ok(stats.reconnects >= 1, "the driver saw no reconnection");
    assert.ok(stats.resent > 0, "no job had to be added again");
    assert.equal(stats.completed, 300);
    // Both workers came back and kept working after the restart.
    for (const w of workers) assert.ok(w.proc.exitCode === null);
  } finally {
    await Promise.all(workers.map((w) => w.kill("SIGTERM")));
    await redis.stop();
  }
});

test("distributed: SIGTERM stops a worker gracefully — the jobs it holds finish there, the rest go to the other worker", {
  skip,
}, async () => {
  const redis = await RedisServer.start();
  const op = build();
  const local = await Promise.all(items.map((i) => call(op, i)));
  const env = { COUNTER_URL: counter.url };
  const [leaving, staying] = await Promise.all([
    WorkerProcess.spawn(redis.url, { concurrency: 4, env }),
    WorkerProcess.spawn(redis.url, { concurrency: 4, env }),
  ]);
  try {
    let held: string[] = [];
    const out = await withBullMQ({ redis: redis.url, operators: op }, async () => {
      const run = Promise.all(items.map((i) => call(op, i)));
      await leaving.waitFor(() => leaving.count("completed") >= 10 && leaving.running().length > 0);
      held = leaving.running();
      await leaving.kill("SIGTERM");
      return run;
    });
    assert.deepEqual(out, local);
    assert.equal(leaving.count("stopped"), 1);
    // Nothing it held was abandoned: each finished on it, none ran again elsewhere.
    assert.deepEqual(leaving.running(), []);
    for (const id of held) {
      assert.ok(leaving.lines.some((l) => l.type === "completed" && l.jobId === id));
      assert.ok(!staying.lines.some((l) => l.jobId === id));
    }
  } finally {
    await Promise.all([leaving.kill("SIGKILL"), staying.kill("SIGTERM")]);
    await redis.stop();
  }
});
