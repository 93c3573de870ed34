/**
 * The DAGs of workloads 3–5 and their reference evaluation. A node is one model call whose
 * prompt names the node, the question and its parents' outputs in parent order, so a wrong
 * wiring shows up as a wrong result, not only as a wrong time.
 */
import { intBetween, rng } from "./random.js";
import { SimLLM, type SimMeter } from "./sim-llm.js";

export interface DagNode {
  readonly id: string;
  /** In a fixed order: the prompt lists their outputs in this order. */
  readonly parents: readonly string[];
  readonly model: SimLLM;
}

export interface Dag {
  /** Topological order: every node after its parents. */
  readonly nodes: readonly DagNode[];
  /** Nodes nobody reads; their outputs are the result. */
  readonly sinks: readonly string[];
  node(id: string): DagNode;
}

export type DagOutput = Record<string, string>;

export function nodePrompt(id: string, question: string, parentTexts: readonly string[]): string {
  return `${id}|${question}|${parentTexts.join("|")}`;
}

/** The one way every contender calls a node. */
export function callNode(
  node: DagNode,
  question: string,
  parentTexts: readonly string[],
): Promise<string> {
  return node.model.complete(nodePrompt(node.id, question, parentTexts));
}

export function makeDag(nodes: readonly DagNode[]): Dag {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const read = new Set(nodes.flatMap((n) => n.parents));
  for (const [i, n] of nodes.entries()) {
    for (const p of n.parents) {
      const at = nodes.findIndex((m) => m.id === p);
      if (at < 0 || at >= i) throw new Error(`dag: ${n.id} reads ${p}, which is not before it`);
    }
  }
  return {
    nodes,
    sinks: nodes.filter((n) => !read.has(n.id)).map((n) => n.id),
    node(id) {
      const found = byId.get(id);
      if (!found) throw new Error(`dag: no node ${id}`);
      return found;
    },
  };
}

/** Outputs of the sinks and the critical path, computed without a clock. */
export function evaluateDag(
  dag: Dag,
  question: string,
): { output: DagOutput; boundMs: number; calls: number } {
  const text = new Map<string, string>();
  const finish = new Map<string, number>();
  for (const n of dag.nodes) {
    const parentTexts = n.parents.map((p) => text.get(p)!);
    const prompt = nodePrompt(n.id, question, parentTexts);
    text.set(n.id, n.model.outputFor(prompt));
    const ready = Math.max(0, ...n.parents.map((p) => finish.get(p)!));
    finish.set(n.id, ready + n.model.latencyFor(prompt));
  }
  const output: DagOutput = {};
  for (const s of dag.sinks) output[s] = text.get(s)!;
  return { output, boundMs: Math.max(...finish.values()), calls: dag.nodes.length };
}

/** Nodes grouped by depth (longest path from a root): the waves a level-by-level runner uses. */
export function levels(dag: Dag): DagNode[][] {
  const depth = new Map<string, number>();
  const out: DagNode[][] = [];
  for (const n of dag.nodes) {
    const d = n.parents.length === 0 ? 0 : 1 + Math.max(...n.parents.map((p) => depth.get(p)!));
    depth.set(n.id, d);
    if (out[d] === undefined) out[d] = [];
    out[d].push(n);
  }
  return out;
}

const fixed = (meter: SimMeter, name: string, ms: number) =>
  new SimLLM({ name, latency: { fixedMs: ms } }, meter);

/** Workload 3: A → B(100) → E and A → C(40) → D(40) → E; A and E take 20 ms. */
export function diamondDag(meter: SimMeter): Dag {
  return makeDag([
    { id: "A", parents: [], model: fixed(meter, "A", 20) },
    { id: "B", parents: ["A"], model: fixed(meter, "B", 100) },
    { id: "C", parents: ["A"], model: fixed(meter, "C", 40) },
    { id: "D", parents: ["C"], model: fixed(meter, "D", 40) },
    { id: "E", parents: ["B", "D"], model: fixed(meter, "E", 20) },
  ]);
}

/**
 * Workload 4, the "N": A → C, A → D, B → D. With A 20, B 80, C 100, D 40 the critical path
 * is 120 ms (A→C and B→D), while the best series-parallel nesting, A → (C ∥ (B → D)),
 * takes 140 ms and level-by-level execution ((A ∥ B) → (C ∥ D)) 180 ms.
 */
export function nDag(meter: SimMeter): Dag {
  return makeDag([
    { id: "A", parents: [], model: fixed(meter, "A", 20) },
    { id: "B", parents: [], model: fixed(meter, "B", 80) },
    { id: "C", parents: ["A"], model: fixed(meter, "C", 100) },
    { id: "D", parents: ["A", "B"], model: fixed(meter, "D", 40) },
  ]);
}

/**
 * Workload 5: `size` nodes in 8–14 layers of random width. Each node past the first layer
 * reads one node of the layer before (so depth is the layer) and up to two of any earlier
 * layer. One log-normal model (median 10 ms, sigma 0.5) serves every node: the latency of a
 * node is seeded by its prompt, so it changes with every fresh question.
 */
export function randomDag(meter: SimMeter, seed: number, size = 200): Dag {
  const next = rng(seed);
  const layerCount = intBetween(next, 8, 14);
  const layerOf = Array.from({ length: size }, (_, i) =>
    i < layerCount ? i : intBetween(next, 0, layerCount - 1),
  ).sort((a, b) => a - b);
  const model = new SimLLM(
    { name: `dag${seed}`, latency: { medianMs: 10, sigma: 0.5 }, seed },
    meter,
  );
  const layers: string[][] = Array.from({ length: layerCount }, () => []);
  const nodes: DagNode[] = [];
  for (const [i, layer] of layerOf.entries()) {
    const id = `n${i}`;
    const parents = new Set<string>();
    if (layer > 0) {
      const prev = layers[layer - 1]!;
      parents.add(prev[intBetween(next, 0, prev.length - 1)]!);
      const extra = intBetween(next, 0, 2);
      for (let k = 0; k < extra; k++) {
        const earlier = layers[intBetween(next, 0, layer - 1)]!;
        parents.add(earlier[intBetween(next, 0, earlier.length - 1)]!);
      }
    }
    layers[layer]!.push(id);
    nodes.push({ id, parents: [...parents], model });
  }
  return makeDag(nodes);
}
