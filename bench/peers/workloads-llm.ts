/**
 * Workloads 1, 2, 6, 7 and 8: ensembles, a deep chain, a capped map, many questions under
 * one global cap, and one custom operator called many times. Prompts are built here, once,
 * so every contender sends the simulator exactly the same calls.
 */
import { SimLLM, type SimMeter } from "./sim-llm.js";
import type { WorkloadSpec } from "./workload.js";

const L = 20;

const answerPrompt = (question: string) => `Answer briefly: ${question}`;
const judgePrompt = (question: string, answers: readonly string[]) =>
  `Pick the best answer to "${question}":\n${answers.join("\n")}`;

/** Sampling and judging, shared by workloads 1 and 7. */
export interface EnsembleContext {
  /** Samples per question. */
  readonly samples: number;
  /** Sample `k` of the answer to `question` (the sample index seeds the output). */
  ask(question: string, k: number): Promise<string>;
  /** The judge's verdict on the answers, given in sample order. */
  judge(question: string, answers: readonly string[]): Promise<string>;
  /** The same two calls without a clock, for references. */
  expected(question: string): { answers: string[]; verdict: string };
}

function ensembleContext(meter: SimMeter, samples: number): EnsembleContext {
  const sampler = new SimLLM({ name: "sampler", latency: { fixedMs: L } }, meter);
  const judge = new SimLLM({ name: "judge", latency: { fixedMs: L } }, meter);
  return {
    samples,
    ask: (question, k) => sampler.complete(answerPrompt(question), k),
    judge: (question, answers) => judge.complete(judgePrompt(question, answers)),
    expected(question) {
      const answers = Array.from({ length: samples }, (_, k) =>
        sampler.outputFor(answerPrompt(question), k),
      );
      return { answers, verdict: judge.outputFor(judgePrompt(question, answers)) };
    },
  };
}

export const ensembleJudge: WorkloadSpec<EnsembleContext, { question: string }, string> = {
  id: "1-ensemble-judge",
  title: "Ensemble + judge",
  detail: `K = 16 samples of one prompt, then one judge over them; L = ${L} ms per call`,
  boundLabel: "2L",
  plan: { variants: 1, warmup: 3, runs: 21, callsPerRun: 1 },
  context: (meter) => ensembleContext(meter, 16),
  input: (_v, i) => ({ question: `w1 question ${i}` }),
  reference: (ctx, input) => ({
    output: ctx.expected(input.question).verdict,
    boundMs: 2 * L,
    calls: ctx.samples + 1,
  }),
};

export interface DeepSequenceContext {
  readonly steps: number;
  /** Step `k` of the chain: one zero-latency model call on the previous text. */
  step(k: number, text: string): Promise<string>;
  expected(text: string): string;
}

export const deepSequence: WorkloadSpec<DeepSequenceContext, { text: string }, string> = {
  id: "2-deep-sequence",
  title: "Deep sequence",
  detail: "1000 steps in a chain, each one model call with L = 0 ms: the cost of a step",
  boundLabel: "0 (L = 0)",
  plan: { variants: 1, warmup: 2, runs: 21, callsPerRun: 1 },
  context(meter) {
    const model = new SimLLM({ name: "step", latency: { fixedMs: 0 } }, meter);
    const steps = 1000;
    return {
      steps,
      step: (k, text) => model.complete(`step ${k}: ${text}`),
      expected(text) {
        for (let k = 0; k < steps; k++) text = model.outputFor(`step ${k}: ${text}`);
        return text;
      },
    };
  },
  input: (_v, i) => ({ text: `w2 seed ${i}` }),
  reference: (ctx, input) => ({ output: ctx.expected(input.text), boundMs: 0, calls: ctx.steps }),
};

export interface MapContext {
  readonly cap: number;
  /** One model call on one item; log-normal latency seeded by the item. */
  item(text: string): Promise<string>;
  latencyOf(text: string): number;
  outputOf(text: string): string;
}

const itemPrompt = (text: string) => `Summarize: ${text}`;

