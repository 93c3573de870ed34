import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { z } from "zod";
import { LinkedController } from "../src/core/cancel.js";
import { ValidationError } from "../src/core/errors.js";
import { ModelOutputError } from "../src/models/errors.js";
import { LLMOperator } from "../src/models/llm.js";
import { fillTemplate, templateKeys } from "../src/models/template.js";
import type { ChildCallOptions } from "../src/operator/context.js";
import { type FakeServer, registerOpenAI, startFakeOpenAI, userContent } from "./fake-servers.js";

let server: FakeServer;
let provider: string;
const replies: string[] = [];

before(async () => {
  // Each test pushes the reply texts it wants; the server answers them in order.
  server = await startFakeOpenAI((request) => ({ text: replies[request.index] ?? "ok" }));
  provider = registerOpenAI(server);
});
after(() => server.close());

function expectReplies(...texts: string[]): void {
  replies.length = server.requests.length;
  replies.push(...texts);
}

test("template: placeholders are filled from the input, values that are not strings as JSON", async () => {
  expectReplies("Paris");
  const ask = new LLMOperator({
    model: `${provider}:gpt-test`,
    system: "You answer in {lang}.",
    prompt: "Q: {question} (ctx {ctx.city}, tags {tags}, n={n}) {{literal}} {not a key}",
    temperature: 0,
    maxTokens: 32,
  });
  const out = await ask({
    question: "capital?",
    lang: "French",
    ctx: { city: "Lyon" },
    tags: ["a", "b"],
    n: 3,
  });
  assert.deepEqual(out, { response: "Paris" });
  const sent = server.requests.at(-1);
  assert.ok(sent);
  assert.deepEqual(sent.body.messages, [
    { role: "system", content: "You answer in French." },
    { role: "user", content: 'Q: capital? (ctx Lyon, tags ["a","b"], n=3) {literal} {not a key}' },
  ]);
  assert.equal(sent.body.model, "gpt-test");
  assert.equal(sent.body.temperature, 0);
  assert.equal(sent.body.max_tokens, 32);
});

test("template: a missing key is a ValidationError naming every missing key, and no request is sent", async () => {
  const before = server.requests.length;
  const ask = new LLMOperator({
    model: `${provider}:gpt-test`,
    prompt: "{question} {context} {user.name}",
  });
  // The prompt literal types the input, so TypeScript already rejects this call.
  // @ts-expect-error context is missing
  await assert.rejects(ask({ question: "hi", user: {} }), (err: unknown) => {
    assert.ok(err instanceof ValidationError);
    assert.equal(err.code, "missing_template_key");
    assert.equal(err.path, "llm");
    assert.match(err.message, /prompt needs \{context\}, \{user\.name\}; input has question, user/);
    assert.deepEqual(
      err.issues.map((i) => i.path),
      [["context"], ["user", "name"]],
    );
    return true;
  });
  assert.equal(server.requests.length, before);
});

test("template: an aborted call rejects with its reason before the missing key, however the abort reaches it", async () => {
  const ask = new LLMOperator({ model: `${provider}:gpt-test`, prompt: "{question} {context}" });
  const reason = new Error("stopped");
  const caller = new AbortController();
  caller.abort(reason);
  // @ts-expect-error context is missing
  await assert.rejects(ask({ question: "hi" }, { signal: caller.signal }), (err) => err === reason);
  // What an ensemble or a plan hands its members: its controller, whose signal is not made yet.
  const controller = new LinkedController();
  controller.abort(reason);
  const options: ChildCallOptions = { cancel: controller };
  await assert.rejects(
    ask.invokeFrom(undefined, { question: "hi" } as never, options),
    (err) => err === reason,
  );
});

test("template: inherited properties are not template values", () => {
  assert.throws(() => fillTemplate("{constructor}", {}, "p"), { code: "missing_template_key" });
  assert.deepEqual(templateKeys("{a} {b.c} {{d}} {a}"), ["a", "b.c"]);
});

