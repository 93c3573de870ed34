import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ModelOutputError } from "../src/models/errors.js";
import { JudgeSynthesisOperator } from "../src/models/judge-synthesis.js";
import { LLMVerifierOperator } from "../src/models/llm-verifier.js";
import { SelectorJudgeOperator } from "../src/models/selector-judge.js";
import { UniformEnsemble } from "../src/models/uniform-ensemble.js";
import { EnsembleOperator } from "../src/operators/ensemble.js";
import { MostCommonOperator } from "../src/operators/most-common.js";
import { SequenceOperator } from "../src/operators/sequence.js";
import { type FakeServer, registerOpenAI, startFakeOpenAI, userContent } from "./fake-servers.js";

let server: FakeServer;
let model: string;
let nextReply: string | undefined;

before(async () => {
  // Ten ms per reply so that concurrent members overlap at the server.
  server = await startFakeOpenAI(
    (request) => ({ text: nextReply ?? `sample ${request.index}` }),
    10,
  );
  model = `${registerOpenAI(server)}:m`;
});
after(() => server.close());

test("UniformEnsemble of 5 at temperature 0.7 sends 5 concurrent requests and returns 5 distinct samples", async () => {
  nextReply = undefined;
  const start = server.requests.length;
  const samples = new UniformEnsemble({
    count: 5,
    model,
    temperature: 0.7,
    prompt: "Q: {question}",
  });
  assert.ok(samples instanceof EnsembleOperator);
  assert.equal(samples.operators.length, 5);
  const out = await samples({ question: "2+2?" });
  const sent = server.requests.slice(start);
  assert.equal(sent.length, 5);
  assert.deepEqual(
    sent.map((r) => [r.body.temperature, userContent(r)]),
    Array(5).fill([0.7, "Q: 2+2?"]),
  );
  assert.equal(out.responses.length, 5);
  assert.equal(new Set(out.responses).size, 5);
  assert.equal(server.peakInFlight, 5);
});

test("UniformEnsemble feeds MostCommon in a sequence, and a custom aggregate sees the samples", async () => {
  nextReply = "4";
  const qa = new SequenceOperator({
    operators: [
      new UniformEnsemble({ count: 3, model, temperature: 0.7, prompt: "{question}" }),
      new MostCommonOperator(),
    ],
  });
  const out = (await qa({ question: "2+2?" })) as Record<string, unknown>;
  assert.equal(out.final_answer, "4");
  const lengths = new UniformEnsemble({
    count: 2,
    model,
    prompt: "{question}",
    aggregate: (samples: string[]) => ({ lengths: samples.map((s) => s.length) }),
  });
  assert.deepEqual(await lengths({ question: "x" }), { lengths: [1, 1] });
  assert.throws(() => new UniformEnsemble({ count: 0, model, prompt: "x" }), /count is 0/);
});

test("JudgeSynthesis: sends the query and numbered candidates, parses Reasoning and Final Answer", async () => {
  nextReply = "**Reasoning:** two say 4\nand one says 5.\n**Final Answer:** 4";
  const judge = new JudgeSynthesisOperator({ model, temperature: 0 });
  const out = await judge({ query: "2+2?", responses: ["4", "four", "5"] });
  assert.deepEqual(out, { reasoning: "two say 4\nand one says 5.", final_answer: "4" });
  const prompt = userContent(server.requests.at(-1)!);
  assert.match(prompt, /Question: 2\+2\?/);
  assert.match(prompt, /\[0\] 4\n\[1\] four\n\[2\] 5/);
  assert.match(prompt, /Final Answer: <the final answer>$/);
});

test("JudgeSynthesis: a reply without Final Answer is a ModelOutputError with the raw text", async () => {
  nextReply = "I think it is 4.";
  const judge = new JudgeSynthesisOperator({ model });
  await assert.rejects(judge({ query: "q", responses: ["a"] }), (err: unknown) => {
    assert.ok(err instanceof ModelOutputError);
    assert.equal(err.rawText, "I think it is 4.");
    assert.match(err.message, /reply has no "Final Answer:" line/);
    return true;
  });
});

test("judges reject missing or empty candidates before any request", async () => {
  const before = server.requests.length;
  const judge = new JudgeSynthesisOperator({ model });
  await assert.rejects(judge({ query: "q", responses: [] }), { code: "invalid_input" });
  await assert.rejects(judge({ responses: ["a"] }), { code: "invalid_input" });
  assert.equal(server.requests.length, before);
});

test("SelectorJudge picks the candidate at the index the model names", async () => {
  nextReply = "Reasoning: the second is right\nSelected: 1";
  const pick = new SelectorJudgeOperator({ model });
  const out = await pick({ query: "2+2?", responses: ["5", { value: 4 }] });
  assert.deepEqual(out, {
    selected_index: 1,
    final_answer: { value: 4 },
    reasoning: "the second is right",
    fallback: false,
  });
  assert.match(userContent(server.requests.at(-1)!), /Selected: <a number from 0 to 1>$/);
});

test("SelectorJudge: an out-of-range index is an error, or candidate 0 marked as a fallback", async () => {
  nextReply = "Reasoning: hmm\nSelected: 7";
  await assert.rejects(
    new SelectorJudgeOperator({ model })({ query: "q", responses: ["a", "b"] }),
    (err: unknown) => {
      assert.ok(err instanceof ModelOutputError);
      assert.match(err.message, /selected 7, expected an index from 0 to 1/);
      return true;
    },
  );
  nextReply = "Selected: none of them";
  const lenient = new SelectorJudgeOperator({ model, onInvalidSelection: "first" });
  assert.deepEqual(await lenient({ query: "q", responses: ["a", "b"] }), {
    selected_index: 0,
    final_answer: "a",
    reasoning: "",
    fallback: true,
  });
});

test("LLMVerifier parses Verdict, Explanation and Revised Answer", async () => {
  nextReply = "Verdict: Incorrect.\nExplanation: 2+2 is 4.\nRevised Answer: 4";
  const check = new LLMVerifierOperator({ model });
  assert.deepEqual(await check({ query: "2+2?", answer: "5" }), {
    verdict: "incorrect",
    passed: false,
    explanation: "2+2 is 4.",
    revised_answer: "4",
  });
  nextReply = "Verdict: correct\nExplanation: fine";
  assert.deepEqual(await check({ query: "2+2?", answer: "4" }), {
    verdict: "correct",
    passed: true,
    explanation: "fine",
    revised_answer: "4",
  });
  nextReply = "Verdict: maybe";
  await assert.rejects(
    check({ query: "q", answer: "a" }),
    /verdict "maybe" is neither "correct" nor "incorrect"/,
  );
});

test("LLM operators are stochastic leaves", () => {
  for (const op of [
    new JudgeSynthesisOperator({ model }),
    new SelectorJudgeOperator({ model }),
    new LLMVerifierOperator({ model }),
  ]) {
    assert.equal(op.effects, "stochastic");
    assert.equal(op.isLeaf(), true);
  }
  const ensemble = new UniformEnsemble({ count: 2, model, prompt: "x" });
  assert.equal(ensemble.effects, "stochastic");
  assert.equal(ensemble.isLeaf(), false);
});
