/**
 * LangChain.js LCEL (@langchain/core runnables), written as an LCEL user would: each model
 * call a RunnableLambda (the lightest runnable; a chat-model class would only add message
 * handling), fan-out through RunnablePassthrough.assign / RunnableMap (which run their
 * branches concurrently), `.batch` with `maxConcurrency` for the capped map, and a
 * model-level AsyncCaller for the global cap, which is how LangChain chat models implement
 * their own `maxConcurrency`.
 */
import {
  type Runnable,
  RunnableLambda,
  RunnableMap,
  RunnablePassthrough,
  RunnableSequence,
} from "@langchain/core/runnables";
import { AsyncCaller } from "@langchain/core/utils/async_caller";
import { callNode, type Dag, type DagOutput, levels } from "../dag.js";
import type { Contender } from "../workloads.js";
import type { DatasetContext } from "../workloads-dataset.js";
import type { EnsembleContext } from "../workloads-llm.js";

const range = (n: number) => Array.from({ length: n }, (_, k) => k);

/** What flows between LCEL steps: the input plus every output assigned so far. */
type State = Record<string, unknown>;

const text = (s: State, key: string) => s[key] as string;

/** One DAG node as a runnable over the state: reads the question and its parents' texts. */
function step(dag: Dag, id: string): RunnableLambda<State, string> {
  const node = dag.node(id);
  return RunnableLambda.from((s: State) =>
    callNode(
      node,
      text(s, "question"),
      node.parents.map((p) => text(s, p)),
    ),
  );
}

/** K samples in parallel (keyed s0…sK-1 on the state), then the judge over them in order. */
function sampleAndJudge(ctx: EnsembleContext): Runnable<{ question: string }, string> {
  const samples = Object.fromEntries(
    range(ctx.samples).map((k) => [
      `s${k}`,
      RunnableLambda.from((i: { question: string }) => ctx.ask(i.question, k)),
    ]),
  );
  const judge = RunnableLambda.from((s: State) =>
    ctx.judge(
      text(s, "question"),
      range(ctx.samples).map((k) => text(s, `s${k}`)),
    ),
  );
  return RunnablePassthrough.assign(samples).pipe(judge) as unknown as Runnable<
    { question: string },
    string
  >;
}

export const contender: Contender = {
  "ensemble-judge": (ctx) => {
    const chain = sampleAndJudge(ctx);
    return { run: (input) => chain.invoke(input) };
  },

  "deep-sequence": (ctx) => {
    const steps = range(ctx.steps).map((k) =>
      RunnableLambda.from((text: string) => ctx.step(k, text)),
    );
    const chain = RunnableSequence.from<string, string>([
      steps[0]!,
      ...steps.slice(1, -1),
      steps.at(-1)!,
    ]);
    return { run: (input) => chain.invoke(input.text) };
  },

  diamond: ({ dag }) => {
    // A, then B beside (C then D), then E: the diamond is series-parallel, so LCEL nests it exactly.
    const chain = RunnablePassthrough.assign({ A: step(dag, "A") })
      .pipe(
        RunnablePassthrough.assign({
          B: step(dag, "B"),
          D: RunnablePassthrough.assign({ C: step(dag, "C") }).pipe(step(dag, "D")),
        }),
      )
      .pipe(RunnableMap.from({ E: step(dag, "E") }));
    return { run: (input) => chain.invoke(input) as Promise<DagOutput> };
  },

  "n-dag": ({ dag }) => {
    // The "N" is not series-parallel. Of the nestings that call A once, A → (C ∥ (B → D)) is
    // the fastest here (140 ms: B waits for A); (A ∥ B) → (C ∥ D) takes 180 ms,
    // ((A → C) ∥ B) → D 160 ms.
    const chain = RunnablePassthrough.assign({ A: step(dag, "A") }).pipe(
      RunnableMap.from({
        C: step(dag, "C"),
        D: RunnablePassthrough.assign({ B: step(dag, "B") }).pipe(step(dag, "D")),
      }),
    );
    return { run: (input) => chain.invoke(input) as Promise<DagOutput> };
  },

  "random-dags": ({ dag }) => {
    // A general DAG in LCEL: one RunnablePassthrough.assign per depth level, whose nodes run
    // together; each level waits for the whole previous one.
    const waves = levels(dag).map((level) =>
      RunnablePassthrough.assign(Object.fromEntries(level.map((n) => [n.id, step(dag, n.id)]))),
    );
    const sinks = RunnableLambda.from((s: State) =>
      Object.fromEntries(dag.sinks.map((id) => [id, text(s, id)])),
    );
    const chain = RunnableSequence.from<State, DagOutput>([waves[0]!, ...waves.slice(1), sinks]);
    return { run: (input) => chain.invoke(input) };
  },

  "capped-map": (ctx) => {
    const item = RunnableLambda.from((text: string) => ctx.item(text));
    return { run: (input) => item.batch(input.items, { maxConcurrency: ctx.cap }) };
  },

  "global-cap": (ctx) => {
    const caller = new AsyncCaller({ maxConcurrency: ctx.cap, maxRetries: 0 });
    const capped: EnsembleContext = {
      ...ctx,
      ask: (q, k) => caller.call(() => ctx.ask(q, k)),
      judge: (q, answers) => caller.call(() => ctx.judge(q, answers)),
    };
    const chain = sampleAndJudge(capped);
    return { run: (input) => chain.batch(input.questions.map((question) => ({ question }))) };
  },

  "custom-operator": (ctx) => {
    const chain = RunnablePassthrough.assign({
      draft: RunnableLambda.from((i: { question: string }) => ctx.draft(i.question)),
      critique: RunnableLambda.from((i: { question: string }) => ctx.critique(i.question)),
    }).pipe(
      RunnableLambda.from((s: State) =>
        ctx.revise(text(s, "question"), text(s, "draft"), text(s, "critique")),
      ),
    );
    return { run: (input) => chain.invoke(input) as Promise<string> };
  },

  "dataset-2k": (ctx) => datasetBatch(ctx),
  "dataset-10k": (ctx) => datasetBatch(ctx),
};

/** `.batch` over the items with maxConcurrency, model calls through one AsyncCaller (the cap). */
function datasetBatch(ctx: DatasetContext) {
  const caller = new AsyncCaller({ maxConcurrency: ctx.cap, maxRetries: 0 });
  const capped: EnsembleContext = {
    samples: ctx.samples,
    ask: (q, k) => caller.call(() => ctx.ask(q, k)),
    judge: (q, answers) => caller.call(() => ctx.judge(q, answers)),
    expected: () => {
      throw new Error("not used");
    },
  };
  const chain = sampleAndJudge(capped);
  return {
    run: ({ questions }: { questions: string[] }) =>
      chain.batch(
        questions.map((question) => ({ question })),
        { maxConcurrency: ctx.cap },
      ),
  };
}
