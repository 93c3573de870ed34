import { InlineOperator } from "../engine/inline.js";
import { Graph } from "../graph/graph.js";
import type { Effects } from "../operator/effects.js";
import type { AnyOperator } from "../operator/operator.js";

/** The plan input, as a source of node inputs. */
export const IN = "in";

export type NodeKind = "call" | "fused" | "glue" | "control" | "nested";

/** What the printed plan and the per-node stats say about a node. */
export interface NodeMeta {
  readonly kind: NodeKind;
  /** Operator path relative to the target ("" for the target itself). */
  readonly rel: string;
  readonly label: string;
  readonly effects: Effects;
}

export interface Source {
  readonly ref: string;
  /** Deliver the value under this key of the node's input instead of as the whole input. */
  readonly toKey?: string;
}

/** Builds a plan graph: numbered nodes, sources wired as edges, the input node on demand. */
export class PlanBuilder {
  readonly graph = new Graph();
  readonly meta = new Map<string, NodeMeta>();
  /** Nodes known to output a plain object (merges, fused maps, Sequence/Parallel results). */
  readonly recordRefs = new Set<string>();
  readonly notes: string[] = [];
  private count = 0;

  add(op: AnyOperator, meta: NodeMeta, sources: readonly Source[]): string {
    const id = `n${this.count++}`;
    this.graph.addNode(id, op);
    this.meta.set(id, meta);
    const only = sources.length === 1 ? sources[0]! : undefined;
    // A node fed the plan input alone is a root: the engine hands it the input directly.
    if (only?.ref === IN && only.toKey === undefined) return id;
    for (const source of sources) {
      const from = source.ref === IN ? this.inputNode() : source.ref;
      this.graph.addEdge(from, id, source.toKey === undefined ? {} : { toKey: source.toKey });
    }
    return id;
  }

  private inputNode(): string {
    if (!this.graph.nodes.has(IN)) {
      this.graph.addNode(IN, new InlineOperator("input", (value) => value));
      this.meta.set(IN, { kind: "glue", rel: "", label: "input", effects: "pure" });
    }
    return IN;
  }
}
