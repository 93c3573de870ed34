/**
 * ember-xcs as a user gets it: `npm pack` (its prepack step builds dist/), the tarball
 * installed into an app in a temporary folder (with tsx and the optional peers, from the npm
 * cache when they are there), then every example copied into the app and run there, against
 * the installed dist/ (no tsconfig paths: the app has none), and a CommonJS script that
 * `require()`s ember-xcs (Node ≥ 20.19 loads the ESM build through the `default` condition).
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { checkOutput, DISTRIBUTED_RAN, listExamples } from "./examples-expected.js";
import { findRedisServer, RedisServer, redisSkip } from "./fixtures/cluster.js";

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const skipRedis = redisSkip();

/** The versions this checkout installed: already in the npm cache after `npm ci`. */
function installed(name: string): string {
  const pkg = JSON.parse(readFileSync(join(root, "node_modules", name, "package.json"), "utf8"));
  return `${name}@${(pkg as { version: string }).version}`;
}

/** The environment of a user's shell: nothing of this checkout's test run leaks in. */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  // npm run sets npm_config_local_prefix and friends to this checkout; only where the cache
  // and the registry are is kept.
  const keep = new Set(["npm_config_cache", "npm_config_registry", "npm_config_userconfig"]);
  for (const key of Object.keys(env)) if (key.startsWith("npm_") && !keep.has(key)) delete env[key];
  delete env.TSX_TSCONFIG_PATH;
  delete env.EMBER_XCS_FROM_SOURCE;
  delete env.OPENAI_API_KEY;
  delete env.OPENAI_BASE_URL;
  delete env.EMBER_DEBUG;
  delete env.NODE_OPTIONS;
  return env;
}

let work: string;
let app: string;
let tarball: string;
let files: string[];
let redis: RedisServer | undefined;

before(async () => {
  work = mkdtempSync(join(tmpdir(), "ember-package-"));
  app = join(work, "app");
  const { stdout } = await run(npm, ["pack", "--json", "--pack-destination", work], {
    cwd: root,
    env: userEnv(),
    maxBuffer: 64 * 1024 * 1024,
    timeout: 300_000,
  });
  // The JSON report is the last thing on stdout, after anything the prepack build printed.
  const report = stdout.slice(stdout.lastIndexOf("\n[\n") + 1 || stdout.indexOf("["));
  const [packed] = JSON.parse(report) as { filename: string; files: { path: string }[] }[];
  tarball = join(work, packed!.filename);
  files = packed!.files.map((f) => f.path);
  cpSync(join(root, "examples"), join(app, "examples"), { recursive: true });
  writeFileSync(
    join(app, "package.json"),
    `${JSON.stringify({ name: "ember-app", version: "1.0.0", private: true, type: "module" }, null, 2)}\n`,
  );
  await run(
    npm,
    [
      "install",
      "--prefer-offline",
      "--no-audit",
      "--no-fund",
      "--loglevel=error",
      tarball,
      installed("tsx"),
      installed("bullmq"),
      installed("ioredis"),
      installed("rate-limiter-flexible"),
    ],
    { cwd: app, env: userEnv(), timeout: 300_000, maxBuffer: 64 * 1024 * 1024 },
  );
  if (!skipRedis && findRedisServer()) redis = await RedisServer.start();
});

after(async () => {
  await redis?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

test("package: the tarball holds dist, its types, the sources its maps point at, and the command", () => {
  for (const path of [
    "package.json",
    "README.md",
    "bin/ember-xcs.mjs",
    "dist/index.js",
    "dist/index.d.ts",
    "dist/distributed/index.js",
    "dist/distributed/index.d.ts",
    "dist/cli/main.js",
    "src/index.ts",
  ]) {
    assert.ok(files.includes(path), `${path} is not in the tarball`);
  }
  // Not shipped: the checkout's marker (bin/ember-xcs.mjs runs the source when it is there).
  assert.ok(!files.includes("tsconfig.json"));
  assert.ok(!files.some((f) => f.startsWith("test/")));
});

test("package: every source map in the installed package resolves to a shipped source", () => {
  const pkg = join(app, "node_modules/ember-xcs");
  const maps = files.filter((f) => f.endsWith(".js.map"));
  assert.ok(maps.length > 50, `${maps.length} source maps`);
  for (const map of maps) {
    const { sources } = JSON.parse(readFileSync(join(pkg, map), "utf8")) as { sources: string[] };
    for (const source of sources) {
      const path = join(pkg, dirname(map), source);
      assert.ok(existsSync(path), `${map} points at ${source}, which is not installed`);
    }
  }
});

test("package: exports name types, import and default for both entries", () => {
  const pkg = JSON.parse(readFileSync(join(app, "node_modules/ember-xcs/package.json"), "utf8"));
  for (const entry of [".", "./distributed"]) {
    const conditions = (pkg as { exports: Record<string, Record<string, string>> }).exports[entry]!;
    assert.deepEqual(Object.keys(conditions), ["types", "import", "default"], entry);
    for (const target of Object.values(conditions)) {
      assert.ok(existsSync(join(app, "node_modules/ember-xcs", target)), `${entry}: ${target}`);
    }
  }
});

test("package: require('ember-xcs') runs a jitted pipeline from CommonJS", async () => {
  writeFileSync(
    join(app, "require.cjs"),
    `const { jit, LLMOperator, MapOperator, SequenceOperator, errorPath } = require("ember-xcs");
const distributed = require("ember-xcs/distributed");
const pipeline = new SequenceOperator({
  name: "cjs",
  operators: [
    new MapOperator({ fn: (i) => ({ question: i.question.trim() }) }),
    new LLMOperator({ model: "sim:fast", temperature: 0, prompt: "Q: {question}", outputKey: "answer" }),
  ],
});
(async () => {
  const out = await jit(pipeline)({ question: " Why is the sky blue? " });
  console.log("answer:", out.answer);
  const bad = new MapOperator({ name: "bad", fn: () => { throw new RangeError("no"); } });
  await bad({}).catch((err) => console.log("errorPath:", errorPath(err), err instanceof RangeError));
  console.log("distributed:", typeof distributed.withBullMQ, typeof distributed.runWorker);
})();
`,
  );
  const { stdout, stderr } = await run(process.execPath, ["require.cjs"], {
    cwd: app,
    env: userEnv(),
    timeout: 60_000,
  });
  assert.match(stdout, /^answer: .+/m);
  assert.match(stdout, /^errorPath: bad true$/m);
  assert.match(stdout, /^distributed: function function$/m);
  assert.doesNotMatch(stderr, /Error/);
});

test("package: every example runs in the app against the installed package", async (t) => {
  const examples = listExamples(join(app, "examples"));
  assert.ok(examples.length >= 8, examples.join(", "));
  for (const file of examples) {
    await t.test(file, { skip: file === "distributed.ts" && skipRedis }, async () => {
      const env = userEnv(redis ? { REDIS_URL: redis.url } : {});
      const { stdout } = await run(
        process.execPath,
        [join(app, "node_modules/tsx/dist/cli.mjs"), join("examples", file)],
        { cwd: app, env, timeout: 180_000, maxBuffer: 16 * 1024 * 1024 },
      );
      const dir = join(app, "examples");
      checkOutput(dir, file, stdout, file === "distributed.ts" ? [DISTRIBUTED_RAN] : undefined);
    });
  }
});
