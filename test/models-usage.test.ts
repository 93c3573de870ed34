import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { LLMOperator } from "../src/models/llm.js";
import { resetPrices, setPrices } from "../src/models/prices.js";
import { UniformEnsemble } from "../src/models/uniform-ensemble.js";
import { formatUsage, type UsageRecord, usage, withUsage } from "../src/models/usage.js";
import { SequenceOperator } from "../src/operators/sequence.js";
import { type FakeServer, registerOpenAI, startFakeOpenAI } from "./fake-servers.js";

let server: FakeServer;
let provider: string;

before(async () => {
  // Prompt tokens 100 and completion tokens 20 on every reply, except when a test scripts more.
  server = await startFakeOpenAI(() => ({ usage: { prompt: 100, completion: 20 } }));
  provider = registerOpenAI(server);
  setPrices({ [`${provider}:priced`]: { inputPerMillionUsd: 2, outputPerMillionUsd: 10 } });
});
after(async () => {
  resetPrices();
  await server.close();
});

test("every call records tokens and cost; totals per operator, per model and global agree", async () => {
  usage.reset();
  const a = new LLMOperator({ model: `${provider}:priced`, prompt: "{q}" });
  const b = new LLMOperator({ model: `${provider}:priced`, prompt: "{q}?" });
  await a({ q: "1" });
  await a({ q: "2" });
  await b({ q: "3" });
  // One call: 100 × $2/M + 20 × $10/M = $0.0004.
  const perCall = (100 * 2 + 20 * 10) / 1e6;
  assert.deepEqual(usage.forOperator(a), {
    calls: 2,
    failedCalls: 0,
    wastedCalls: 0,
    attempts: 2,
    promptTokens: 200,
    completionTokens: 40,
    totalTokens: 240,
    costUsd: 2 * perCall,
    unpricedCalls: 0,
    simulatedCalls: 0,
    queueMs: 0,
  });
  assert.equal(usage.forOperator(b).calls, 1);
  const total = usage.total();
  assert.equal(total.calls, 3);
  assert.equal(total.totalTokens, 360);
  assert.equal(total.costUsd, 3 * perCall);
  assert.deepEqual(usage.forModel(`${provider}:priced`), total);
  assert.equal(formatUsage(total), "3 calls · 300 prompt + 60 completion tokens · $0.001200");
  assert.deepEqual([...usage.models().keys()], [`${provider}:priced`]);
});

test("a model missing from the price table costs 0 and is counted as unpriced", async () => {
  usage.reset();
  await new LLMOperator({ model: `${provider}:mystery-model`, prompt: "{q}" })({ q: "x" });
  const total = usage.total();
  assert.equal(total.costUsd, 0);
  assert.equal(total.unpricedCalls, 1);
  assert.equal(total.promptTokens, 100);
});

test("dated model names are priced by their longest known prefix", async () => {
  usage.reset();
  await new LLMOperator({ model: `${provider}:gpt-4o-mini-2024-07-18`, prompt: "{q}" })({ q: "x" });
  // gpt-4o-mini's built-in price ($0.15 / $0.60), not gpt-4o's.
  assert.equal(usage.total().costUsd, (100 * 0.15 + 20 * 0.6) / 1e6);
});

test("forOperator of a composite sums the calls of the operators it holds", async () => {
  usage.reset();
  const vote = new UniformEnsemble({
    count: 3,
    model: `${provider}:priced`,
    prompt: "{q}",
    temperature: 0.7,
  });
  const pipeline = new SequenceOperator({ operators: [vote] });
  await pipeline({ q: "x" });
  assert.equal(usage.forOperator(vote).calls, 3);
  assert.equal(usage.forOperator(pipeline).promptTokens, 300);
  assert.equal(usage.forOperator(vote.operators[0] as never).calls, 1);
});

test("withUsage scopes one run, follows concurrent calls, nests, and keeps operator paths", async () => {
  usage.reset();
  const vote = new UniformEnsemble({
    count: 2,
    model: `${provider}:priced`,
    prompt: "{q}",
    temperature: 0.7,
  });
  const single = new LLMOperator({ model: `${provider}:priced`, prompt: "{q}" });
  await single({ q: "outside" });
  const outer = await withUsage(async () => {
    const inner = await withUsage(() => vote({ q: "in" }));
    await single({ q: "after" });
    return inner;
  });
  const inner = outer.result;
  assert.equal(inner.result.responses.length, 2);
  for (const sample of inner.result.responses) assert.match(sample, /^reply \d+$/);
  assert.equal(inner.usage.calls, 2);
  assert.deepEqual(inner.records.map((r) => r.path).sort(), [
    "uniform_ensemble/operators[0]",
    "uniform_ensemble/operators[1]",
  ]);
  assert.equal(outer.usage.calls, 3);
  assert.deepEqual(outer.records.map((r) => r.path).at(-1), "llm");
  assert.equal(usage.total().calls, 4);
});

test("subscribers see each record with its path and operator, until they unsubscribe", async () => {
  const seen: UsageRecord[] = [];
  const stop = usage.subscribe((r) => seen.push(r));
  const ask = new LLMOperator({ model: `${provider}:priced`, prompt: "{q}", name: "ask" });
  await ask({ q: "x" });
  stop();
  await ask({ q: "y" });
  assert.equal(seen.length, 1);
  const [record] = seen;
  assert.ok(record);
  assert.equal(record.path, "ask");
  assert.equal(record.operator, ask);
  assert.equal(record.model, `${provider}:priced`);
  assert.equal(record.ok, true);
  assert.equal(record.attempts, 1);
  assert.equal(record.simulated, false);
  assert.deepEqual([record.promptTokens, record.completionTokens], [100, 20]);
});

test("a failed call is recorded with its attempts and no tokens", async () => {
  const failing = await startFakeOpenAI([{ status: 400, errorMessage: "bad request" }]);
  try {
    const name = registerOpenAI(failing);
    const { records } = await withUsage(() =>
      new LLMOperator({ model: `${name}:priced`, prompt: "{q}" })({ q: "x" }).catch(() => "failed"),
    );
    assert.equal(records.length, 1);
    assert.deepEqual(
      records.map((r) => [r.ok, r.attempts, r.promptTokens]),
      [[false, 1, 0]],
    );
  } finally {
    await failing.close();
  }
});

test("a listener that throws does not fail the call", async () => {
  const stop = usage.subscribe(() => {
    throw new Error("listener bug");
  });
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.message);
  process.on("warning", onWarning);
  try {
    const out = await new LLMOperator({ model: `${provider}:priced`, prompt: "{q}" })({ q: "x" });
    assert.match(out.response, /^reply \d+$/);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(warnings, ["usage listener threw: listener bug"]);
  } finally {
    stop();
    process.off("warning", onWarning);
  }
});
