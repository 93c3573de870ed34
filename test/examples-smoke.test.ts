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
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { findRedisServer, freePort, RedisServer, redisSkip } from "./fixtures/cluster.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const examples = join(root, "examples");

/** What each example of ours must print; any other example (papers/) must print something. */
const EXPECTED: Record<string, RegExp[]> = {
  "quickstart.ts": [/results identical to eager: yes/, /jitted \d+ ms {2}\(\d+\.\d+× faster\)/],
  "rag.ts": [/answer: .+/, /sources: \d+ passages/, /parallel groups: \[rag\/operators\[0\]/],
  "ensemble-judge.ts": [/ember-xcs run: 8 ok · 0 failed/, /8 answers written/, /judged: .+/],
  "agent.ts": [/same as eager: yes/, /strategy trace: [1-9]\d* calls started early and used/],
  "errors.ts": [
    /did you mean `context`\? \(the input has `ctx`\)/,
    /2\. eager: PriceError "price must be positive, got -6" from step quote\/operators\[2\]/,
    /3\. aborted: AbortError/,
    /4\. ok 1 · error not a number: "two" · ok 3/,
  ],
  "streaming.ts": [/streamed: .+/, /usage of explain\/operators\[1\]: \d+ tokens/, /stopped after/],
};

function listExamples(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return listExamples(path);
    return entry.name.endsWith(".ts") ? [relative(examples, path)] : [];
  });
}

const files = listExamples(examples).sort();
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
    const expected = EXPECTED[file] ?? [/\S/];
    for (const line of expected) assert.match(stdout, line, `examples/${file} printed:\n${stdout}`);
  });
}

test("examples: distributed.ts runs its pipeline on a worker through Redis", {
  skip: skipRedis,
}, async () => {
  assert.ok(redis, "redis-server started");
  const { stdout } = await runExample("distributed.ts", { REDIS_URL: redis.url });
  assert.match(stdout, /reply: .+/);
  // 4 tickets × 3 leaf calls (a pure map and two model calls), all run as jobs.
  assert.match(stdout, /distributed: 4 tickets, 12 leaf calls ran as BullMQ jobs on worker \S+/);
});

test("examples: distributed.ts says it skipped when no Redis answers", async () => {
  const port = await freePort(); // nothing listens there
  const { stdout } = await runExample("distributed.ts", { REDIS_URL: `redis://127.0.0.1:${port}` });
  assert.match(stdout, /distributed: skipped, no Redis answers at redis:\/\/127\.0\.0\.1:\d+/);
});
