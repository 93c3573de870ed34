/**
 * ember-xcs jit with the timeline's recorder on: the jit contender's dataset run inside
 * `withObserver(new RunRecorder())`, the record finished at the end of each run (what
 * `ember-xcs run --timeline` does before it writes the file). Its row beside "ember-xcs jit"
 * is the cost of watching every call.
 */
import { configure, jit, pmap, RunRecorder, withObserver } from "../../../src/index.js";
import type { Contender } from "../workloads.js";
import type { DatasetContext } from "../workloads-dataset.js";
import { sampleAndJudge } from "./ember.js";

function datasetRecorded(ctx: DatasetContext) {
  configure({ maxConcurrency: ctx.cap });
  const all = pmap(jit(sampleAndJudge(ctx)), { maxConcurrency: ctx.cap });
  let recorded = 0;
  return {
    run: async ({ questions }: { questions: string[] }) => {
      const recorder = new RunRecorder();
      const out = await withObserver(recorder, () =>
        all(questions.map((question) => ({ question }))),
      );
      recorded = recorder.finish().calls.length;
      return out.map((o) => o.text);
    },
    facts: () => ({ recordedCalls: recorded }),
  };
}

export const contender: Contender = {
  "dataset-2k": (ctx) => datasetRecorded(ctx),
  "dataset-10k": (ctx) => datasetRecorded(ctx),
};
