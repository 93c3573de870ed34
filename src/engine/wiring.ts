import { ValidationError } from "../core/errors.js";
import type { Graph } from "../graph/graph.js";
import { isRecord, type PlainObject } from "../operator/objects.js";
import type { AnyOperator } from "../operator/operator.js";
import { InlineOperator } from "./inline.js";

/** Where a node's input comes from: the graph input, one output as is, or a merge. */
export type InputSource = "input" | "pass" | "merge";

export interface WiredEdge {
  readonly from: number;
  readonly fromKey: string | undefined;
  readonly toKey: string | undefined;
}

/** One node as the engine sees it: indices instead of ids, its input recipe precomputed. */
export interface WiredNode {
  readonly id: string;
  readonly operator: AnyOperator;
  /** Set for InlineOperator nodes, which the engine calls synchronously. */
  readonly inlineFn: ((input: unknown) => unknown) | undefined;
  readonly source: InputSource;
  /** In-edges in insertion order (for "pass", the single edge). */
  readonly inEdges: readonly WiredEdge[];
  /** Distinct successors, each to be told once when this node settles. */
  readonly successors: readonly number[];
}

/**
 * A graph compiled for running: built once per graph revision, so the JIT, which runs one
 * plan graph many times, pays for ids, maps and sorting once.
 */
export interface Wiring {
  readonly nodes: readonly WiredNode[];
  readonly indexOf: ReadonlyMap<string, number>;
  /** Distinct predecessors per node: how many nodes must settle before it may start. */
  readonly predecessorCounts: Int32Array;
  /** Topological order (the sequential scheduler's order). */
  readonly order: readonly number[];
  readonly sinks: readonly number[];
}

const wirings = new WeakMap<Graph, { revision: number; wiring: Wiring }>();

/** The wiring of `graph` at its current revision; throws GraphError on a cycle. */
export function wiringOf(graph: Graph): Wiring {
  const cached = wirings.get(graph);
  if (cached?.revision === graph.revision) return cached.wiring;
  const wiring = wire(graph);
  wirings.set(graph, { revision: graph.revision, wiring });
  return wiring;
}

function wire(graph: Graph): Wiring {
  const order = graph.topologicalOrder();
  const ids = [...graph.nodes.keys()];
  const indexOf = new Map(ids.map((id, i) => [id, i]));
  const inEdges: WiredEdge[][] = ids.map(() => []);
  for (const edge of graph.edges) {
    inEdges[indexOf.get(edge.to)!]!.push({
      from: indexOf.get(edge.from)!,
      fromKey: edge.fromKey,
      toKey: edge.toKey,
    });
  }
  const nodes = ids.map((id, i): WiredNode => {
    const operator = graph.nodes.get(id)!;
    const edges = inEdges[i]!;
    return {
      id,
      operator,
      inlineFn: operator instanceof InlineOperator ? operator.fn : undefined,
      source: sourceOf(edges),
      inEdges: edges,
      successors: graph.successors(id).map((s) => indexOf.get(s)!),
    };
  });
  return {
    nodes,
    indexOf,
    predecessorCounts: Int32Array.from(ids, (id) => graph.predecessors(id).length),
    order: order.map((id) => indexOf.get(id)!),
    sinks: graph.sinks().map((id) => indexOf.get(id)!),
  };
}

function sourceOf(edges: readonly WiredEdge[]): InputSource {
  if (edges.length === 0) return "input";
  const only = edges[0]!;
  const plain = only.fromKey === undefined && only.toKey === undefined;
  return edges.length === 1 && plain ? "pass" : "merge";
}

/** The input of `node`, built from the graph input or its predecessors' outputs. */
export function buildInput(
  node: WiredNode,
  graphInput: unknown,
  outputs: readonly unknown[],
  nodes: readonly WiredNode[],
): unknown {
  if (node.source === "input") return graphInput;
  if (node.source === "pass") return outputs[node.inEdges[0]!.from];
  // A "__proto__" key, whether merged or as `toKey`, becomes an own data property and never
  // reaches a prototype: records are spread, and a `toKey` is defined, not assigned, when it
  // is that key. Other keys are set on the one fresh object (a spread per edge made a merge
  // of n keyed edges cost n objects and n²/2 copies).
  let merged: PlainObject = {};
  for (const edge of node.inEdges) {
    const output = outputs[edge.from];
    const value = edge.fromKey === undefined ? output : readKey(output, edge, node, nodes);
    if (edge.toKey === "__proto__") {
      Object.defineProperty(merged, edge.toKey, {
        value,
        writable: true,
        enumerable: true,
        configurable: true,
      });
    } else if (edge.toKey !== undefined) {
      merged[edge.toKey] = value;
    } else if (isRecord(value)) {
      merged = { ...merged, ...value };
    } else {
      const what = edge.fromKey === undefined ? "output" : `output key "${edge.fromKey}"`;
      const from = nodes[edge.from]!.id;
      throw notAnObject(node, `${what} of "${from}" must be an object to merge`, value);
    }
  }
  return merged;
}

function readKey(
  output: unknown,
  edge: WiredEdge,
  node: WiredNode,
  nodes: readonly WiredNode[],
): unknown {
  if (isRecord(output)) return output[edge.fromKey!];
  const from = nodes[edge.from]!.id;
  throw notAnObject(
    node,
    `output of "${from}" must be an object to read "${edge.fromKey}"`,
    output,
  );
}

function notAnObject(node: WiredNode, what: string, value: unknown): ValidationError {
  const got = value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
  return new ValidationError("not_an_object", { path: node.id, detail: `${what}, got ${got}` });
}
