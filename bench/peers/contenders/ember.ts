/**
 * ember-xcs, written the natural way and run through `jit`: built-in compositions where the
 * workload is one (ensembles, a sequence, map-reduce), custom operators with one `await`
 * after another where it is custom code (the DAGs, workload 8). No hand-placed concurrency.
 *
 * EMBER_PEERS_MODE picks the jit mode (default "auto", what a user gets from `jit(op)`).
 */
import {
  type AnyOperator,
  configure,
  EnsembleOperator,
  getJitStats,
  type JitMode,
  type JitOperator,
  jit,
  MapReduceOperator,
  type Operator,
  pmap,
  SequenceOperator,
} from "../../../src/index.js";
import type { Contender } from "../workloads.js";
import type { DatasetContext } from "../workloads-dataset.js";
import { DagOperator, DiamondOperator, NOperator, ReviseOperator, SimCall } from "./ember-ops.js";

const MODES: readonly JitMode[] = ["auto", "trace", "structural", "enhanced"];
const mode = (process.env.EMBER_PEERS_MODE ?? "auto") as JitMode;
if (!MODES.includes(mode))
  throw new TypeError(`EMBER_PEERS_MODE must be one of ${MODES.join(", ")}`);

/** What the tables report for a jitted operator, read after the measured runs. */
function jitFacts<I, O>(fast: JitOperator<I, O>): Record<string, string | number> {
  const s = getJitStats(fast);
  return {
    mode,
    strategy: s.strategy,
    compilations: s.compilations,
    retraces: s.retraces,
    fallbacks: s.fallbacks,
    speculationHits: s.speculationHits,
    speculationMisses: s.speculationMisses,
    compileTimeMs: Number(s.compileTimeMs.toFixed(3)),
    executions: s.executions,
  };
}

const range = (n: number) => Array.from({ length: n }, (_, k) => k);

type Asked = { question: string; responses: { text: string }[] };

/** K samples of one question, then the judge over them, as one composition. */
export function sampleAndJudge(ctx: {
  samples: number;
  ask(q: string, k: number): Promise<string>;
  judge(q: string, answers: readonly string[]): Promise<string>;
}): Operator<{ question: string }, { text: string }> {
  const members = range(ctx.samples).map(
    (k) => new SimCall<{ question: string }>(`sample${k}`, (i) => ctx.ask(i.question, k)),
  );
  const judge = new SimCall<Asked>("judge", (i) =>
    ctx.judge(
      i.question,
      i.responses.map((r) => r.text),
    ),
  );
  return new SequenceOperator({
    operators: [new EnsembleOperator({ operators: members }), judge as unknown as AnyOperator],
  }) as unknown as Operator<{ question: string }, { text: string }>;
}

export const contender: Contender = {
  "ensemble-judge": (ctx) => {
    const fast = jit(sampleAndJudge(ctx), { mode });
    return { run: async (input) => (await fast(input)).text, facts: () => jitFacts(fast) };
  },

  "deep-sequence": (ctx) => {
    const steps = range(ctx.steps).map(
      (k) => new SimCall<{ text: string }>(`step${k}`, (i) => ctx.step(k, i.text)),
    );
    const chain = new SequenceOperator({
      operators: steps as unknown as AnyOperator[],
    }) as unknown as Operator<{ text: string }, { text: string }>;
    const fast = jit(chain, { mode });
    return { run: async (input) => (await fast(input)).text, facts: () => jitFacts(fast) };
  },

  diamond: ({ dag }) => {
    const fast = jit(new DiamondOperator(dag), { mode });
    return { run: (input) => fast(input), facts: () => jitFacts(fast) };
  },

  "n-dag": ({ dag }) => {
    const fast = jit(new NOperator(dag), { mode });
    return { run: (input) => fast(input), facts: () => jitFacts(fast) };
  },

  "random-dags": ({ dag }) => {
    const fast = jit(new DagOperator(dag), { mode });
    return { run: (input) => fast(input), facts: () => jitFacts(fast) };
  },

  "capped-map": (ctx) => {
    const summarize = new MapReduceOperator({
      map: (i: { items: string[] }) => i.items.map((text) => ({ text })),
      operator: new SimCall<{ text: string }>("item", (i) => ctx.item(i.text)),
      reduce: (outs: { text: string }[]) => outs.map((o) => o.text),
      maxConcurrency: ctx.cap,
    });
    const fast = jit(summarize, { mode });
    return { run: (input) => fast(input), facts: () => jitFacts(fast) };
  },

  "global-cap": (ctx) => {
    // The process-wide budget is ember-xcs's one global cap on leaf calls in flight.
    configure({ maxConcurrency: ctx.cap });
    const perQuestion = sampleAndJudge(ctx);
    const all = new MapReduceOperator({
      map: (i: { questions: string[] }) => i.questions.map((question) => ({ question })),
      operator: perQuestion,
      reduce: (outs: { text: string }[]) => outs.map((o) => o.text),
    });
    const fast = jit(all, { mode });
    return { run: (input) => fast(input), facts: () => jitFacts(fast) };
  },

  "custom-operator": (ctx) => {
    const op = new ReviseOperator(ctx);
    const fast = jit(op, { mode });
    return {
      run: async (input) => (await fast(input)).text,
      async facts() {
        // Eager calls of the same operator, after the jitted ones: the guard cost per call is
        // the difference (both sides on new inputs, in this one process).
        const questions = Array.from({ length: 1000 }, (_, i) => `w8 eager ${i}`);
        const outputs: string[] = [];
        const start = performance.now();
        for (const question of questions) outputs.push((await op({ question })).text);
        const eagerPerCallMs = (performance.now() - start) / questions.length;
        if (outputs.some((text, i) => text !== ctx.expected(questions[i]!))) {
          throw new Error("custom-operator: an eager result differs from the reference");
        }
        return { ...jitFacts(fast), eagerPerCallMs: Number(eagerPerCallMs.toFixed(5)) };
      },
    };
  },

  "dataset-2k": (ctx) => datasetPmap(ctx),
  "dataset-10k": (ctx) => datasetPmap(ctx),
};

/** pmap over the items of jit(per item); the process budget is the one cap on model calls. */
function datasetPmap(ctx: DatasetContext) {
  configure({ maxConcurrency: ctx.cap });
  const perItem = jit(sampleAndJudge(ctx), { mode });
  const all = pmap(perItem, { maxConcurrency: ctx.cap });
  return {
    run: async ({ questions }: { questions: string[] }) =>
      (await all(questions.map((question) => ({ question })))).map((o) => o.text),
    facts: () => jitFacts(perItem),
  };
}
