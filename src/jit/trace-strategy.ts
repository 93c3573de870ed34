import type { AnyOperator } from "../operator/operator.js";
import { FunctionOperator } from "./function-operator.js";
import { PassthroughPlan } from "./passthrough.js";
import type { CompileRequest, Strategy, StrategyScore } from "./strategy.js";
import { isKnownComposite } from "./structural.js";
import { TracePlan } from "./trace-plan.js";

/** A child worth its own jitted form: it makes calls of its own and is not jitted already. */
export function nestsCalls(op: AnyOperator): boolean {
  return !op.isLeaf() && !("original" in op);
}

/**
 * Scores what only a trace can see: the calls inside a custom operator's `forward` or a
 * plain function. Built-in composites are better served structurally; leaves make no calls.
 */
export const traceStrategy: Strategy & { readonly shapeSensitive: true } = {
  name: "trace",
  shapeSensitive: true,
  score(target: AnyOperator): StrategyScore {
    const children = target.children().length;
    if (target instanceof FunctionOperator) {
      return {
        score: 0.6,
        rationale: "a function: only a trace can see the operators it calls",
        features: { function: true },
      };
    }
    if (isKnownComposite(target)) {
      return {
        score: 0.2,
        rationale: "a built-in composite: its structure is known without running it",
        features: { knownComposite: true, children },
      };
    }
    if (children === 0) {
      return { score: 0, rationale: "a leaf makes no calls to overlap", features: { children } };
    }
    return {
      score: 0.7,
      rationale: `custom operator with ${children} child operators: a trace can start independent calls early`,
      features: { knownComposite: false, children },
    };
  },
  compile(request: CompileRequest) {
    const { target, options, nested } = request;
    // An operator that limits its own calls in flight (a MapReduce's or a pmap's
    // maxConcurrency): starting its calls early would run more at once than it allows.
    const limit = (target as { maxConcurrency?: unknown }).maxConcurrency;
    if (typeof limit === "number" && limit !== Number.POSITIVE_INFINITY) {
      return new PassthroughPlan(target, [
        `${target.name} limits its items to ${limit} at once: speculation would exceed that, so it runs as written`,
      ]);
    }
    // A recursive call of the target runs as written: its jitted form would be this plan.
    const route = (op: AnyOperator) =>
      op !== target && options.recursive && nestsCalls(op) ? nested(op) : op;
    return new TracePlan(target, route, options.mode === "auto");
  },
};
