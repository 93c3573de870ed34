import type { Effects } from "../operator/effects.js";
import { may } from "../operator/effects.js";
import type { AnyOperator } from "../operator/operator.js";
import type { Derivation } from "./derive.js";

/** One child call seen while tracing: its site, how its input is derived, what it waits on. */
export interface TracedCall {
  readonly operator: AnyOperator;
  /** The n-th call of this operator within one call of the parent. */
  readonly occurrence: number;
  /** `path#occurrence`, e.g. `qa/left#0`. */
  readonly site: string;
  readonly path: string;
  readonly effects: Effects;
  /** Undefined when the input could not be derived: the call is never started early. */
  readonly derivation: Derivation | undefined;
  /** Traced calls whose outputs the derivation reads. */
  readonly deps: readonly number[];
  /** The derivation holds a constant: it must be confirmed by a run before it is trusted. */
  readonly constant: boolean;
}

/** Pure and stochastic calls with a derivable input may be started before `forward` asks. */
export function canStartEarly(call: TracedCall): boolean {
  return may(call.effects, "startEarly") && call.derivation !== undefined;
}

/**
 * Whether call k of a recording is started early by a plan for `target`: it may be
 * (canStartEarly), it is not the target itself (recursion runs as eager runs it), its site
 * is not disabled, and — when `confirmed` is given — any constant in its input was confirmed.
 */
export function startsEarly(
  call: TracedCall,
  k: number,
  target: AnyOperator,
  disabled: ReadonlySet<number>,
  confirmed?: ReadonlySet<number>,
): boolean {
  if (!canStartEarly(call) || call.operator === target || disabled.has(k)) return false;
  return confirmed === undefined || !call.constant || confirmed.has(k);
}

/** The site index of each (operator, occurrence). */
export function siteIndex(calls: readonly TracedCall[]): Map<AnyOperator, number[]> {
  const index = new Map<AnyOperator, number[]>();
  calls.forEach((call, k) => {
    let list = index.get(call.operator);
    if (!list) {
      list = [];
      index.set(call.operator, list);
    }
    list[call.occurrence] = k;
  });
  return index;
}

/**
 * Whether speculation can overlap anything: some call that may start early does not depend
 * (even indirectly) on a call `forward` makes before it.
 */
export function yieldsConcurrency(calls: readonly TracedCall[]): boolean {
  const reach: Set<number>[] = [];
  calls.forEach((call, k) => {
    const all = new Set<number>();
    for (const d of call.deps) {
      all.add(d);
      for (const r of reach[d] ?? []) all.add(r);
    }
    reach[k] = all;
  });
  return calls.some((call, k) => canStartEarly(call) && k > 0 && reach[k]!.size < k);
}
