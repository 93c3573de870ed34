import { InlineOperator } from "../engine/inline.js";
import { Graph } from "../graph/graph.js";
import type { Effects } from "../operator/effects.js";
import type { AnyOperator } from "../operator/operator.js";
import type { CallSpec } from "./planned-call.js";

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
  /** How each call node calls its operator; nodes without one are called as they are. */
  readonly calls = new Map<string, CallSpec>();
  /**
   * Each node's place in eager order: `s3` is step 3 of a sequence, `p1` member 1 of
   * something run concurrently. Used to report the failure eager execution would report.
   */
  readonly order = new Map<string, readonly string[]>();
  private readonly position: string[] = [];
  private count = 0;

  /** Adds the nodes `emit` creates at `key` (`s2`, `p0`) below the current position. */
  within<T>(key: string, emit: () => T): T {
    this.position.push(key);
    try {
      return emit();
    } finally {
      this.position.pop();
    }
  }

  add(op: AnyOperator, meta: NodeMeta, sources: readonly Source[], call?: CallSpec): string {
    const id = `n${this.count++}`;
    this.graph.addNode(id, op);
    this.meta.set(id, meta);
    this.order.set(id, [...this.position]);
    if (call) this.calls.set(id, call);
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

/** Whether a node at `a` finishes before one at `b` starts when run as written. */
export function precedesInOrder(a: readonly string[], b: readonly string[]): boolean {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue;
    // Steps of one sequence run in order; members of a concurrent group race.
    return x[0] === "s" && y[0] === "s" && Number(x.slice(1)) < Number(y.slice(1));
  }
  return false;
}
