import assert from "node:assert/strict";
import { test } from "node:test";
import { OptionError } from "../src/core/errors.js";
import { LLMOperator } from "../src/models/llm.js";
import { SimulatedProvider } from "../src/models/providers/simulated.js";
import { defaultModelId, ModelRegistry, models } from "../src/models/registry.js";

function withEnv<T>(env: Record<string, string | undefined>, fn: () => T): T {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  apply(env);
  try {
    return fn();
  } finally {
    apply(saved);
  }
}

test("ids split at the first colon; the same id gives the same model", () => {
  const registry = new ModelRegistry().register("ollama", new SimulatedProvider());
  const model = registry.get("ollama:llama3:8b");
  assert.equal(model.id, "ollama:llama3:8b");
  assert.equal(model.name, "llama3:8b");
  assert.equal(registry.get("ollama:llama3:8b"), model);
  assert.throws(
    () => registry.get("llama3"),
    /models: model id "llama3"; expected one of "provider:model/,
  );
});

test("an unknown provider lists the ones available", () => {
  withEnv(
    { OPENAI_API_KEY: undefined, OPENAI_BASE_URL: undefined, ANTHROPIC_API_KEY: undefined },
    () => {
      const registry = new ModelRegistry().register("mine", new SimulatedProvider());
      assert.throws(
        () => registry.get("nope:x"),
        (err: unknown) =>
          err instanceof OptionError &&
          /unknown provider \(use models\.register\) "nope"; expected one of "mine" \| "sim"/.test(
            err.message,
          ),
      );
      assert.throws(
        () => registry.get("openai:gpt-4o-mini"),
        /set OPENAI_API_KEY or OPENAI_BASE_URL/,
      );
    },
  );
});

test("built-ins: sim always; openai and anthropic from the environment", () => {
  withEnv(
    {
      OPENAI_API_KEY: undefined,
      OPENAI_BASE_URL: "http://127.0.0.1:9/v1",
      ANTHROPIC_API_KEY: "sk-ant-x",
    },
    () => {
      const registry = new ModelRegistry();
      assert.equal(registry.get("sim:fast").label, "sim:fast (simulated)");
      assert.equal(
        registry.get("openai:llama").label,
        "openai:llama (openai-compatible at http://127.0.0.1:9/v1)",
      );
      assert.equal(
        registry.get("anthropic:claude-3-5-haiku").label,
        "anthropic:claude-3-5-haiku (anthropic at https://api.anthropic.com)",
      );
    },
  );
});

test("defaultModelId: a real provider when the environment names one, the simulated one otherwise", () => {
  withEnv({ OPENAI_API_KEY: undefined, OPENAI_BASE_URL: undefined }, () =>
    assert.equal(defaultModelId(), "sim:fast"),
  );
  withEnv({ OPENAI_API_KEY: "sk-x", OPENAI_MODEL: undefined }, () =>
    assert.equal(defaultModelId(), "openai:gpt-4o-mini"),
  );
  withEnv({ OPENAI_BASE_URL: "http://localhost:11434/v1", OPENAI_MODEL: "llama3.2" }, () =>
    assert.equal(defaultModelId(), "openai:llama3.2"),
  );
});

test("setLimits and register replace the limiters of models handed out later", () => {
  const registry = new ModelRegistry().register("p", new SimulatedProvider(), {
    limits: { maxConcurrency: 2 },
  });
  const before = registry.get("p:m");
  assert.deepEqual(
    before.limiters.map((l) => l.limits),
    [{ maxConcurrency: 2 }],
  );
  registry.setLimits("p:m", { requestsPerMinute: 10 });
  const after = registry.get("p:m");
  assert.notEqual(after, before);
  assert.deepEqual(
    after.limiters.map((l) => l.limits),
    [{ requestsPerMinute: 10 }, { maxConcurrency: 2 }],
  );
  assert.equal(registry.unregister("p"), true);
  assert.throws(() => registry.get("p:m"), /unknown provider/);
  assert.throws(() => registry.register("a:b", new SimulatedProvider()), /provider name "a:b"/);
});

test("LLM operators resolve ids in the global registry at call time", async () => {
  const op = new LLMOperator({ model: "late:m", prompt: "x", temperature: 0 });
  await assert.rejects(op({}), /unknown provider/);
  models.register("late", new SimulatedProvider({ latency: 0, reply: () => "registered after" }));
  assert.deepEqual(await op({}), { response: "registered after" });
  models.unregister("late");
});
