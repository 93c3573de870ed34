import type { AnyOperator } from "ember-xcs";

/**
 * One paper workload as the anchors benchmark runs it: the operator as written (eager), its
 * i-th input, the critical-path bound of its calls, and what the paper reported.
 */

/** What the paper reported, against its own baseline. */
export interface PaperFigure {
  /** The speedup, or the range reported across variants. */
  low: number;
  high: number;
  /** As the paper states it: "1.80×", "1.89–2.33×", "up to 2.39×". */
  text: string;
  /** What the paper measured against. */
  baseline: string;
}

export interface Workload {
  /** The operator as written; the benchmark calls it and a jitted form of it. */
  readonly operator: AnyOperator;
  input(i: number): unknown;
  /** The longest chain of dependent calls, from their set latencies. */
  readonly boundMs: number;
  /** Every call's latency, added up: what running in order costs at least. */
  readonly sequentialMs: number;
  /** Model requests received so far, wasted early starts included. */
  requests(): number;
}

export interface Anchor {
  readonly id: string;
  readonly title: string;
  readonly citation: string;
  readonly paper: PaperFigure;
  /** The calls and their latencies in a line, with the scaling. */
  readonly detail: string;
  /** How the paper's seconds became ours. */
  readonly scaling: string;
  /** One sentence on what the workload shows. */
  readonly shows: string;
  create(): Workload;
}

/** Distinct inputs per run: round r uses indices from r * 100 on (the first traced call 1000+). */
export const inputIndex = (round: number, k: number) => round * 100 + k;
