/**
 * The distributed run in the README's three commands, for real: a redis-server, an
 * `ember-xcs worker` process, and `ember-xcs run --redis` — whose output equals the run
 * without Redis, line for line.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { readRecords, runCli, startCli, workDir, writeLines } from "./cli-helpers.js";
import { MODULE, RedisServer, redisSkip, until } from "./fixtures/cluster.js";

const skip = redisSkip();
let redis: RedisServer;
before(async () => {
  if (!skip) redis = await RedisServer.start();
});
after(async () => {
  if (!skip) await redis.stop();
});

test("cli: `ember-xcs worker` and `ember-xcs run --redis` give the in-process run's output", {
  skip,
}, async () => {
  const dir = workDir();
  const input = join(dir, "in.jsonl");
  writeLines(
    input,
    Array.from({ length: 12 }, (_, id) => ({ id, text: `  What is ${id} + ${id}?  ` })),
  );
  const local = join(dir, "local.jsonl");
  const remote = join(dir, "remote.jsonl");
  const alone = await runCli(
    ["run", MODULE, "--input", input, "--output", local, "--no-progress"],
    {
      cwd: dir,
    },
  );
  assert.equal(alone.code, 0, alone.stderr);
  const worker = startCli(["worker", MODULE, "--redis", redis.url, "--concurrency", "4"], {
    cwd: dir,
  });
  let workerErr = "";
  worker.child.stderr!.on("data", (c: Buffer) => {
    workerErr += c.toString();
  });
  try {
    await until(() => workerErr.includes("ember-xcs worker: ready"));
    const driven = await runCli(
      ["run", MODULE, "--input", input, "--output", remote, "--no-progress", "--redis", redis.url],
      { cwd: dir },
    );
    assert.equal(driven.code, 0, driven.stderr);
    const byIndex = (path: string) =>
      readRecords(path).sort((a, b) => (a.index as number) - (b.index as number));
    assert.deepEqual(byIndex(remote), byIndex(local));
    assert.equal(byIndex(remote).length, 12);
  } finally {
    worker.child.kill("SIGTERM");
    const stopped = await worker.done;
    assert.equal(stopped.code, 0, stopped.stderr);
    // The leaf calls ran in the worker: 12 items, each with its pure and stochastic leaves.
    const done = Number(/stopped · (\d+) jobs done · 0 failed/.exec(stopped.stderr)?.[1] ?? 0);
    assert.ok(done >= 12 * 4, `the worker ran ${done} jobs`);
  }
});
