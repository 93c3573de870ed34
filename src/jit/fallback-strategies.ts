import { PassthroughPlan } from "./passthrough.js";
import type { CompileRequest, Strategy } from "./strategy.js";
import { isKnownComposite, StructuralCompiler } from "./structural.js";

/**
 * Trace and enhanced modes until their own compilers exist: the structural plan (or a
 * pass-through for a custom operator), with a note saying so in every explanation.
 */
function fallback(name: "trace" | "enhanced"): Strategy {
  return {
    name,
    score() {
      return {
        score: 0,
        rationale: `${name} compilation is not built yet`,
        features: { available: false },
      };
    },
    compile(request: CompileRequest) {
      const note = `${name} mode is not built yet; fell back to ${isKnownComposite(request.target) ? "structural" : "passthrough"}`;
      if (!isKnownComposite(request.target)) return new PassthroughPlan(request.target, [note]);
      const plan = StructuralCompiler.compile(request.target, request);
      (plan.notes as string[]).push(note);
      return plan;
    },
  };
}

export const enhancedStrategy = fallback("enhanced");
