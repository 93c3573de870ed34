/**
 * A reference row, not a target: the DAG workloads on ember-xcs's own `Graph` and dataflow
 * ready queue, wired by hand, without `jit`. It shows what the engine does when the
 * dataflow is given, next to the jit row that has to discover it from sequential awaits.
 */
import { type AnyOperator, Graph, MapOperator } from "../../../src/index.js";
import { callNode, type Dag, type DagOutput } from "../dag.js";
import type { Contender } from "../workloads.js";
import { SimCall } from "./ember-ops.js";

const SOURCE = "input";

/**
 * A graph gives its input only to roots, so one pure source node hands the question to
 * every node; each parent edge carries that parent's text under the parent's id.
 */
function graphOf(dag: Dag): Graph {
  const graph = new Graph().addNode(
    SOURCE,
    new MapOperator({ name: SOURCE, fn: (i: { question: string }) => i }) as unknown as AnyOperator,
  );
  for (const node of dag.nodes) {
    const op = new SimCall<Record<string, string>>(node.id, (i) =>
      callNode(
        node,
        i.question!,
        node.parents.map((p) => i[p]!),
      ),
    );
    graph.addNode(node.id, op as unknown as AnyOperator);
    graph.addEdge(SOURCE, node.id, { fromKey: "question", toKey: "question" });
    for (const p of node.parents) graph.addEdge(p, node.id, { fromKey: "text", toKey: p });
  }
  return graph;
}

function build({ dag }: { dag: Dag }) {
  const graph = graphOf(dag);
  return {
    async run(input: { question: string }): Promise<DagOutput> {
      const sinks = (await graph.run(input)) as Record<string, { text: string }>;
      const out: DagOutput = {};
      for (const sink of dag.sinks) out[sink] = sinks[sink]!.text;
      return out;
    },
  };
}

export const contender: Contender = { diamond: build, "n-dag": build, "random-dags": build };
