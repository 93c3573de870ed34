/**
 * LangGraph.js Functional API, written as its docs show: `task`s return promises, so an
 * `entrypoint` starts independent tasks together (Promise.all) and chains dependent ones on
 * their promises. Tasks ignore the invoke `maxConcurrency` (they bypass the superstep
 * runner), so caps use LangChain's AsyncCaller, as a chat model's own `maxConcurrency` does.
 * (`await workflow.invoke(…)` flattens the promise-of-a-promise that the task typings give.)
 */
import { AsyncCaller } from "@langchain/core/utils/async_caller";
import { entrypoint, task } from "@langchain/langgraph";
import { callNode, type Dag, type DagOutput } from "../dag.js";
import type { Contender } from "../workloads.js";
import type { EnsembleContext } from "../workloads-llm.js";

const range = (n: number) => Array.from({ length: n }, (_, k) => k);

let workflows = 0;
/** Entrypoint names must be unique per process; a counter keeps each build distinct. */
const uniqueName = (base: string) => `${base}_${workflows++}`;

/** One task per node; each starts as soon as its parents' promises resolve. */
function dagWorkflow(dag: Dag) {
  const tasks = new Map(
    dag.nodes.map((node) => [
      node.id,
      task(`node_${node.id}`, (question: string, parents: string[]) =>
        callNode(node, question, parents),
      ),
    ]),
  );
  const workflow = entrypoint(uniqueName("dag"), async (input: { question: string }) => {
    const texts = new Map<string, Promise<string>>();
    for (const node of dag.nodes) {
      const run = tasks.get(node.id)!;
      const parents = Promise.all(node.parents.map((p) => texts.get(p)!));
      texts.set(
        node.id,
        parents.then(async (ts) => await run(input.question, ts)),
      );
    }
    const out: DagOutput = {};
    for (const sink of dag.sinks) out[sink] = await texts.get(sink)!;
    return out;
  });
  // Tasks are typed as returning a promise of their function's result; `await` flattens it.
  return { run: async (input: { question: string }) => await workflow.invoke(input) };
}

/** Sample and judge tasks for one question. */
function sampleAndJudge(ctx: EnsembleContext) {
  const sample = task("sample", (question: string, k: number) => ctx.ask(question, k));
  const judge = task("judge", (question: string, answers: string[]) =>
    ctx.judge(question, answers),
  );
  return async (question: string) => {
    const answers = await Promise.all(range(ctx.samples).map((k) => sample(question, k)));
    return judge(question, answers);
  };
}

export const contender: Contender = {
  "ensemble-judge": (ctx) => {
    const one = sampleAndJudge(ctx);
    const workflow = entrypoint(uniqueName("ensemble"), (input: { question: string }) =>
      one(input.question),
    );
    return { run: async (input) => await workflow.invoke(input) };
  },

  "deep-sequence": (ctx) => {
    const step = task("step", (k: number, text: string) => ctx.step(k, text));
    const workflow = entrypoint(uniqueName("chain"), async (input: { text: string }) => {
      let text = input.text;
      for (let k = 0; k < ctx.steps; k++) text = await step(k, text);
      return text;
    });
    return { run: async (input) => await workflow.invoke(input) };
  },

  diamond: ({ dag }) => dagWorkflow(dag),
  "n-dag": ({ dag }) => dagWorkflow(dag),
  "random-dags": ({ dag }) => dagWorkflow(dag),

  "capped-map": (ctx) => {
    const item = task("item", (text: string) => ctx.item(text));
    const caller = new AsyncCaller({ maxConcurrency: ctx.cap, maxRetries: 0 });
    const workflow = entrypoint(uniqueName("map"), (input: { items: string[] }) =>
      Promise.all(input.items.map((text) => caller.call(() => item(text)))),
    );
    return { run: async (input) => await workflow.invoke(input) };
  },

  "global-cap": (ctx) => {
    const caller = new AsyncCaller({ maxConcurrency: ctx.cap, maxRetries: 0 });
    const one = sampleAndJudge({
      ...ctx,
      ask: (q, k) => caller.call(() => ctx.ask(q, k)),
      judge: (q, answers) => caller.call(() => ctx.judge(q, answers)),
    });
    const workflow = entrypoint(uniqueName("questions"), (input: { questions: string[] }) =>
      Promise.all(input.questions.map(one)),
    );
    return { run: async (input) => await workflow.invoke(input) };
  },

  "custom-operator": (ctx) => {
    const draft = task("draft", (q: string) => ctx.draft(q));
    const critique = task("critique", (q: string) => ctx.critique(q));
    const revise = task("revise", (q: string, d: string, c: string) => ctx.revise(q, d, c));
    const workflow = entrypoint(uniqueName("revise"), async (input: { question: string }) => {
      const [d, c] = await Promise.all([draft(input.question), critique(input.question)]);
      return revise(input.question, d, c);
    });
    return { run: async (input) => await workflow.invoke(input) };
  },
};
