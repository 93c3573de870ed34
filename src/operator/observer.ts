import type { Effects } from "./effects.js";
import type { AnyOperator } from "./operator.js";

/**
 * One operator call as observers see it. `id` is unique in the process; `parentId` is the
 * call whose `forward` made this one (undefined for a root call), so observers can rebuild
 * the call tree (OpenTelemetry spans, timelines) without reading paths.
 */
export interface CallInfo {
  readonly id: number;
  readonly parentId: number | undefined;
  /** Operator path from the root call: `pipeline/operators[1]/judge`. */
  readonly path: string;
  /** The operator's own `name` (a user-given name, or the class name). */
  readonly name: string;
  readonly operator: AnyOperator;
  readonly effects: Effects;
  /** Leaf calls hold a budget slot; composites only wait for their children. */
  readonly leaf: boolean;
  /**
   * Set on the call of a jitted operator: it stands in for its original, whose own call (or
   * plan) runs under it. Counting "calls as eager makes them" skips these.
   */
  readonly jitted?: true;
}

/** How a call ended. */
export type CallOutcome =
  | { readonly ok: true; readonly output: unknown }
  | { readonly ok: false; readonly error: unknown };

/** Tokens and cost of one model request, reported by the models layer to the call making it. */
export interface UsageReport {
  /** Model id: `openai:gpt-4o-mini`. */
  readonly model: string;
  /** Operator path of the call that made the request. */
  readonly path: string;
  readonly ok: boolean;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly costUsd: number;
  readonly simulated: boolean;
  /** Started early by the JIT and never claimed (the JIT's gate drops these events). */
  readonly wasted?: boolean;
  /** Answered by the response cache: nothing was sent (tokens and cost are 0). */
  readonly cached?: boolean;
}

/** A call the JIT started before `forward` asked for it, and what became of it. */
export interface SpeculationInfo {
  /** The plan node (or traced site) the call belongs to: `qa/llm#0`. */
  readonly site: string;
  readonly path: string;
  readonly name: string;
  /** With `wasted`: the tokens and cost the unclaimed call used before it was dropped. */
  readonly usage?: {
    readonly promptTokens: number;
    readonly completionTokens: number;
    readonly costUsd: number;
  };
}

/**
 * Receives the events of every call made while it is installed (see `withObserver`). All
 * methods are optional; a throwing observer is the observer's bug and is not caught here,
 * so observers must not throw. Times are `performance.now()` milliseconds.
 */
export interface CallObserver {
  /**
   * False when the observer needs no per-call events (it only wants usage, tokens or
   * speculation): calls under it then skip building a `CallInfo`, the hot path stays free.
   */
  readonly callEvents?: false;
  callStarted?(call: CallInfo, at: number): void;
  callFinished?(call: CallInfo, at: number, outcome: CallOutcome): void;
  /** A leaf call waited `ms` for a slot of the concurrency budget before it started. */
  waited?(call: CallInfo, ms: number): void;
  /** A model request inside `call` finished (successfully or not). */
  usage?(call: CallInfo | undefined, usage: UsageReport): void;
  /** Streamed text from a model request inside `call`, as it arrives. */
  token?(call: CallInfo | undefined, text: string): void;
  /** The JIT started a call early; `claimed` or `wasted` follows for the same site. */
  speculated?(spec: SpeculationInfo, at: number): void;
  claimed?(spec: SpeculationInfo, at: number): void;
  /** An early call nobody claimed: its work (and cost) was wasted, not failed. */
  wasted?(spec: SpeculationInfo, at: number): void;
}

/** Every event an observer may listen to. */
export const EVENTS = [
  "callStarted",
  "callFinished",
  "waited",
  "usage",
  "token",
  "speculated",
  "claimed",
  "wasted",
] as const;

/**
 * Several observers as one; each receives every event in order. Only the events one of them
 * listens to are defined, so a caller can still ask "does anyone want tokens?" (an LLM call
 * streams only then).
 */
export function combineObservers(
  outer: CallObserver | undefined,
  inner: CallObserver,
): CallObserver {
  if (!outer) return inner;
  const both = [outer, inner];
  const combined: Record<string, unknown> = {};
  if (outer.callEvents === false && inner.callEvents === false) combined.callEvents = false;
  for (const key of EVENTS) {
    if (!outer[key] && !inner[key]) continue;
    combined[key] = (...args: unknown[]) => {
      for (const o of both) (o[key] as ((...a: unknown[]) => void) | undefined)?.(...args);
    };
  }
  return combined as CallObserver;
}

let nextCallId = 1;

/** A fresh process-unique call id. */
export function newCallId(): number {
  return nextCallId++;
}
