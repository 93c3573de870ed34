import { named } from "../core/paths.js";
import type { RetraceReason } from "./lifecycle.js";
/** Counters of one node of a plan, keyed in stats by the node's operator path. */
export interface NodeStats {
  calls: number;
  timeMs: number;
  /** Time leaf calls inside the node waited for a budget slot. */
  waitMs: number;
  /** Model usage of the calls inside the node (0 when it calls no model). */
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
}

/** Why a plan was compiled again. */
export interface Retrace {
  reason: RetraceReason;
  site?: string;
}

export interface JitStats {
  compilations: number;
  cacheHits: number;
  cacheMisses: number;
  executions: number;
  retraces: number;
  retraceReasons: Retrace[];
  fallbacks: number;
  fallbackReasons: string[];
  speculationHits: number;
  speculationMisses: number;
  /**
   * Calls started early that nobody claimed, and what they used: a miss can cost a request,
   * and it is counted here, never as a failure.
   */
  wasted: { calls: number; promptTokens: number; completionTokens: number; costUsd: number };
  compileTimeMs: number;
  executionTimeMs: number;
  avgExecutionTimeMs: number;
  cacheEntries: number;
  strategy: string;
  nodes: Record<string, NodeStats>;
}

const MAX_REASONS = 32;

/**
 * The counters of one target. Every counter changes in exactly one method here, and each
 * method also feeds the global totals, so no caller can count an event twice.
 */
export class StatsRecorder {
  compilations = 0;
  cacheHits = 0;
  cacheMisses = 0;
  executions = 0;
  retraces = 0;
  readonly retraceReasons: Retrace[] = [];
  fallbacks = 0;
  readonly fallbackReasons: string[] = [];
  speculationHits = 0;
  speculationMisses = 0;
  readonly wasted = { calls: 0, promptTokens: 0, completionTokens: 0, costUsd: 0 };
  compileTimeMs = 0;
  executionTimeMs = 0;
  strategy = "none";
  readonly nodes = new Map<string, NodeStats>();
  /** The operator name of each node path, for the keys `snapshot` shows. */
  private readonly names = new Map<string, string>();

  constructor(private readonly global?: StatsRecorder) {}

  compiled(ms: number, strategy: string): void {
    this.compilations++;
    this.compileTimeMs += ms;
    this.strategy = strategy;
    this.global?.compiled(ms, strategy);
  }

  cacheHit(): void {
    this.cacheHits++;
    this.global?.cacheHit();
  }

  cacheMiss(): void {
    this.cacheMisses++;
    this.global?.cacheMiss();
  }

  executed(ms: number): void {
    this.executions++;
    this.executionTimeMs += ms;
    this.global?.executed(ms);
  }

  retraced(retrace: Retrace): void {
    this.retraces++;
    if (this.retraceReasons.length < MAX_REASONS) this.retraceReasons.push(retrace);
    this.global?.retraced(retrace);
  }

  fellBack(reason: string): void {
    this.fallbacks++;
    if (this.fallbackReasons.length < MAX_REASONS) this.fallbackReasons.push(reason);
    this.global?.fellBack(reason);
  }

  speculated(hit: boolean, count = 1): void {
    if (hit) this.speculationHits += count;
    else this.speculationMisses += count;
    this.global?.speculated(hit, count);
  }

  wastedCall(usage: { promptTokens: number; completionTokens: number; costUsd: number }): void {
    this.wasted.calls++;
    this.wasted.promptTokens += usage.promptTokens;
    this.wasted.completionTokens += usage.completionTokens;
    this.wasted.costUsd += usage.costUsd;
    this.global?.wastedCall(usage);
  }

  nodeRan(path: string, ms: number, waitMs: number, name?: string): void {
    const node = this.node(path);
    if (name !== undefined) this.names.set(path, name);
    node.calls++;
    node.timeMs += ms;
    node.waitMs += waitMs;
    // Per-node counters stay with their target: global totals would grow with every path.
  }

  /** Model usage made under the node at `path`, or under the closest node above it. */
  usedModel(
    path: string,
    usage: { promptTokens: number; completionTokens: number; costUsd: number },
  ) {
    let at = path;
    while (!this.nodes.has(at) && at.includes("/")) at = at.slice(0, at.lastIndexOf("/"));
    const node = this.node(this.nodes.has(at) ? at : path);
    node.promptTokens += usage.promptTokens;
    node.completionTokens += usage.completionTokens;
    node.costUsd += usage.costUsd;
  }

  private node(path: string): NodeStats {
    let node = this.nodes.get(path);
    if (!node) {
      node = { calls: 0, timeMs: 0, waitMs: 0, promptTokens: 0, completionTokens: 0, costUsd: 0 };
      this.nodes.set(path, node);
    }
    return node;
  }

  snapshot(cacheEntries: number): JitStats {
    const nodes: Record<string, NodeStats> = {};
    // Keyed as every node is shown: `judge (qa/operators[1])`.
    for (const [path, n] of this.nodes) nodes[named(this.names.get(path), path)] = { ...n };
    return {
      compilations: this.compilations,
      cacheHits: this.cacheHits,
      cacheMisses: this.cacheMisses,
      executions: this.executions,
      retraces: this.retraces,
      retraceReasons: [...this.retraceReasons],
      fallbacks: this.fallbacks,
      fallbackReasons: [...this.fallbackReasons],
      speculationHits: this.speculationHits,
      speculationMisses: this.speculationMisses,
      wasted: { ...this.wasted },
      compileTimeMs: this.compileTimeMs,
      executionTimeMs: this.executionTimeMs,
      avgExecutionTimeMs: this.executions === 0 ? 0 : this.executionTimeMs / this.executions,
      cacheEntries,
      strategy: this.strategy,
      nodes,
    };
  }
}
