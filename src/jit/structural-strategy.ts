import type { AnyOperator } from "../operator/operator.js";
import type { ResolvedOptions } from "./options.js";
import type { CompileRequest, Strategy, StrategyScore } from "./strategy.js";
import { isKnownComposite, StructuralCompiler } from "./structural.js";

const noNesting = (op: AnyOperator) => op;

/**
 * Scores by what a dry compile gains over eager execution: steps that no longer wait for
 * their predecessors, maps fused into one function, duplicate pure calls removed, and
 * composites flattened into one schedule. A composite with none of these gains nothing.
 */
export const structuralStrategy: Strategy = {
  name: "structural",
  score(target: AnyOperator, options: ResolvedOptions): StrategyScore {
    if (!isKnownComposite(target)) {
      return {
        score: 0,
        rationale: "not a built-in composite: nothing to see without running it",
        features: { knownComposite: false },
      };
    }
    const compiler = new StructuralCompiler({ options, nested: noNesting });
    const plan = compiler.compileTarget(target);
    const g = compiler.gains;
    const calls = [...plan.meta.values()].filter((m) => m.kind !== "glue").length;
    const features = { knownComposite: true, calls, ...g };
    const gains = g.independentSteps + (g.fusedMaps > 1 ? 1 : 0);
    if (gains === 0) {
      return {
        score: 0.1,
        rationale: "built-in composite, but no step, map or call to gain on",
        features,
      };
    }
    const parts = [
      g.independentSteps && `${g.independentSteps} independent steps`,
      g.fusedMaps && `${g.fusedMaps} maps fused`,
    ].filter(Boolean);
    return { score: Math.min(0.9, 0.5 + 0.1 * gains), rationale: parts.join(", "), features };
  },
  compile(request: CompileRequest) {
    return StructuralCompiler.compile(request.target, request);
  },
};
