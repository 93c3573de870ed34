import { OptionError } from "../core/errors.js";
import type { AnyOperator } from "../operator/operator.js";
import { enhancedStrategy } from "./enhanced.js";
import type { ResolvedOptions } from "./options.js";
import type { Strategy, StrategyScore } from "./strategy.js";
import { structuralStrategy } from "./structural-strategy.js";
import { traceStrategy } from "./trace-strategy.js";

const BUILT_IN: readonly Strategy[] = [traceStrategy, structuralStrategy, enhancedStrategy];
const registered = new Map<string, Strategy>();

/** Below this, no strategy is worth its overhead and the target runs as written. */
export const PASSTHROUGH_BELOW = 0.25;

/** Adds a strategy that `auto` considers next to the built-in ones. */
export function registerStrategy(strategy: Strategy): void {
  const valid = ["an object with name, score() and compile()"];
  if (
    strategy === null ||
    typeof strategy !== "object" ||
    typeof strategy.name !== "string" ||
    typeof strategy.score !== "function" ||
    typeof strategy.compile !== "function"
  ) {
    throw new OptionError("invalid_option", {
      where: "registerStrategy()",
      what: "got",
      got: strategy,
      valid,
    });
  }
  if (BUILT_IN.some((s) => s.name === strategy.name) || strategy.name === "passthrough") {
    throw new OptionError("invalid_option", {
      where: "registerStrategy()",
      what: "a strategy name must not shadow a built-in one, got",
      got: strategy.name,
      valid: ["a new name"],
    });
  }
  registered.set(strategy.name, strategy);
}

export function clearRegisteredStrategies(): void {
  registered.clear();
}

export function strategyByName(name: string): Strategy | undefined {
  return BUILT_IN.find((s) => s.name === name) ?? registered.get(name);
}

export interface Selection {
  /** The strategy `auto` uses, or "passthrough". */
  selected: string;
  reason: string;
  scores: Record<string, StrategyScore>;
}

/**
 * The `auto` rule: score every strategy on the target's real features and take the
 * highest; when even that is below PASSTHROUGH_BELOW, run the target as written.
 */
export function selectStrategy(target: AnyOperator, options: ResolvedOptions): Selection {
  const scores: Record<string, StrategyScore> = {};
  let best: { name: string; score: number } | undefined;
  for (const strategy of [...BUILT_IN, ...registered.values()]) {
    const s = strategy.score(target, options);
    scores[strategy.name] = s;
    if (!best || s.score > best.score) best = { name: strategy.name, score: s.score };
  }
  if (!best || best.score < PASSTHROUGH_BELOW) {
    const why = best ? scores[best.name]!.rationale : "no strategy";
    return {
      selected: "passthrough",
      reason: `nothing worth optimizing (best: ${best?.name}: ${why})`,
      scores,
    };
  }
  return {
    selected: best.name,
    reason: `${best.name} scored highest: ${scores[best.name]!.rationale}`,
    scores,
  };
}
