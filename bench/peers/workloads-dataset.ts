/**
 * The dataset workload of issue 11, at two sizes: every item of a dataset through
 * (5 samples + judge), all model calls under one cap. What users run most: an evaluation.
 * Each contender runs one call over the whole dataset per measured run.
 */
import { SimLLM, type SimMeter } from "./sim-llm.js";
import type { WorkloadSpec } from "./workload.js";

const L = 50;
const SAMPLES = 5;

const answerPrompt = (question: string) => `Answer briefly: ${question}`;
const judgePrompt = (question: string, answers: readonly string[]) =>
  `Pick the best answer to "${question}":\n${answers.join("\n")}`;

export interface DatasetContext {
  /** Model calls in flight at most, across the whole dataset. */
  readonly cap: number;
  readonly samples: number;
  ask(question: string, k: number): Promise<string>;
  judge(question: string, answers: readonly string[]): Promise<string>;
  expected(question: string): string;
}

function datasetContext(meter: SimMeter, cap: number): DatasetContext {
  const sampler = new SimLLM({ name: "sampler", latency: { fixedMs: L } }, meter);
  const judge = new SimLLM({ name: "judge", latency: { fixedMs: L } }, meter);
  return {
    cap,
    samples: SAMPLES,
    ask: (question, k) => sampler.complete(answerPrompt(question), k),
    judge: (question, answers) => judge.complete(judgePrompt(question, answers)),
    expected(question) {
      const answers = Array.from({ length: SAMPLES }, (_, k) =>
        sampler.outputFor(answerPrompt(question), k),
      );
      return judge.outputFor(judgePrompt(question, answers));
    },
  };
}

export type DatasetSpec = WorkloadSpec<DatasetContext, { questions: string[] }, string[]>;

function datasetWorkload(id: string, items: number, cap: number): DatasetSpec {
  const calls = items * (SAMPLES + 1);
  return {
    id,
    title: `Dataset: ${items.toLocaleString("en")} items`,
    detail: `${items.toLocaleString("en")} items × (${SAMPLES} samples + judge) = ${calls.toLocaleString("en")} calls of L = ${L} ms, at most ${cap} model calls in flight`,
    boundLabel: `max(2L, ${calls.toLocaleString("en")} L / ${cap})`,
    cap,
    plan: { variants: 1, warmup: 1, runs: 5, callsPerRun: 1 },
    context: (meter) => datasetContext(meter, cap),
    input: (_v, i) => ({
      questions: Array.from({ length: items }, (_, k) => `${id} run ${i} item ${k}`),
    }),
    reference: (ctx, input) => ({
      output: input.questions.map((q) => ctx.expected(q)),
      boundMs: Math.max(2 * L, (calls * L) / cap),
      calls,
    }),
  };
}

export const dataset2k = datasetWorkload("9-dataset-2k", 2_000, 200);
export const dataset10k = datasetWorkload("10-dataset-10k", 10_000, 1_000);
