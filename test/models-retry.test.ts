import assert from "node:assert/strict";
import { test } from "node:test";
import { FakeClock } from "../src/core/fake-clock.js";
import { ProviderError, ProviderFailure } from "../src/models/errors.js";
import { LLMOperator } from "../src/models/llm.js";
import { OpenAIProvider } from "../src/models/providers/openai.js";
import { models } from "../src/models/registry.js";
import { parseRetryAfter, retryDelayMs, retryPolicy, withRetries } from "../src/models/retry.js";
import type { RetryPolicy as ModelRetryPolicy } from "../src/models/types.js";
import { withUsage } from "../src/models/usage.js";
import {
  FAST_RETRY,
  type FakeReply,
  type FakeServer,
  registerOpenAI,
  startFakeOpenAI,
} from "./fake-servers.js";

async function withServer(
  script: FakeReply[],
  fn: (server: FakeServer, model: string) => Promise<void>,
  latencyMs = 0,
  retry: Partial<ModelRetryPolicy> = FAST_RETRY,
) {
  const server = await startFakeOpenAI(script, latencyMs);
  try {
    await fn(server, `${registerOpenAI(server, { retry })}:m`);
  } finally {
    await server.close();
  }
}

const ask = (model: string) => new LLMOperator({ model, prompt: "{q}" });

test("429 with Retry-After (fractional seconds): the retry waits that long, then succeeds", async () => {
  await withServer(
    [
      { status: 429, headers: { "retry-after": "0.2" }, errorMessage: "slow down" },
      { text: "done" },
    ],
    async (server, model) => {
      const { result, records } = await withUsage(() => ask(model)({ q: "x" }));
      assert.deepEqual(result, { response: "done" });
      assert.equal(server.requests.length, 2);
      const [first, second] = server.requests;
      assert.ok(first && second);
      assert.equal(records[0]?.attempts, 2);
    },
  );
});

test("Retry-After of 0.2 s reaches the retry as exactly 200 ms: a policy allowing 199 gives up at once", async () => {
  const server = await startFakeOpenAI([
    { status: 429, headers: { "retry-after": "0.2" }, errorMessage: "slow down" },
    { text: "never" },
  ]);
  try {
    const name = registerOpenAI(server, { retry: { ...FAST_RETRY, maxDelayMs: 199 } });
    await assert.rejects(ask(`${name}:m`)({ q: "x" }), {
      name: "ProviderError",
      status: 429,
      attempts: 1,
      retryAfterMs: 200,
    });
    assert.equal(server.requests.length, 1);
  } finally {
    await server.close();
  }
});

test("withRetries on a fake clock: each retry starts exactly when Retry-After says", async () => {
  const clock = new FakeClock();
  const startedAt: number[] = [];
  const waits = [200, 150];
  const call = withRetries(
    async (n) => {
      startedAt.push(clock.now());
      const retryAfterMs = waits[n - 1];
      if (retryAfterMs !== undefined) {
        throw new ProviderFailure("429", { status: 429, retryAfterMs });
      }
      return `attempt ${n}`;
    },
    retryPolicy({ baseDelayMs: 10, maxDelayMs: 1_000 }),
    new AbortController().signal,
    clock,
  );
  await clock.advance(199);
  assert.deepEqual(startedAt, [0]);
  await clock.advance(1);
  assert.deepEqual(startedAt, [0, 200]);
  await clock.advance(150);
  assert.equal(await call, "attempt 3");
  assert.deepEqual(startedAt, [0, 200, 350]);
  assert.equal(clock.pending, 0);
});

test("429 with retry-after-ms is honoured too, before Retry-After", async () => {
  const script: FakeReply[] = [
    { status: 429, headers: { "retry-after-ms": "150", "retry-after": "30" } },
    { text: "done" },
  ];
  // Waiting the 30 s of Retry-After would break this policy's 1 s bound and fail at once.
  await withServer(
    script,
    async (server, model) => {
      await ask(model)({ q: "x" });
      const [first, second] = server.requests;
      assert.ok(first && second);
    },
    0,
    { ...FAST_RETRY, maxDelayMs: 1_000 },
  );
  await withServer(
    script,
    async (server, model) => {
      await assert.rejects(ask(model)({ q: "x" }), { attempts: 1, retryAfterMs: 150 });
      assert.equal(server.requests.length, 1);
    },
    0,
    { ...FAST_RETRY, maxDelayMs: 149 },
  );
});

test("a Retry-After longer than maxDelayMs fails at once instead of waiting", async () => {
  await withServer(
    [{ status: 429, headers: { "retry-after": "60" }, errorMessage: "quota" }],
    async (server, model) => {
      await assert.rejects(ask(model)({ q: "x" }), (err: unknown) => {
        assert.ok(err instanceof ProviderError);
        assert.equal(err.status, 429);
        assert.equal(err.attempts, 1);
        assert.equal(err.retryAfterMs, 60_000);
        return true;
      });
      assert.equal(server.requests.length, 1);
    },
  );
});

test("5xx: retried with backoff until it succeeds; attempts are counted", async () => {
  await withServer(
    [{ status: 500 }, { status: 503 }, { text: "third time" }],
    async (server, model) => {
      const { result, records } = await withUsage(() => ask(model)({ q: "x" }));
      assert.deepEqual(result, { response: "third time" });
      assert.equal(server.requests.length, 3);
      assert.equal(records[0]?.attempts, 3);
    },
  );
});

