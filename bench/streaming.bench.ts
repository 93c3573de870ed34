/**
 * Time to first token of a pipeline's final answer, eager vs jitted, against a local
 * OpenAI-compatible server that streams (SSE chat.completion.chunk, usage last). The
 * pipeline: a map, two independent LLM calls (a parallel), then the final LLM call whose
 * tokens are streamed. The bound is the server's latency on the critical path: one round
 * for the parallel calls, one for the final call's first chunk.
 *
 * Run: npx tsx bench/streaming.bench.ts
 */
import { jit } from "../src/jit/jit.js";
import { LLMOperator } from "../src/models/llm.js";
import type { Operator } from "../src/operator/operator.js";
import { MapOperator } from "../src/operators/map.js";
import { ParallelOperator } from "../src/operators/parallel.js";
import { SequenceOperator } from "../src/operators/sequence.js";
import { registerOpenAI, startFakeOpenAI } from "../test/fake-servers.js";
import { assertSame, report, type Sample, writeResults } from "./harness.js";

const LATENCY_MS = 15;
const RUNS = 30;
const WARMUP = 5;
const FINAL_PATH = "sequence/operators[2]";

const server = await startFakeOpenAI(
  (request) => ({ chunks: ["The ", "answer ", `#${request.index}`] }),
  LATENCY_MS,
);
const model = `${registerOpenAI(server)}:bench`;

const pipeline = new SequenceOperator({
  operators: [
    new MapOperator({ fn: (i: { topic: string }) => ({ topic: i.topic.trim() }) }),
    new ParallelOperator({
      operators: [
        new LLMOperator({ model, prompt: "Pros of {topic}", outputKey: "pros" }),
        new LLMOperator({ model, prompt: "Cons of {topic}", outputKey: "cons" }),
      ],
    }),
    new LLMOperator({ model, prompt: "Weigh {pros} against {cons}", outputKey: "answer" }),
  ],
});
const fast = jit(pipeline);
const planned = jit(pipeline, { mode: "structural" });

let calls = 0;

/** Milliseconds from the call to the final step's first token, and the final answer. */
async function firstToken(
  op: Operator<{ topic: string }, { answer: string }>,
): Promise<{ ttft: number; answer: string }> {
  const start = performance.now();
  let ttft = Number.NaN;
  let answer = "";
  // A fresh topic per call: with preserveStochasticity false the JIT may memoize a repeated
  // call across runs, which would answer without a request (and without tokens).
  for await (const event of op.stream({ topic: ` streaming ${++calls} ` })) {
    if (event.type === "token" && event.path === FINAL_PATH && Number.isNaN(ttft)) {
      ttft = performance.now() - start;
    }
    if (event.type === "output") answer = event.value.answer;
  }
  if (Number.isNaN(ttft)) throw new Error("the final step streamed no token");
  return { ttft, answer };
}

async function sample(op: Operator<{ topic: string }, { answer: string }>): Promise<Sample> {
  for (let i = 0; i < WARMUP; i++) await firstToken(op);
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) times.push((await firstToken(op)).ttft);
  times.sort((a, b) => a - b);
  return {
    medianMs: times[Math.floor(times.length / 2)]!,
    p95Ms: times[Math.min(times.length - 1, Math.ceil(times.length * 0.95) - 1)]!,
    runs: RUNS,
  };
}

try {
  const shape = (a: string) => a.replace(/#\d+/, "#n");
  const eagerAnswer = shape((await firstToken(pipeline)).answer);
  assertSame(eagerAnswer, shape((await firstToken(fast)).answer), "eager vs jit");
  assertSame(eagerAnswer, shape((await firstToken(planned)).answer), "eager vs structural");
  // Interleaved halves so that drift on a shared machine hits all alike.
  const eagerA = await sample(pipeline);
  const jitA = await sample(fast);
  const planA = await sample(planned);
  const eagerB = await sample(pipeline);
  const jitB = await sample(fast);
  const planB = await sample(planned);
  const mean = (a: Sample, b: Sample): Sample => ({
    medianMs: (a.medianMs + b.medianMs) / 2,
    p95Ms: Math.max(a.p95Ms, b.p95Ms),
    runs: a.runs + b.runs,
  });
  const eager = mean(eagerA, eagerB);
  const jitted = mean(jitA, jitB);
  const structural = mean(planA, planB);
  const boundMs = 2 * LATENCY_MS;
  const boundLabel = `2 × ${LATENCY_MS} ms server latency`;
  const result = report(
    "streaming",
    "time to the final answer's first token (map → 2 parallel LLM calls → streamed LLM call)",
    [
      { label: "eager", sample: eager, boundMs, boundLabel },
      {
        label: "jit",
        sample: jitted,
        boundMs,
        boundLabel,
        extra: `${(jitted.medianMs / eager.medianMs).toFixed(3)}× eager, auto → ${fast.strategy}`,
      },
      {
        label: "jit structural",
        sample: structural,
        boundMs,
        boundLabel,
        extra: `${(structural.medianMs / eager.medianMs).toFixed(3)}× eager, a compiled plan`,
      },
    ],
    [
      {
        description: "jit (auto) TTFT − eager TTFT, ms (target: jit ≤ eager + 1 ms)",
        ratio: jitted.medianMs - eager.medianMs,
        limit: 1,
      },
      {
        description: "jit (structural) TTFT − eager TTFT, ms (target: ≤ eager + 1 ms)",
        ratio: structural.medianMs - eager.medianMs,
        limit: 1,
      },
    ],
  );
  writeResults("streaming.json", [result]);
} finally {
  await server.close();
}
