import assert from "node:assert/strict";
import { test } from "node:test";
import { inspect } from "node:util";
import { LLMOperator } from "../src/models/llm.js";
import { AnthropicProvider } from "../src/models/providers/anthropic.js";
import { OpenAIProvider } from "../src/models/providers/openai.js";
import { models } from "../src/models/registry.js";
import { usage, withUsage } from "../src/models/usage.js";
import {
  registerAnthropic,
  registerOpenAI,
  startFakeAnthropic,
  startFakeOpenAI,
} from "./fake-servers.js";

const OPENAI_KEY = "sk-proj-SECRET0123456789abcdef";
const ANTHROPIC_KEY = "sk-ant-SECRET9876543210fedcba";

/** Everything written to the console or stderr while `fn` runs (stdout is the test runner's). */
async function captureOutput(fn: () => Promise<void>): Promise<string> {
  const chunks: string[] = [];
  const methods = ["log", "info", "warn", "error", "debug"] as const;
  const saved = methods.map((m) => console[m]);
  const savedErr = process.stderr.write;
  for (const m of methods)
    console[m] = (...args: unknown[]) => void chunks.push(args.map((a) => inspect(a)).join(" "));
  const tap = (chunk: unknown) => {
    chunks.push(String(chunk));
    return true;
  };
  process.stderr.write = tap as typeof process.stderr.write;
  try {
    await fn();
  } finally {
    methods.forEach((m, i) => {
      console[m] = saved[i] as (typeof console)[typeof m];
    });
    process.stderr.write = savedErr;
  }
  return chunks.join("\n");
}

function everything(err: unknown): string {
  return [String(err), inspect(err, { depth: 20, showHidden: true }), JSON.stringify(err)].join(
    "\n",
  );
}

test("OpenAI: a 401 that echoes the key leaves no trace of it in the error, logs or stats", async () => {
  const server = await startFakeOpenAI([
    {
      status: 401,
      errorMessage: `Incorrect API key provided: ${OPENAI_KEY}. You can find your key at …`,
    },
  ]);
  try {
    const name = registerOpenAI(server, { apiKey: OPENAI_KEY });
    let caught: unknown;
    const output = await captureOutput(async () => {
      await withUsage(() => new LLMOperator({ model: `${name}:m`, prompt: "x" })({})).catch(
        (err) => {
          caught = err;
        },
      );
    });
    // The key really was sent (so the test could fail) …
    assert.equal(server.requests[0]?.headers.authorization, `Bearer ${OPENAI_KEY}`);
    // … and appears nowhere we produce.
    assert.match(
      String(caught),
      /answered 401 after 1 attempt: Incorrect API key provided: \[redacted\]/,
    );
    assert.doesNotMatch(everything(caught), /SECRET/);
    assert.doesNotMatch(output, /SECRET/);
    const model = models.get(`${name}:m`);
    assert.doesNotMatch(inspect(model, { depth: 20, showHidden: true }), /SECRET/);
    assert.doesNotMatch(JSON.stringify(usage.total()) + inspect(usage, { depth: 20 }), /SECRET/);
  } finally {
    await server.close();
  }
});

test("Anthropic: the same holds for its error bodies and the provider object", async () => {
  const server = await startFakeAnthropic([
    { status: 401, errorMessage: `invalid x-api-key ${ANTHROPIC_KEY}` },
  ]);
  try {
    const name = registerAnthropic(server, { apiKey: ANTHROPIC_KEY });
    let caught: unknown;
    const output = await captureOutput(async () => {
      await new LLMOperator({ model: `${name}:m`, prompt: "x" })({}).catch((err) => {
        caught = err;
      });
    });
    assert.equal(server.requests[0]?.headers.authorization, `Bearer ${ANTHROPIC_KEY}`);
    assert.match(String(caught), /invalid x-api-key \[redacted\]/);
    assert.doesNotMatch(everything(caught), /SECRET/);
    assert.doesNotMatch(output, /SECRET/);
  } finally {
    await server.close();
  }
});

test("providers print and serialise without their keys; URL credentials are dropped from labels", () => {
  const openai = new OpenAIProvider({
    apiKey: OPENAI_KEY,
    baseURL: "https://user:SECRETPASS@proxy.example/v1?key=SECRETQ",
  });
  const anthropic = new AnthropicProvider({ apiKey: ANTHROPIC_KEY });
  for (const provider of [openai, anthropic]) {
    const shown =
      inspect(provider, { depth: 20, showHidden: true }) +
      JSON.stringify(provider) +
      String(provider);
    assert.doesNotMatch(shown, /SECRET/);
  }
  assert.equal(openai.label, "openai-compatible at https://proxy.example/v1");
});

test("network errors do not carry the key either", async () => {
  const server = await startFakeOpenAI();
  await server.close();
  models.register("gone", new OpenAIProvider({ baseURL: `${server.url}/v1`, apiKey: OPENAI_KEY }), {
    retry: { maxAttempts: 1 },
  });
  const err = await new LLMOperator({ model: "gone:m", prompt: "x" })({}).catch((e: unknown) => e);
  assert.match(String(err), /gone:m failed after 1 attempt/);
  assert.doesNotMatch(everything(err), /SECRET/);
});
