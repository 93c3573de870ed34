import { GraphError } from "../core/errors.js";
import type { AnyOperator } from "../operator/operator.js";
import { type CriticalPath, criticalPath, topologicalOrder, waves } from "./analysis.js";
import { graphToMermaid, graphToString } from "./render.js";
import type { NodeResult } from "./results.js";
import { graphRunner, type RunOptions } from "./run-options.js";
import { checkEdgeEnds, checkEdgeKeys, checkNewNode } from "./validate.js";

/** Which part of an output an edge carries, and where it lands in the next node's input. */
export interface EdgeKeys {
  /** Carry `output[fromKey]` instead of the whole output. */
  fromKey?: string;
  /** Put the carried value at `input[toKey]` instead of merging it into the input. */
  toKey?: string;
}

export interface GraphEdge extends EdgeKeys {
  readonly from: string;
  readonly to: string;
}

/**
 * A DAG of operators: the graph users build by hand and the plan the JIT compiles to.
 * A root node receives the graph input; any other node receives the shallow merge of its
 * predecessors' outputs in edge order (later keys win), where an edge with `toKey` places
 * its value under that key instead. A node with one plain in-edge gets that output as is.
 *
 * @example
 * const graph = new Graph()
 *   .addNode("draft", writer)
 *   .addNode("review", critic)
 *   .addEdge("draft", "review", { fromKey: "text", toKey: "essay" });
 * await graph.run({ topic: "tides" }); // { review: … }
 */
export class Graph {
  private readonly nodeMap = new Map<string, AnyOperator>();
  private readonly edgeList: GraphEdge[] = [];
  private readonly predecessorMap = new Map<string, string[]>();
  private readonly successorMap = new Map<string, string[]>();
  private changes = 0;
  private sorted: { revision: number; order: readonly string[] } | undefined;

  addNode(id: string, operator: AnyOperator): this {
    checkNewNode(this.nodeMap, id, operator);
    this.nodeMap.set(id, operator);
    this.predecessorMap.set(id, []);
    this.successorMap.set(id, []);
    this.changes++;
    return this;
  }

  addEdge(from: string, to: string, keys: EdgeKeys = {}): this {
    checkEdgeEnds(this.nodeMap, from, to);
    checkEdgeKeys(keys);
    const edge: EdgeKeys & { from: string; to: string } = { from, to };
    if (keys.fromKey !== undefined) edge.fromKey = keys.fromKey;
    if (keys.toKey !== undefined) edge.toKey = keys.toKey;
    this.edgeList.push(Object.freeze(edge));
    const preds = this.predecessorMap.get(to)!;
    if (!preds.includes(from)) preds.push(from);
    const succs = this.successorMap.get(from)!;
    if (!succs.includes(to)) succs.push(to);
    this.changes++;
    return this;
  }

  /** Node id → operator, in insertion order. */
  get nodes(): ReadonlyMap<string, AnyOperator> {
    return this.nodeMap;
  }

  /** Every edge, in insertion order. */
  get edges(): readonly GraphEdge[] {
    return this.edgeList;
  }

  /**
   * Counts changes to the graph; the engine caches its wiring per revision.
   * @internal
   */
  get revision(): number {
    return this.changes;
  }

  /** The distinct nodes with an edge into `id`, in edge order. */
  predecessors(id: string): readonly string[] {
    return this.adjacent(this.predecessorMap, id);
  }

  /** The distinct nodes `id` has an edge to, in edge order. */
  successors(id: string): readonly string[] {
    return this.adjacent(this.successorMap, id);
  }

  /** Nodes without predecessors (they receive the graph input), in insertion order. */
  roots(): string[] {
    return [...this.nodeMap.keys()].filter((id) => this.predecessors(id).length === 0);
  }

  /** Nodes without successors (their outputs are the run's result), in insertion order. */
  sinks(): string[] {
    return [...this.nodeMap.keys()].filter((id) => this.successors(id).length === 0);
  }

  /**
   * Every node after its predecessors; among nodes ready together, the earliest added
   * first. Throws GraphError("graph_cycle") naming the cycle.
   */
  topologicalOrder(): readonly string[] {
    if (this.sorted?.revision !== this.changes) {
      this.sorted = { revision: this.changes, order: Object.freeze(topologicalOrder(this)) };
    }
    return this.sorted.order;
  }

  /** Nodes grouped by depth: wave 0 holds the roots, wave k nodes whose latest input is in k-1. */
  waves(): string[][] {
    return waves(this);
  }

  /** The longest path by the given per-node durations (missing ids count 0 ms). */
  criticalPath(durations: Record<string, number>): CriticalPath {
    return criticalPath(this, durations);
  }

  /** A Mermaid `flowchart TD` of the graph. */
  toMermaid(): string {
    return graphToMermaid(this);
  }

  /** Stable text: one line per node with how its input is built. */
  toString(): string {
    return graphToString(this);
  }

  /**
   * Runs the graph on the dataflow ready-queue: each node starts as soon as all its
   * predecessors have finished. Resolves to the sinks' outputs (or those of
   * `options.outputs`) keyed by node id; with `continueOnError`, to per-node results.
   */
  run(
    input: unknown,
    options: RunOptions & { continueOnError: true },
  ): Promise<Record<string, NodeResult>>;
  run(input: unknown, options?: RunOptions): Promise<Record<string, unknown>>;
  run(input: unknown, options: RunOptions = {}): Promise<Record<string, unknown>> {
    return graphRunner()(this, input, options) as Promise<Record<string, unknown>>;
  }

  private adjacent(map: ReadonlyMap<string, string[]>, id: string): readonly string[] {
    const found = map.get(id);
    if (found === undefined) {
      throw new GraphError("missing_node", [id], `no node "${id}" in the graph`);
    }
    return found;
  }
}
