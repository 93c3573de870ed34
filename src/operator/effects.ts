/**
 * What the JIT may do with a call. `pure` calls may be deduplicated, memoized and started
 * early; `stochastic` calls may start early but are never shared within a run; `effectful`
 * calls run exactly as eager execution runs them.
 */
export type Effects = "pure" | "stochastic" | "effectful";

export const EFFECTS: readonly Effects[] = ["pure", "stochastic", "effectful"];

const RANK: Record<Effects, number> = { pure: 0, stochastic: 1, effectful: 2 };

/** The strongest of several effects: a composite is as effectful as its most effectful child. */
export function combineEffects(effects: Iterable<Effects>): Effects {
  let strongest: Effects = "pure";
  for (const e of effects) if (RANK[e] > RANK[strongest]) strongest = e;
  return strongest;
}