/** When an in-order pool of `cap` workers with zero overhead finishes these jobs. */
function inOrderPoolMs(latencies: readonly number[], cap: number): number {
  const free = new Array<number>(cap).fill(0);
  for (const ms of latencies) {
    let w = 0;
    for (let k = 1; k < cap; k++) if (free[k]! < free[w]!) w = k;
    free[w]! += ms;
  }
  return Math.max(...free);
}

export const cappedMap: WorkloadSpec<MapContext, { items: string[] }, string[]> = {
  id: "6-capped-map",
  title: "Map with a concurrency cap",
  detail:
    "200 items, one call each, log-normal latency (median 20 ms, sigma 0.5), at most 16 in flight",
  boundLabel: "max(longest item, total / 16)",
  cap: 16,
  plan: { variants: 1, warmup: 2, runs: 21, callsPerRun: 1 },
  context(meter) {
    const model = new SimLLM({ name: "mapper", latency: { medianMs: 20, sigma: 0.5 } }, meter);
    return {
      cap: 16,
      item: (text) => model.complete(itemPrompt(text)),
      latencyOf: (text) => model.latencyFor(itemPrompt(text)),
      outputOf: (text) => model.outputFor(itemPrompt(text)),
    };
  },
  input: (_v, i) => ({ items: Array.from({ length: 200 }, (_, k) => `w6 run ${i} item ${k}`) }),
  reference(ctx, input) {
    const latencies = input.items.map((t) => ctx.latencyOf(t));
    const total = latencies.reduce((a, b) => a + b, 0);
    return {
      output: input.items.map((t) => ctx.outputOf(t)),
      boundMs: Math.max(Math.max(...latencies), total / ctx.cap),
      calls: input.items.length,
      idealMs: inOrderPoolMs(latencies, ctx.cap),
    };
  },
};

export interface QuestionsContext extends EnsembleContext {
  readonly cap: number;
}

export const cappedQuestions: WorkloadSpec<QuestionsContext, { questions: string[] }, string[]> = {
  id: "7-global-cap",
  title: "Many questions under one global cap",
  detail: `50 questions × (5 samples + judge) = 300 calls of L = ${L} ms, at most 20 model calls in flight overall`,
  boundLabel: "max(2L, 300 L / 20)",
  cap: 20,
  plan: { variants: 1, warmup: 2, runs: 21, callsPerRun: 1 },
  context: (meter) => ({ ...ensembleContext(meter, 5), cap: 20 }),
  input: (_v, i) => ({ questions: Array.from({ length: 50 }, (_, k) => `w7 run ${i} q ${k}`) }),
  reference(ctx, input) {
    const calls = input.questions.length * (ctx.samples + 1);
    return {
      output: input.questions.map((q) => ctx.expected(q).verdict),
      boundMs: Math.max(2 * L, (calls * L) / ctx.cap),
      calls,
    };
  },
};

export interface CustomContext {
  draft(question: string): Promise<string>;
  critique(question: string): Promise<string>;
  revise(question: string, draft: string, critique: string): Promise<string>;
  expected(question: string): string;
}

export const customOperator: WorkloadSpec<CustomContext, { question: string }, string> = {
  id: "8-custom-operator",
  title: "One custom operator, many calls",
  detail:
    "draft and critique (independent), then revise; L = 0; 50 warm-up calls, then 20 runs × 50 calls, each on a new input",
  boundLabel: "0 (L = 0)",
  plan: { variants: 1, warmup: 1, runs: 20, callsPerRun: 50 },
  context(meter) {
    const m = (name: string) => new SimLLM({ name, latency: { fixedMs: 0 } }, meter);
    const [d, c, r] = [m("draft"), m("critique"), m("revise")];
    const revisePrompt = (q: string, a: string, b: string) => `Revise ${a} for ${q} given ${b}`;
    return {
      draft: (q) => d.complete(`Draft: ${q}`),
      critique: (q) => c.complete(`Critique: ${q}`),
      revise: (q, a, b) => r.complete(revisePrompt(q, a, b)),
      expected: (q) =>
        r.outputFor(revisePrompt(q, d.outputFor(`Draft: ${q}`), c.outputFor(`Critique: ${q}`))),
    };
  },
  input: (_v, i) => ({ question: `w8 question ${i}` }),
  reference: (ctx, input) => ({ output: ctx.expected(input.question), boundMs: 0, calls: 3 }),
};