test("the output key is configurable and the operator is stochastic", async () => {
  expectReplies("hello");
  const ask = new LLMOperator({
    model: `${provider}:gpt-test`,
    prompt: "{x}",
    outputKey: "greeting",
  });
  assert.equal(ask.effects, "stochastic");
  assert.deepEqual(await ask({ x: "1" }), { greeting: "hello" });
});

const Rating = z.object({ score: z.number().int().min(1).max(5), reason: z.string() });

test("structured output: the JSON schema is sent and a valid reply is parsed", async () => {
  expectReplies('{"score": 4, "reason": "good"}');
  const rate = new LLMOperator({
    model: `${provider}:gpt-test`,
    prompt: "Rate: {text}",
    outputKey: "rating",
    outputSchema: Rating,
  });
  const out = await rate({ text: "nice" });
  assert.deepEqual(out, { rating: { score: 4, reason: "good" } });
  const sent = server.requests.at(-1);
  assert.ok(sent);
  assert.deepEqual(sent.body.response_format, {
    type: "json_schema",
    json_schema: {
      name: "rating",
      schema: {
        type: "object",
        properties: {
          score: { type: "integer", minimum: 1, maximum: 5 },
          reason: { type: "string" },
        },
        required: ["score", "reason"],
        additionalProperties: false,
      },
    },
  });
  assert.match(userContent(sent), /^Rate: nice\n\nReply with only a JSON value/);
});

test("structured output: a reply in a ```json fence is accepted", async () => {
  expectReplies('```json\n{"score": 2, "reason": "meh"}\n```');
  const rate = new LLMOperator({
    model: `${provider}:gpt-test`,
    prompt: "{text}",
    outputSchema: Rating,
  });
  assert.deepEqual(await rate({ text: "x" }), { response: { score: 2, reason: "meh" } });
});

test("structured output: invalid JSON is a ModelOutputError carrying the raw text", async () => {
  expectReplies("Sure! The score is 4.");
  const rate = new LLMOperator({
    model: `${provider}:gpt-test`,
    prompt: "{text}",
    outputSchema: Rating,
  });
  await assert.rejects(rate({ text: "x" }), (err: unknown) => {
    assert.ok(err instanceof ModelOutputError);
    assert.ok(err instanceof ValidationError);
    assert.equal(err.code, "invalid_model_output");
    assert.equal(err.rawText, "Sure! The score is 4.");
    assert.match(err.message, /^\[invalid_model_output\] at llm: reply is not valid JSON/);
    assert.match(err.message, /raw reply: "Sure! The score is 4\."/);
    return true;
  });
});

test("structured output: JSON failing the schema is a ModelOutputError with the issues and raw text", async () => {
  expectReplies('{"score": 9, "reason": "wow"}');
  const rate = new LLMOperator({
    model: `${provider}:gpt-test`,
    prompt: "{text}",
    outputSchema: Rating,
  });
  await assert.rejects(rate({ text: "x" }), (err: unknown) => {
    assert.ok(err instanceof ModelOutputError);
    assert.equal(err.rawText, '{"score": 9, "reason": "wow"}');
    assert.deepEqual(
      err.issues.map((i) => [i.path, i.code]),
      [[["score"], "too_big"]],
    );
    assert.match(err.message, /does not match the output schema \(score: /);
    return true;
  });
});

test("bad options fail at construction with the valid values", () => {
  assert.throws(
    () => new LLMOperator({ model: "gpt-4o", prompt: "x" }),
    /model is "gpt-4o"; expected one of/,
  );
  assert.throws(
    () => new LLMOperator({ model: "sim:fast", prompt: "x", temperature: 3 }),
    /temperature is 3; expected one of "a number from 0 to 2"/,
  );
  assert.throws(
    () => new LLMOperator({ model: "sim:fast", prompt: "x", maxTokens: 0 }),
    /maxTokens is 0; expected one of "an integer >= 1"/,
  );
});
