import type { AnyOperator } from "../operator/operator.js";
import type { ResolvedOptions } from "./options.js";
import type { Plan } from "./plan.js";

/** How well a strategy fits a target, and why (shown by `explainJitSelection`). */
export interface StrategyScore {
  /** 0 (useless) to 1 (ideal). */
  score: number;
  rationale: string;
  features: Record<string, number | boolean | string>;
}

export interface CompileRequest {
  readonly target: AnyOperator;
  readonly options: ResolvedOptions;
  /** The jitted stand-in for a custom operator nested inside the target. */
  readonly nested: (op: AnyOperator) => AnyOperator;
}

/**
 * One way of building plans. Strategies share this interface only; `select.ts` is the one
 * place that compares them, and `registerStrategy` adds one for `auto` to consider.
 */
export interface Strategy {
  readonly name: string;
  score(target: AnyOperator, options: ResolvedOptions): StrategyScore;
  compile(request: CompileRequest): Plan;
}
