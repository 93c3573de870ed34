/**
 * Hand-written async code: Promise.all for fan-out, promise chaining for DAGs, a small
 * worker pool and semaphore for caps. The floor every framework is measured against.
 */
import { callNode, type Dag, type DagOutput } from "../dag.js";
import { mapLimit, Semaphore } from "../limit.js";
import type { Contender } from "../workloads.js";
import type { DatasetContext } from "../workloads-dataset.js";

const range = (n: number) => Array.from({ length: n }, (_, k) => k);

/** Every node starts the moment its parents' outputs exist. */
async function runDag(dag: Dag, question: string): Promise<DagOutput> {
  const texts = new Map<string, Promise<string>>();
  for (const node of dag.nodes) {
    const parents = Promise.all(node.parents.map((p) => texts.get(p)!));
    texts.set(
      node.id,
      parents.then((ts) => callNode(node, question, ts)),
    );
  }
  const out: DagOutput = {};
  for (const sink of dag.sinks) out[sink] = await texts.get(sink)!;
  return out;
}

export const contender: Contender = {
  "ensemble-judge": (ctx) => ({
    async run({ question }) {
      const answers = await Promise.all(range(ctx.samples).map((k) => ctx.ask(question, k)));
      return ctx.judge(question, answers);
    },
  }),

  "deep-sequence": (ctx) => ({
    async run({ text }) {
      for (let k = 0; k < ctx.steps; k++) text = await ctx.step(k, text);
      return text;
    },
  }),

  diamond: ({ dag }) => {
    const [A, B, C, D, E] = ["A", "B", "C", "D", "E"].map((id) => dag.node(id));
    return {
      async run({ question: q }) {
        const a = await callNode(A!, q, []);
        const [b, d] = await Promise.all([
          callNode(B!, q, [a]),
          callNode(C!, q, [a]).then((c) => callNode(D!, q, [c])),
        ]);
        return { E: await callNode(E!, q, [b, d]) };
      },
    };
  },

  "n-dag": ({ dag }) => ({
    async run({ question: q }) {
      const a = callNode(dag.node("A"), q, []);
      const b = callNode(dag.node("B"), q, []);
      const c = a.then((x) => callNode(dag.node("C"), q, [x]));
      const d = Promise.all([a, b]).then((xy) => callNode(dag.node("D"), q, xy));
      return { C: await c, D: await d };
    },
  }),

  "random-dags": ({ dag }) => ({ run: ({ question }) => runDag(dag, question) }),

  "capped-map": (ctx) => ({
    run: ({ items }) => mapLimit(items, ctx.cap, (item) => ctx.item(item)),
  }),

  "global-cap": (ctx) => {
    // One semaphore for the whole process stands in for a per-provider rate limit.
    const limit = new Semaphore(ctx.cap);
    const one = async (q: string) => {
      const answers = await Promise.all(
        range(ctx.samples).map((k) => limit.run(() => ctx.ask(q, k))),
      );
      return limit.run(() => ctx.judge(q, answers));
    };
    return { run: ({ questions }) => Promise.all(questions.map(one)) };
  },

  "custom-operator": (ctx) => ({
    async run({ question: q }) {
      const [draft, critique] = await Promise.all([ctx.draft(q), ctx.critique(q)]);
      return ctx.revise(q, draft, critique);
    },
  }),

  "dataset-2k": (ctx) => datasetByHand(ctx),
  "dataset-10k": (ctx) => datasetByHand(ctx),
};

/** Every item at once, every model call through one semaphore: what a team writes by hand. */
function datasetByHand(ctx: DatasetContext) {
  const limit = new Semaphore(ctx.cap);
  const one = async (q: string) => {
    const answers = await Promise.all(
      range(ctx.samples).map((k) => limit.run(() => ctx.ask(q, k))),
    );
    return limit.run(() => ctx.judge(q, answers));
  };
  return { run: ({ questions }: { questions: string[] }) => Promise.all(questions.map(one)) };
}
