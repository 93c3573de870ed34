import assert from "node:assert/strict";
import { test } from "node:test";
import { z } from "zod";
import { ProviderError } from "../src/models/errors.js";
import { LLMOperator } from "../src/models/llm.js";
import { withUsage } from "../src/models/usage.js";
import {
  type FakeReply,
  type FakeServer,
  registerAnthropic,
  startFakeAnthropic,
} from "./fake-servers.js";

async function withServer(
  script: FakeReply[],
  fn: (server: FakeServer, model: string) => Promise<void>,
  latencyMs = 0,
  version?: string,
) {
  const server = await startFakeAnthropic(script, latencyMs);
  try {
    await fn(server, `${registerAnthropic(server, version ? { version } : {})}:claude-test`);
  } finally {
    await server.close();
  }
}

test("Anthropic: Messages API request shape, reply text and usage (API version 2023-06-01)", async () => {
  await withServer(
    [{ text: "Bonjour", usage: { prompt: 12, completion: 3 } }],
    async (server, model) => {
      const ask = new LLMOperator({
        model,
        system: "Answer in {lang}.",
        prompt: "Say hi",
        temperature: 0.2,
      });
      const { result, records } = await withUsage(() => ask({ lang: "French" }));
      assert.deepEqual(result, { response: "Bonjour" });
      const [sent] = server.requests;
      assert.ok(sent);
      assert.equal(sent.url, "/v1/messages");
      // The SDK (1.x) sends the key as a bearer token.
      assert.equal(sent.headers.authorization, "Bearer sk-ant-test-key");
      assert.equal(sent.headers["anthropic-version"], "2023-06-01");
      assert.deepEqual(sent.body, {
        model: "claude-test",
        max_tokens: 1024,
        messages: [{ role: "user", content: "Say hi" }],
        system: "Answer in French.",
        temperature: 0.2,
      });
      assert.deepEqual(
        records.map((r) => [r.promptTokens, r.completionTokens]),
        [[12, 3]],
      );
      // The SDK's own retries are off: ours count attempts.
      assert.equal(sent.headers["x-stainless-retry-count"], "0");
    },
    0,
    "2023-06-01",
  );
});

test("Anthropic: the SDK's API version by default, which takes no temperature", async () => {
  await withServer([{ text: "hi" }], async (server, model) => {
    const ask = new LLMOperator({ model, prompt: "Say hi", temperature: 0.2 });
    assert.deepEqual(await ask({}), { response: "hi" });
    const [sent] = server.requests;
    assert.equal(sent?.headers["anthropic-version"], "2026-10-21");
    assert.equal(sent?.body.temperature, undefined);
  });
});

test("Anthropic: structured output through the prompt instruction", async () => {
  await withServer([{ text: '{"n": 3}' }], async (server, model) => {
    const count = new LLMOperator({
      model,
      prompt: "Count {x}",
      outputSchema: z.object({ n: z.number() }),
    });
    assert.deepEqual(await count({ x: "abc" }), { response: { n: 3 } });
    const messages = server.requests[0]?.body.messages as { content: string }[];
    assert.match(messages[0]?.content ?? "", /^Count abc\n\nReply with only a JSON value/);
  });
});

test("Anthropic: 529 overloaded is retried, 429 honours Retry-After, 400 is not retried", async () => {
  await withServer(
    [{ status: 529 }, { status: 429, headers: { "retry-after": "0.1" } }, { text: "ok" }],
    async (server, model) => {
      assert.deepEqual(await new LLMOperator({ model, prompt: "x" })({}), { response: "ok" });
      assert.equal(server.requests.length, 3);
    },
  );
  await withServer(
    [{ status: 400, errorMessage: "max_tokens too large" }],
    async (server, model) => {
      await assert.rejects(
        new LLMOperator({ model, prompt: "x", maxTokens: 5 })({}),
        (err: unknown) => {
          assert.ok(err instanceof ProviderError);
          assert.equal(err.status, 400);
          assert.equal(err.attempts, 1);
          assert.match(err.message, /answered 400 after 1 attempt: max_tokens too large$/);
          return true;
        },
      );
      assert.equal(server.requests.length, 1);
      assert.equal(server.requests[0]?.body.max_tokens, 5);
    },
  );
});

test("Anthropic: abort mid-request cancels the HTTP request", async () => {
  await withServer(
    [{}],
    async (server, model) => {
      const controller = new AbortController();
      const call = new LLMOperator({ model, prompt: "x" })({}, { signal: controller.signal });
      await server.waitForRequests(1);
      controller.abort(new Error("cancelled"));
      await assert.rejects(call, /cancelled/);
      await server.settled();
      assert.equal(server.requests[0]?.aborted, true);
    },
    5_000,
  );
});