test("5xx every time: attempts are bounded and the error says how many were made", async () => {
  await withServer([{ status: 500, errorMessage: "boom" }], async (server, model) => {
    await assert.rejects(ask(model)({ q: "x" }), (err: unknown) => {
      assert.ok(err instanceof ProviderError);
      assert.equal(err.code, "provider_error");
      assert.equal(err.status, 500);
      assert.equal(err.attempts, 4);
      assert.equal(err.path, "llm");
      assert.equal(
        err.message,
        `[provider_error] at llm: ${model} answered 500 after 4 attempts: boom`,
      );
      assert.ok(err.cause instanceof ProviderFailure);
      return true;
    });
    assert.equal(server.requests.length, 4);
  });
});

test("400: not retried", async () => {
  await withServer(
    [{ status: 400, errorMessage: "bad param" }, { text: "never" }],
    async (server, model) => {
      await assert.rejects(ask(model)({ q: "x" }), {
        name: "ProviderError",
        status: 400,
        attempts: 1,
      });
      assert.equal(server.requests.length, 1);
    },
  );
});

test("network errors are retried, then reported without a status", async () => {
  const server = await startFakeOpenAI();
  const url = server.url;
  await server.close(); // nothing listens on this port any more
  const name = "refused";
  models.register(name, new OpenAIProvider({ baseURL: `${url}/v1`, apiKey: "sk-x" }), {
    retry: { maxAttempts: 2, baseDelayMs: 5 },
  });
  await assert.rejects(ask(`${name}:m`)({ q: "x" }), (err: unknown) => {
    assert.ok(err instanceof ProviderError);
    assert.equal(err.status, undefined);
    assert.equal(err.attempts, 2);
    assert.match(err.message, /refused:m failed after 2 attempts: Connection error/);
    return true;
  });
});

test("abort mid-request: the HTTP request is cancelled, the call rejects with the reason, nothing is retried", async () => {
  await withServer(
    [{}],
    async (server, model) => {
      const controller = new AbortController();
      const call = ask(model)({ q: "x" }, { signal: controller.signal });
      await server.waitForRequests(1);
      const reason = new Error("user cancelled");
      controller.abort(reason);
      await assert.rejects(call, (err: unknown) => err === reason);
      await server.settled();
      assert.equal(server.requests.length, 1);
      assert.equal(server.requests[0]?.aborted, true);
    },
    5_000,
  );
});

test("abort during a retry wait ends the wait at once", async () => {
  await withServer([{ status: 429, headers: { "retry-after": "1.5" } }], async (server, model) => {
    const controller = new AbortController();
    const call = ask(model)({ q: "x" }, { signal: controller.signal });
    await server.waitForRequests(1);
    await new Promise((r) => setTimeout(r, 20));
    controller.abort(new Error("stop"));
    await assert.rejects(call, /stop/);
    assert.equal(server.requests.length, 1);
  });
});

test("withRetries on a fake clock: an abort during the wait rejects at once and clears the timer", async () => {
  const clock = new FakeClock();
  const controller = new AbortController();
  let attempts = 0;
  const call = withRetries(
    async () => {
      attempts++;
      throw new ProviderFailure("429", { status: 429, retryAfterMs: 1_500 });
    },
    retryPolicy({ maxDelayMs: 2_000 }),
    controller.signal,
    clock,
  );
  await clock.advance(20);
  assert.equal(clock.pending, 1, "waiting for Retry-After");
  controller.abort(new Error("stop"));
  await assert.rejects(call, /stop/);
  assert.equal(clock.pending, 0);
  await clock.runAll();
  assert.equal(attempts, 1);
});

test("parseRetryAfter reads retry-after-ms, seconds with fractions, and HTTP dates", () => {
  const headers = (h: Record<string, string>) => new Headers(h);
  assert.equal(parseRetryAfter(headers({ "retry-after": "2" })), 2000);
  assert.equal(parseRetryAfter(headers({ "retry-after": "0.25" })), 250);
  assert.equal(parseRetryAfter(headers({ "retry-after": "0.2" })), 200);
  assert.equal(parseRetryAfter(headers({ "retry-after-ms": "120", "retry-after": "9" })), 120);
  const now = Date.parse("2025-01-01T00:00:00Z");
  assert.equal(
    parseRetryAfter(headers({ "retry-after": "Wed, 01 Jan 2025 00:00:03 GMT" }), now),
    3000,
  );
  assert.equal(parseRetryAfter(headers({ "retry-after": "soon" })), undefined);
  assert.equal(parseRetryAfter(headers({})), undefined);
});

test("retryDelayMs: exponential with jitter for 5xx, none for other 4xx", () => {
  const policy = retryPolicy({ baseDelayMs: 100, maxDelayMs: 1000 });
  const fail500 = new ProviderFailure("x", { status: 500 });
  assert.equal(
    retryDelayMs(fail500, 1, policy, () => 0),
    50,
  );
  assert.equal(
    retryDelayMs(fail500, 3, policy, () => 1),
    400,
  );
  assert.equal(
    retryDelayMs(fail500, 9, policy, () => 1),
    1000,
  );
  assert.equal(retryDelayMs(new ProviderFailure("x", { status: 404 }), 1, policy), undefined);
  assert.equal(retryDelayMs(new TypeError("bug"), 1, policy), undefined);
  assert.throws(() => retryPolicy({ maxAttempts: 0 }), /retry\.maxAttempts: got 0/);
});
