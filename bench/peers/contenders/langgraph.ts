/**
 * LangGraph.js StateGraph, written as a LangGraph user would: one node per model call,
 * parallel edges and `addEdge([...parents], node)` joins for DAGs, `Send` for map-reduce
 * fan-out, `maxConcurrency` in the invoke config for the capped map, and a model-level
 * AsyncCaller (LangChain's own limiter) for the global cap across subgraph runs.
 * No checkpointer: nothing is persisted, which is LangGraph's fastest configuration.
 */
import { AsyncCaller } from "@langchain/core/utils/async_caller";
import { Annotation, END, Send, START, StateGraph } from "@langchain/langgraph";
import { callNode, type Dag, type DagOutput } from "../dag.js";
import type { Contender } from "../workloads.js";
import type { EnsembleContext } from "../workloads-llm.js";

const range = (n: number) => Array.from({ length: n }, (_, k) => k);

/** Appends updates: what fan-out nodes write their (index, text) pairs through. */
const append = <T>() =>
  Annotation<T[]>({ reducer: (a: T[], b: T[]) => a.concat(b), default: () => [] });

/** Node outputs by node id, merged as nodes finish. */
const DagState = Annotation.Root({
  question: Annotation<string>,
  texts: Annotation<Record<string, string>>({
    reducer: (a: Record<string, string>, b: Record<string, string>) => ({ ...a, ...b }),
    default: () => ({}),
  }),
});

type DagValues = typeof DagState.State;

/** One node per DAG node; roots hang off START, joins wait for all parents, sinks go to END. */
function dagGraph(dag: Dag) {
  const nodes = Object.fromEntries(
    dag.nodes.map((node) => [
      node.id,
      async (s: DagValues) => ({
        texts: {
          [node.id]: await callNode(
            node,
            s.question,
            node.parents.map((p) => s.texts[p]!),
          ),
        },
      }),
    ]),
  );
  const graph = new StateGraph(DagState).addNode(nodes);
  for (const node of dag.nodes) {
    if (node.parents.length === 0) graph.addEdge(START, node.id);
    else if (node.parents.length === 1) graph.addEdge(node.parents[0]!, node.id);
    else graph.addEdge([...node.parents], node.id);
  }
  for (const sink of dag.sinks) graph.addEdge(sink, END);
  const compiled = graph.compile();
  return {
    async run(input: { question: string }): Promise<DagOutput> {
      const out = await compiled.invoke(input, { recursionLimit: dag.nodes.length + 10 });
      return Object.fromEntries(dag.sinks.map((id) => [id, out.texts[id]!]));
    },
  };
}

const SampleState = Annotation.Root({
  question: Annotation<string>,
  answers: append<{ k: number; text: string }>(),
  verdict: Annotation<string>,
});

/** Map-reduce: `Send` one "sample" task per k, then one "judge" over the answers in k order. */
function sampleAndJudge(ctx: EnsembleContext) {
  return new StateGraph(SampleState)
    .addNode("sample", async (s: { question: string; k: number }) => ({
      answers: [{ k: s.k, text: await ctx.ask(s.question, s.k) }],
    }))
    .addNode("judge", async (s: typeof SampleState.State) => ({
      verdict: await ctx.judge(
        s.question,
        [...s.answers].sort((a, b) => a.k - b.k).map((a) => a.text),
      ),
    }))
    .addConditionalEdges(START, (s: typeof SampleState.State) =>
      range(ctx.samples).map((k) => new Send("sample", { question: s.question, k })),
    )
    .addEdge("sample", "judge")
    .addEdge("judge", END)
    .compile();
}

const ChainState = Annotation.Root({ text: Annotation<string> });

const MapState = Annotation.Root({
  items: Annotation<string[]>,
  results: append<{ i: number; text: string }>(),
});

const QuestionsState = Annotation.Root({
  questions: Annotation<string[]>,
  verdicts: append<{ i: number; text: string }>(),
});

const inOrder = (xs: readonly { i: number; text: string }[]) =>
  [...xs].sort((a, b) => a.i - b.i).map((x) => x.text);

export const contender: Contender = {
  "ensemble-judge": (ctx) => {
    const graph = sampleAndJudge(ctx);
    return { run: async (input) => (await graph.invoke(input)).verdict };
  },

  "deep-sequence": (ctx) => {
    const ids = range(ctx.steps).map((k) => `s${k}`);
    const nodes = Object.fromEntries(
      ids.map((id, k) => [
        id,
        async (s: typeof ChainState.State) => ({ text: await ctx.step(k, s.text) }),
      ]),
    );
    const graph = new StateGraph(ChainState).addNode(nodes);
    graph.addEdge(START, ids[0]!);
    for (let k = 1; k < ids.length; k++) graph.addEdge(ids[k - 1]!, ids[k]!);
    graph.addEdge(ids.at(-1)!, END);
    const compiled = graph.compile();
    const config = { recursionLimit: ctx.steps + 10 };
    return { run: async (input) => (await compiled.invoke(input, config)).text };
  },

  diamond: ({ dag }) => dagGraph(dag),
  "n-dag": ({ dag }) => dagGraph(dag),
  "random-dags": ({ dag }) => dagGraph(dag),

  "capped-map": (ctx) => {
    const graph = new StateGraph(MapState)
      .addNode("item", async (s: { i: number; text: string }) => ({
        results: [{ i: s.i, text: await ctx.item(s.text) }],
      }))
      .addConditionalEdges(START, (s: typeof MapState.State) =>
        s.items.map((text, i) => new Send("item", { i, text })),
      )
      .addEdge("item", END)
      .compile();
    const config = { maxConcurrency: ctx.cap };
    return { run: async (input) => inOrder((await graph.invoke(input, config)).results) };
  },

  "global-cap": (ctx) => {
    const caller = new AsyncCaller({ maxConcurrency: ctx.cap, maxRetries: 0 });
    const perQuestion = sampleAndJudge({
      ...ctx,
      ask: (q, k) => caller.call(() => ctx.ask(q, k)),
      judge: (q, answers) => caller.call(() => ctx.judge(q, answers)),
    });
    // One subgraph run per question (Send fan-out), so each judge waits for its own samples only.
    const graph = new StateGraph(QuestionsState)
      .addNode("question", async (s: { i: number; question: string }) => ({
        verdicts: [{ i: s.i, text: (await perQuestion.invoke({ question: s.question })).verdict }],
      }))
      .addConditionalEdges(START, (s: typeof QuestionsState.State) =>
        s.questions.map((question, i) => new Send("question", { i, question })),
      )
      .addEdge("question", END)
      .compile();
    return { run: async (input) => inOrder((await graph.invoke(input)).verdicts) };
  },

  "custom-operator": (ctx) => {
    // Node names must differ from state keys in LangGraph.
    const State = Annotation.Root({
      question: Annotation<string>,
      draft: Annotation<string>,
      critique: Annotation<string>,
      text: Annotation<string>,
    });
    type S = typeof State.State;
    const graph = new StateGraph(State)
      .addNode("write_draft", async (s: S) => ({ draft: await ctx.draft(s.question) }))
      .addNode("write_critique", async (s: S) => ({ critique: await ctx.critique(s.question) }))
      .addNode("revise", async (s: S) => ({
        text: await ctx.revise(s.question, s.draft, s.critique),
      }))
      .addEdge(START, "write_draft")
      .addEdge(START, "write_critique")
      .addEdge(["write_draft", "write_critique"], "revise")
      .addEdge("revise", END)
      .compile();
    return { run: async (input) => (await graph.invoke(input)).text };
  },
};
