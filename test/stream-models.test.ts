import assert from "node:assert/strict";
import { test } from "node:test";
import { LLMOperator } from "../src/models/llm.js";
import { Model } from "../src/models/model.js";
import { SimulatedProvider } from "../src/models/providers/simulated.js";
import { retryPolicy } from "../src/models/retry.js";
import type { ChatRequest, ChatResponse, Provider, StreamChunk } from "../src/models/types.js";
import { withUsage } from "../src/models/usage.js";
import { withObserver } from "../src/operator/context.js";
import type { CallInfo, UsageReport } from "../src/operator/observer.js";
import { registerOpenAI, startFakeOpenAI } from "./fake-servers.js";

const REQUEST = { messages: [{ role: "user" as const, content: "Tell me about streams" }] };

function simModel(seed: number): Model {
  return new Model("sim:t", "t", new SimulatedProvider({ seed, latency: 0 }), {
    retry: retryPolicy(),
    limiters: [],
  });
}

test("simulated provider: the streamed reply is the reply complete gives, in a few chunks, usage last", async () => {
  const plain = await simModel(3).complete({ ...REQUEST, temperature: 0 });
  const chunks: StreamChunk[] = [];
  for await (const c of simModel(3).stream({ ...REQUEST, temperature: 0 })) chunks.push(c);
  const texts = chunks.flatMap((c) => (c.type === "text" ? [c.text] : []));
  assert.ok(texts.length > 1 && texts.length <= 4, `${texts.length} chunks`);
  assert.equal(texts.join(""), plain.text);
  assert.deepEqual(chunks.at(-1), { type: "usage", usage: plain.usage });
});

test("a provider without stream(): Model.stream sends its complete reply as one chunk", async () => {
  let calls = 0;
  const provider: Provider = {
    label: "plain",
    simulated: false,
    async complete(_request: ChatRequest): Promise<ChatResponse> {
      calls++;
      return { text: "whole", usage: { promptTokens: 2, completionTokens: 1 } };
    },
  };
  const model = new Model("plain:m", "m", provider, { retry: retryPolicy(), limiters: [] });
  const chunks: StreamChunk[] = [];
  const { records } = await withUsage(async () => {
    for await (const c of model.stream(REQUEST)) chunks.push(c);
  });
  assert.deepEqual(chunks, [
    { type: "text", text: "whole" },
    { type: "usage", usage: { promptTokens: 2, completionTokens: 1 } },
  ]);
  assert.equal(calls, 1);
  assert.equal(records.length, 1);
});

test("model calls report usage to the call's observer once per request; tokens only when listened for", async () => {
  const server = await startFakeOpenAI([{ text: "four", usage: { prompt: 6, completion: 1 } }]);
  try {
    const model = `${registerOpenAI(server)}:gpt-test`;
    const ask = new LLMOperator({ model, prompt: "2+2={x}" });
    const reports: [string | undefined, UsageReport][] = [];
    const usageOnly = {
      usage: (call: CallInfo | undefined, r: UsageReport) => reports.push([call?.path, r]),
    };
    assert.deepEqual(await withObserver(usageOnly, () => ask({ x: "?" })), { response: "four" });
    assert.deepEqual(reports, [
      [
        "llm",
        {
          model,
          path: "llm",
          ok: true,
          promptTokens: 6,
          completionTokens: 1,
          costUsd: 0,
          simulated: false,
        },
      ],
    ]);
    // Nobody listened for tokens: one plain request, not a stream.
    assert.equal(server.requests[0]?.body.stream, undefined);

    const tokens: string[] = [];
    const listening = {
      ...usageOnly,
      token: (_call: CallInfo | undefined, text: string) => tokens.push(text),
    };
    await withObserver(listening, () => ask({ x: "?" }));
    assert.equal(server.requests[1]?.body.stream, true);
    assert.deepEqual(tokens, ["fo", "ur"]);
    assert.equal(reports.length, 2);
  } finally {
    await server.close();
  }
});

test("LLMOperator messages: history and templates in order, system first, prompt last", async () => {
  const server = await startFakeOpenAI([{ text: "Ada" }]);
  try {
    const model = `${registerOpenAI(server)}:gpt-test`;
    const chat = new LLMOperator({
      model,
      system: "You are {persona}.",
      messages: [
        { role: "user", content: "My name is {name}." },
        { role: "assistant", content: "Hello {name}! {{braces}} stay." },
      ],
      prompt: "What is my name?",
    });
    assert.deepEqual(await chat({ persona: "terse", name: "Ada" }), { response: "Ada" });
    assert.deepEqual(server.requests[0]?.body.messages, [
      { role: "system", content: "You are terse." },
      { role: "user", content: "My name is Ada." },
      { role: "assistant", content: "Hello Ada! {braces} stay." },
      { role: "user", content: "What is my name?" },
    ]);
    // Messages alone are enough; a missing key in any template is named before sending.
    const only = new LLMOperator({ model, messages: [{ role: "user", content: "Hi {who}" }] });
    await assert.rejects(only({} as { who: string }), /needs \{who\}; input has no keys/);
    assert.equal(server.requests.length, 1);
    assert.throws(() => new LLMOperator({ model }), /needs a prompt or messages/);
    assert.throws(
      // biome-ignore lint/suspicious/noExplicitAny: a bad role on purpose
      () => new LLMOperator({ model, messages: [{ role: "tool" as any, content: "x" }] }),
      /messages\[0\]/,
    );
  } finally {
    await server.close();
  }
});

test("judges stream too: op.stream on a selector judge yields its reply's tokens", async () => {
  const { SelectorJudgeOperator } = await import("../src/models/selector-judge.js");
  const judge = new SelectorJudgeOperator({ model: "sim:fast", temperature: 0 });
  const tokens: string[] = [];
  let output: unknown;
  for await (const event of judge.stream({ query: "2+2?", responses: ["4", "5"] })) {
    if (event.type === "token") tokens.push(event.text);
    if (event.type === "output") output = event.value;
  }
  assert.ok(tokens.length > 1, `${tokens.length} token events`);
  assert.deepEqual(output, await judge({ query: "2+2?", responses: ["4", "5"] }));
});
