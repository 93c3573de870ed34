/**
 * Every file under examples/ (papers/ included) runs as written, as a child process, the
 * way its header says: `npx tsx examples/<file>.ts`. Each must exit 0 and print its
 * expected line. They run from a temporary folder (files they write land there), with
 * "ember-xcs" resolved to src/ through the checkout's tsconfig paths. The distributed
 * example runs against a redis-server of the test's own when one is installed (always in
 * CI: CI_REQUIRE_REDIS=1), and must say it skipped when none is reachable.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { checkOutput, DISTRIBUTED_RAN, EXPECTED, listExamples } from "./examples-expected.js";
import { findRedisServer, freePort, RedisServer, redisSkip } from "./fixtures/cluster.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const examples = join(root, "examples");

const files = listExamples(examples);
const skipRedis = redisSkip();
let redis: RedisServer | undefined;
let cwd: string;

before(async () => {
  cwd = mkdtempSync(join(tmpdir(), "ember-examples-"));
  if (!skipRedis && findRedisServer()) redis = await RedisServer.start();
});
after(async () => {
  await redis?.stop();
  rmSync(cwd, { recursive: true, force: true });
});

async function runExample(file: string, env: Record<string, string> = {}) {
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    TSX_TSCONFIG_PATH: join(root, "tsconfig.json"),
    ...env,
  };
  // The simulated model, whatever the machine has configured.
  delete childEnv.OPENAI_API_KEY;
  delete childEnv.OPENAI_BASE_URL;
  delete childEnv.EMBER_DEBUG;
  return promisify(execFile)(
    process.execPath,
    [join(root, "node_modules/tsx/dist/cli.mjs"), join(examples, file)],
    { cwd, env: childEnv, timeout: 180_000, maxBuffer: 16 * 1024 * 1024 },
  );
}

test("examples: the folder holds the examples the README links to", () => {
  for (const file of [...Object.keys(EXPECTED), "distributed.ts"]) {
    assert.ok(files.includes(file), `examples/${file} is missing`);
  }
});

for (const file of files.filter((f) => f !== "distributed.ts")) {
  test(`examples: ${file} runs as written and prints what it should`, async () => {
    const { stdout } = await runExample(file);
    checkOutput(examples, file, stdout);
  });
}

test("examples: distributed.ts runs its pipeline on a worker through Redis", {
  skip: skipRedis,
}, async () => {
  assert.ok(redis, "redis-server started");
  const { stdout } = await runExample("distributed.ts", { REDIS_URL: redis.url });
  assert.match(stdout, /reply: .+/);
  // 4 tickets × 3 leaf calls (a pure map and two model calls), all run as jobs.
  assert.match(stdout, DISTRIBUTED_RAN);
});

test("examples: distributed.ts says it skipped when no Redis answers", async () => {
  const port = await freePort(); // nothing listens there
  const { stdout } = await runExample("distributed.ts", { REDIS_URL: `redis://127.0.0.1:${port}` });
  assert.match(stdout, /distributed: skipped, no Redis answers at redis:\/\/127\.0\.0\.1:\d+/);
});
