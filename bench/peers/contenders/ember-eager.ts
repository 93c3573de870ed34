/**
 * ember-xcs without the JIT, for the dataset workload: the same per-item composition as the
 * jit contender, run as written, over the items with pmap. The jit row must never be slower.
 */
import { configure, pmap } from "../../../src/index.js";
import type { Contender } from "../workloads.js";
import type { DatasetContext } from "../workloads-dataset.js";
import { sampleAndJudge } from "./ember.js";

function datasetPmap(ctx: DatasetContext) {
  configure({ maxConcurrency: ctx.cap });
  const all = pmap(sampleAndJudge(ctx), { maxConcurrency: ctx.cap });
  return {
    run: async ({ questions }: { questions: string[] }) =>
      (await all(questions.map((question) => ({ question })))).map((o) => o.text),
  };
}

export const contender: Contender = {
  "dataset-2k": (ctx) => datasetPmap(ctx),
  "dataset-10k": (ctx) => datasetPmap(ctx),
};
