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

/** What the JIT may do with a call instead of making it exactly as written. */
export type JitAction =
  /** Share one call's result between two consumers in one run. */
  | "dedupe"
  /** Reuse a result across calls. */
  | "memoize"
  /** Start the call before `forward` asks for it (speculation). */
  | "startEarly"
  /** Run the call in another order relative to its siblings. */
  | "reorder"
  /** Run the call without a call of its own (fused) or run it again (a guarded re-run). */
  | "rerun";

/**
 * The effects table of DESIGN §2 in code, and the one place that decides by effects:
 * pure calls allow everything, stochastic calls may start early and be reordered (and be
 * memoized unless `preserveStochasticity`), effectful calls run exactly as written.
 */
export function may(
  effects: Effects,
  action: JitAction,
  options: { readonly preserveStochasticity?: boolean } = {},
): boolean {
  if (effects === "pure") return true;
  if (effects === "effectful") return false;
  switch (action) {
    case "startEarly":
    case "reorder":
      return true;
    case "memoize":
      return options.preserveStochasticity !== true;
    case "dedupe":
    case "rerun":
      return false;
  }
}
