import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import {
  getJitStats,
  jit,
  LLMOperator,
  models,
  Operator,
  resetJit,
  SequenceOperator,
  SimulatedProvider,
  usage,
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

test("usage: a model call the JIT started early and nobody claimed is wasted, not failed", async () => {
  models.register("simwaste", new SimulatedProvider({ seed: 5, latency: 30 }));
  try {
    class Pick extends Operator<{ go: boolean; q: string }, { go: boolean }> {
      override readonly effects = "pure";
      forward(i: { go: boolean }) {
        return { go: i.go };
      }
    }
    class Maybe extends Operator<{ go: boolean; q: string }, unknown> {
      readonly pick = new Pick();
      readonly ask = new LLMOperator({ model: "simwaste:m", prompt: "say {q}", temperature: 0 });
      async forward(i: { go: boolean; q: string }) {
        const p = await this.pick(i);
        return p.go ? this.ask({ q: i.q }) : { skipped: true };
      }
    }
    const fast = jit(new Maybe(), { mode: "trace" });
    await fast({ go: true, q: "a" });
    const before = usage.total();
    assert.deepEqual(await fast({ go: false, q: "b" }), { skipped: true });
    // The started call is aborted when forward takes the other branch; its record follows.
    for (let k = 0; k < 5; k++) await new Promise((r) => setImmediate(r));
    const after = usage.total();
    assert.equal(after.failedCalls - before.failedCalls, 0);
    assert.equal(after.wastedCalls - before.wastedCalls, 1);
    assert.equal(getJitStats(fast).wasted.calls, 1);
  } finally {
    models.unregister("simwaste");
  }
});
