import assert from "node:assert/strict";
import { test } from "node:test";
import { z } from "zod";
import { ProviderError } from "../src/models/errors.js";
import { JudgeSynthesisOperator } from "../src/models/judge-synthesis.js";
import { LLMOperator } from "../src/models/llm.js";
import { LLMVerifierOperator } from "../src/models/llm-verifier.js";
import { SimulatedProvider } from "../src/models/providers/simulated.js";
import { ModelRegistry, models } from "../src/models/registry.js";
import { SelectorJudgeOperator } from "../src/models/selector-judge.js";
import { UniformEnsemble } from "../src/models/uniform-ensemble.js";
import { formatUsage, usage, withUsage } from "../src/models/usage.js";

function simRegistry(provider: SimulatedProvider, retry = { baseDelayMs: 1 }): ModelRegistry {
  return new ModelRegistry().register("sim", provider, { retry });
}

test("simulated: temperature 0 repeats itself; stochastic samples differ and replay with the same seed", async () => {
  const run = async (seed: number) => {
    const model = simRegistry(new SimulatedProvider({ seed, latency: 1 })).get("sim:fast");
    const fixed = new LLMOperator({ model, prompt: "{q}", temperature: 0 });
    const a = await fixed({ q: "2+2?" });
    const b = await fixed({ q: "2+2?" });
    assert.deepEqual(a, b);
    const samples = new UniformEnsemble({ count: 5, model, prompt: "{q}", temperature: 0.7 });
    const out = await samples({ q: "2+2?" });
    assert.equal(new Set(out.responses).size, 5);
    return [...out.responses].sort();
  };
  assert.deepEqual(await run(1), await run(1));
  assert.notDeepEqual(await run(1), await run(2));
});

test("simulated: the model and its usage records say simulated", async () => {
  const model = models.get("sim:fast");
  assert.equal(model.label, "sim:fast (simulated)");
  assert.equal(String(model), "sim:fast (simulated)");
  const { records, usage: totals } = await withUsage(() =>
    new LLMOperator({ model: "sim:fast", prompt: "hello {name}" })({ name: "world" }),
  );
  assert.equal(records[0]?.simulated, true);
  assert.equal(totals.simulatedCalls, 1);
  assert.match(
    formatUsage(totals),
    /^1 call · \d+ prompt \+ \d+ completion tokens · \$0\.000000 · simulated$/,
  );
  assert.equal(totals.unpricedCalls, 0);
  assert.equal(totals.costUsd, 0);
  assert.equal(totals.promptTokens, Math.ceil("hello world".length / 4));
  assert.ok(totals.completionTokens >= 1);
  assert.equal(usage.total().simulatedCalls >= 1, true);
});

test("simulated: structured output follows the JSON schema", async () => {
  const model = simRegistry(new SimulatedProvider({ latency: 0 })).get("sim:x");
  const Shape = z.object({
    label: z.enum(["yes", "no"]),
    score: z.number().int().min(1).max(5),
    tags: z.array(z.string()),
  });
  const classify = new LLMOperator({
    model,
    prompt: "{text}",
    outputSchema: Shape,
    outputKey: "result",
  });
  const out = await classify({ text: "t" });
  assert.deepEqual(Shape.parse(out.result), out.result);
});

test("simulated: judges, selector and verifier get replies in their format", async () => {
  const model = simRegistry(new SimulatedProvider({ latency: 0, seed: 3 })).get("sim:x");
  const judged = await new JudgeSynthesisOperator({ model })({ query: "q", responses: ["a", "b"] });
  assert.match(judged.final_answer, /^simulated final answer #0: /);
  for (let i = 0; i < 5; i++) {
    const picked = await new SelectorJudgeOperator({ model })({
      query: `q${i}`,
      responses: ["a", "b", "c"],
    });
    assert.ok([0, 1, 2].includes(picked.selected_index));
    assert.equal(picked.fallback, false);
  }
  const checked = await new LLMVerifierOperator({ model })({ query: "q", answer: "a" });
  assert.ok(["correct", "incorrect"].includes(checked.verdict));
});

test("simulated: injected 429s (with Retry-After) and 500s are retried; seeded, so reproducible", async () => {
  const run = async () => {
    const provider = new SimulatedProvider({
      seed: 5,
      latency: 0,
      faults: { rateLimited: 0.3, serverErrors: 0.3, retryAfterMs: 5 },
    });
    const model = simRegistry(provider, { baseDelayMs: 1 }).get("sim:x");
    const { records } = await withUsage(async () => {
      const ask = new LLMOperator({ model, prompt: "{i}", temperature: 0 });
      for (let i = 0; i < 10; i++) await ask({ i }).catch(() => undefined);
    });
    return { attempts: records.map((r) => r.attempts), requests: provider.requests };
  };
  const first = await run();
  assert.deepEqual(await run(), first);
  assert.ok(first.requests > 10, "some requests failed and were retried");
  assert.equal(
    first.attempts.reduce((a, b) => a + b, 0),
    first.requests,
  );
});

test("simulated: a provider that always rate-limits ends in a ProviderError after maxAttempts", async () => {
  const provider = new SimulatedProvider({
    latency: 0,
    faults: { rateLimited: 1, retryAfterMs: 1 },
  });
  const model = new ModelRegistry()
    .register("sim", provider, { retry: { maxAttempts: 3 } })
    .get("sim:x");
  await assert.rejects(new LLMOperator({ model, prompt: "x" })({}), (err: unknown) => {
    assert.ok(err instanceof ProviderError);
    assert.equal(err.status, 429);
    assert.equal(err.attempts, 3);
    assert.equal(err.retryAfterMs, 1);
    return true;
  });
  assert.equal(provider.requests, 3);
  assert.throws(
    () => new SimulatedProvider({ faults: { serverErrors: 2 } }),
    /faults\.serverErrors: got 2/,
  );
});

test("simulated: abort during the simulated latency rejects with the reason", async () => {
  const model = simRegistry(new SimulatedProvider({ latency: 10_000 })).get("sim:x");
  const controller = new AbortController();
  const call = new LLMOperator({ model, prompt: "x" })({}, { signal: controller.signal });
  setTimeout(() => controller.abort(new Error("enough")), 10);
  await assert.rejects(call, /enough/);
});
