/**
 * The operators the ember-xcs contender is written with: one model call as a leaf operator
 * (the counterpart of a RunnableLambda or a LangGraph task), and the custom operators a
 * user writes the obvious way: one `await` after another, leaving concurrency to the JIT.
 */
import { type Effects, Operator } from "../../../src/index.js";
import type { Dag, DagNode, DagOutput } from "../dag.js";
import { callNode } from "../dag.js";

/** One simulated model call. Stochastic, as an LLM call is: the JIT may start it early. */
export class SimCall<I> extends Operator<I, { text: string }> {
  override effects: Effects;
  private readonly send: (input: I) => Promise<string>;

  constructor(name: string, send: (input: I) => Promise<string>) {
    super();
    this.name = name;
    this.effects = "stochastic";
    this.send = send;
  }

  async forward(input: I): Promise<{ text: string }> {
    return { text: await this.send(input) };
  }
}

/** What a DAG node's operator takes: the question and its parents' texts, in parent order. */
export interface NodeInput {
  question: string;
  parents: string[];
}

export function nodeCall(node: DagNode): SimCall<NodeInput> {
  return new SimCall<NodeInput>(node.id, (i) => callNode(node, i.question, i.parents));
}

/** Workload 3 as a user writes it: each call awaited in turn. */
export class DiamondOperator extends Operator<{ question: string }, DagOutput> {
  private readonly a: SimCall<NodeInput>;
  private readonly b: SimCall<NodeInput>;
  private readonly c: SimCall<NodeInput>;
  private readonly d: SimCall<NodeInput>;
  private readonly e: SimCall<NodeInput>;

  constructor(dag: Dag) {
    super();
    this.name = "diamond";
    this.a = nodeCall(dag.node("A"));
    this.b = nodeCall(dag.node("B"));
    this.c = nodeCall(dag.node("C"));
    this.d = nodeCall(dag.node("D"));
    this.e = nodeCall(dag.node("E"));
  }

  async forward({ question }: { question: string }): Promise<DagOutput> {
    const a = await this.a({ question, parents: [] });
    const b = await this.b({ question, parents: [a.text] });
    const c = await this.c({ question, parents: [a.text] });
    const d = await this.d({ question, parents: [c.text] });
    const e = await this.e({ question, parents: [b.text, d.text] });
    return { E: e.text };
  }
}

/** Workload 4 as a user writes it. */
export class NOperator extends Operator<{ question: string }, DagOutput> {
  private readonly a: SimCall<NodeInput>;
  private readonly b: SimCall<NodeInput>;
  private readonly c: SimCall<NodeInput>;
  private readonly d: SimCall<NodeInput>;

  constructor(dag: Dag) {
    super();
    this.name = "n_dag";
    this.a = nodeCall(dag.node("A"));
    this.b = nodeCall(dag.node("B"));
    this.c = nodeCall(dag.node("C"));
    this.d = nodeCall(dag.node("D"));
  }

  async forward({ question }: { question: string }): Promise<DagOutput> {
    const a = await this.a({ question, parents: [] });
    const b = await this.b({ question, parents: [] });
    const c = await this.c({ question, parents: [a.text] });
    const d = await this.d({ question, parents: [a.text, b.text] });
    return { C: c.text, D: d.text };
  }
}

/** Workload 5 as a user writes it: visit the nodes in topological order, awaiting each. */
export class DagOperator extends Operator<{ question: string }, DagOutput> {
  private readonly calls: SimCall<NodeInput>[];
  private readonly dag: Dag;

  constructor(dag: Dag) {
    super();
    this.name = "dag";
    this.dag = dag;
    this.calls = dag.nodes.map(nodeCall);
  }

  async forward({ question }: { question: string }): Promise<DagOutput> {
    const texts = new Map<string, string>();
    for (const [i, node] of this.dag.nodes.entries()) {
      const parents = node.parents.map((p) => texts.get(p)!);
      const out = await this.calls[i]!({ question, parents });
      texts.set(node.id, out.text);
    }
    const result: DagOutput = {};
    for (const sink of this.dag.sinks) result[sink] = texts.get(sink)!;
    return result;
  }
}

/** Workload 8: draft and critique do not depend on each other, but are awaited in turn. */
export class ReviseOperator extends Operator<{ question: string }, { text: string }> {
  private readonly draft: SimCall<{ question: string }>;
  private readonly critique: SimCall<{ question: string }>;
  private readonly revise: SimCall<{ question: string; draft: string; critique: string }>;

  constructor(ctx: {
    draft(q: string): Promise<string>;
    critique(q: string): Promise<string>;
    revise(q: string, draft: string, critique: string): Promise<string>;
  }) {
    super();
    this.name = "revise_answer";
    this.draft = new SimCall("draft", (i) => ctx.draft(i.question));
    this.critique = new SimCall("critique", (i) => ctx.critique(i.question));
    this.revise = new SimCall("revise", (i) => ctx.revise(i.question, i.draft, i.critique));
  }

  async forward({ question }: { question: string }): Promise<{ text: string }> {
    const draft = await this.draft({ question });
    const critique = await this.critique({ question });
    return this.revise({ question, draft: draft.text, critique: critique.text });
  }
}
