import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, before, test } from "node:test";
import cacache from "cacache";
import {
  configure,
  DiskCache,
  LLMOperator,
  OptionError,
  requestKey,
  type UsageRecord,
  withUsage,
} from "../src/index.js";
import { type FakeServer, registerOpenAI, startFakeOpenAI, userContent } from "./fake-servers.js";

let server: FakeServer;
let provider: string;
const dirs: string[] = [];

function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "ember-cache-"));
  dirs.push(dir);
  return dir;
}

before(async () => {
  // Every reply names the request that asked for it, so replayed replies can be told apart.
  server = await startFakeOpenAI((r) => ({ text: `${userContent(r)} → reply ${r.index}` }));
  provider = registerOpenAI(server);
});
afterEach(() => configure({ cache: false }));
after(async () => {
  await server.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

test("off by default: identical requests are all sent", async () => {
  const ask = new LLMOperator({ model: `${provider}:m`, prompt: "{q}", temperature: 0 });
  const before = server.requests.length;
  await ask({ q: "off" });
  await ask({ q: "off" });
  assert.equal(server.requests.length - before, 2);
});

test("a deterministic request is sent once; the hit is recorded as cached, with no tokens or cost", async () => {
  configure({ cache: freshDir() });
  const ask = new LLMOperator({ model: `${provider}:m`, prompt: "{q}", temperature: 0 });
  const before = server.requests.length;
  const first = await ask({ q: "hit me" });
  const { result: second, records } = await withUsage(() => ask({ q: "hit me" }));
  assert.deepEqual(second, first);
  assert.equal(server.requests.length - before, 1);
  const record = records[0] as UsageRecord;
  assert.equal(record.cached, true);
  assert.equal(record.costUsd, 0);
  assert.equal(record.promptTokens + record.completionTokens, 0);
  // A different request (prompt, temperature or maxTokens) is a miss.
  await ask({ q: "another" });
  await new LLMOperator({ model: `${provider}:m`, prompt: "{q}", temperature: 0, maxTokens: 9 })({
    q: "hit me",
  });
  assert.equal(server.requests.length - before, 3);
});

test("stochastic samples are kept apart: the k-th identical request of a run is sample k", async () => {
  const dir = freshDir();
  const ask = new LLMOperator({ model: `${provider}:m`, prompt: "{q}", temperature: 1 });
  const run = () => Promise.all([1, 2, 3].map(() => ask({ q: "sample" })));
  configure({ cache: dir });
  const before = server.requests.length;
  const first = (await run()).map((o) => o.response);
  assert.equal(server.requests.length - before, 3);
  assert.equal(new Set(first).size, 3, "three samples, three different replies");
  // A new run (the cache set again, as a re-run in a new process would) replays the same three.
  configure({ cache: dir });
  const again = (await run()).map((o) => o.response);
  assert.equal(server.requests.length - before, 3);
  assert.deepEqual([...again].sort(), [...first].sort());
  // A fourth sample in that run is new.
  await ask({ q: "sample" });
  assert.equal(server.requests.length - before, 4);
});

test("the key covers the whole request and the sample index", () => {
  const base = { messages: [{ role: "user" as const, content: "hi" }], temperature: 1 };
  const key = requestKey("openai:a", base, 0);
  assert.equal(requestKey("openai:a", { temperature: 1, messages: base.messages }, 0), key);
  for (const other of [
    requestKey("openai:b", base, 0),
    requestKey("openai:a", base, 1),
    requestKey("openai:a", { ...base, temperature: 0.5 }, 0),
    requestKey("openai:a", { ...base, maxTokens: 5 }, 0),
    requestKey("openai:a", { ...base, responseSchema: { name: "s", schema: {} } }, 0),
    requestKey("openai:a", { ...base, messages: [{ role: "system", content: "hi" }] }, 0),
  ]) {
    assert.notEqual(other, key);
  }
});

test("a store of one's own is used as given; bad settings are OptionErrors", async () => {
  const map = new Map<string, unknown>();
  configure({
    cache: {
      get: async (k) => map.get(k),
      set: async (k, v) => {
        map.set(k, v);
      },
    },
  });
  const ask = new LLMOperator({ model: `${provider}:m`, prompt: "{q}", temperature: 0 });
  await ask({ q: "own store" });
  assert.equal(map.size, 1);
  assert.throws(() => configure({ cache: 5 as never }), OptionError);
  assert.throws(() => configure({ cache: "" }), /a directory path/);
  assert.throws(
    () => configure({ cachee: "x" } as never),
    /expected one of "maxConcurrency" \| "scheduler" \| "cache"/,
  );
});

function writer(dir: string, name: string, count: number): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        join(import.meta.dirname, "datasets-cache-writer.ts"),
        dir,
        name,
        String(count),
      ],
      { stdio: ["ignore", "ignore", "inherit"] },
    );
    child.on("close", resolve);
  });
}

test("two processes writing one cache at once leave it intact", async () => {
  const dir = freshDir();
  const count = 100;
  assert.deepEqual(await Promise.all([writer(dir, "a", count), writer(dir, "b", count)]), [0, 0]);
  const cache = new DiskCache(dir);
  for (let i = 0; i < count; i++) {
    for (const name of ["a", "b"]) {
      const own = await cache.get(`${name}-${i}`);
      assert.equal(own?.text.startsWith(`${name} ${i} `), true);
      assert.equal(own?.usage.completionTokens, 2);
    }
    // Both wrote this key: either reply may win, but it is one whole reply.
    const shared = await cache.get(`shared-${i}`);
    assert.match(shared?.text ?? "", new RegExp(`^[ab] ${i} x{200}$`));
  }
  const stats = await cacache.verify(dir);
  assert.equal(stats.badContentCount, 0);
  assert.equal(stats.rejectedEntries, 0);
  assert.equal(stats.totalEntries, 3 * count, "one entry per key, however many writers");
});
