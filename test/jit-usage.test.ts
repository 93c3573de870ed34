import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import {
  getJitStats,
  jit,
  LLMOperator,
  models,
  resetJit,
  SequenceOperator,
  SimulatedProvider,
  withUsage,
} from "../src/index.js";

afterEach(() => resetJit());

test("model usage appears per plan node in getJitStats and sums to the run's usage", async () => {
  models.register(
    "simtest",
    new SimulatedProvider({ seed: 3, latency: { medianMs: 1, sigma: 0 } }),
  );
  const ask = (outputKey: string) =>
    new LLMOperator({
      model: "simtest:m",
      prompt: `${outputKey}: {question}`,
      outputKey,
      temperature: 0,
    });
  const seq = new SequenceOperator({ name: "qa", operators: [ask("a"), ask("b")] });
  const fast = jit(seq, { mode: "structural" });
  const { usage } = await withUsage(() => fast({ question: "why?" }));
  const nodes = getJitStats(fast).nodes;
  const a = nodes["llm (qa/operators[0])"]!;
  const b = nodes["llm (qa/operators[1])"]!;
  assert.equal(a.calls, 1);
  assert.ok(a.promptTokens > 0 && a.completionTokens > 0);
  assert.equal(a.promptTokens + b.promptTokens, usage.promptTokens);
  assert.equal(a.completionTokens + b.completionTokens, usage.completionTokens);
  models.unregister("simtest");
});
