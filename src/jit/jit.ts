import { OptionError } from "../core/errors.js";
import { type AnyOperator, isOperator, type Operator } from "../operator/operator.js";
import { FunctionOperator } from "./function-operator.js";
import { JitOperator } from "./jit-operator.js";
import { type JitOptions, resolveOptions } from "./options.js";
import { getGlobalCache, resetGlobalCache } from "./plan-cache.js";
import { globalStats, peekStats, resetStats } from "./registry.js";
import { clearRegisteredStrategies, type Selection, selectStrategy } from "./select.js";
import { type JitStats, StatsRecorder } from "./stats.js";

/**
 * Returns an operator that behaves exactly like `target` but runs from a compiled plan:
 * independent calls concurrently, pure sync maps fused, duplicate pure calls made once.
 * A plain function is wrapped as an operator first. Jitting a jitted operator jits its
 * original again with the new options; nothing is wrapped twice.
 *
 * @example
 * const fast = jit(pipeline);                 // mode "auto"
 * await fast({ value: 5 });                   // same result as pipeline({ value: 5 })
 * jit(pipeline, { mode: "structural", maxConcurrency: 8 });
 */
export function jit<I, O>(target: Operator<I, O>, options?: JitOptions<I>): JitOperator<I, O>;
export function jit<I, O>(
  target: (input: I) => O | Promise<O>,
  options?: JitOptions<I>,
): JitOperator<I, Awaited<O>>;
export function jit<I, O>(
  target: Operator<I, O> | ((input: I) => O | Promise<O>),
  options?: JitOptions<I>,
): JitOperator<I, O> {
  const resolved = resolveOptions(options, getGlobalCache);
  let original: Operator<I, O>;
  if (target instanceof JitOperator) original = target.original as Operator<I, O>;
  else if (isOperator(target)) original = target as Operator<I, O>;
  else if (typeof target === "function") original = functionOperator(target as (input: I) => O);
  else {
    throw new OptionError("invalid_option", {
      where: "jit()",
      what: "target must be an operator or a function, got",
      got: target === null ? "null" : typeof target,
      valid: ["an Operator", "a function"],
    });
  }
  const nested = nestedJitter({
    ...options,
    sampleInput: undefined,
    mode: nestedMode(resolved.mode),
  });
  return new JitOperator(original, resolved, nested);
}

// The same function jitted twice is the same target, so it shares plans and stats.
const functionOperators = new WeakMap<Function, AnyOperator>();
function functionOperator<I, O>(fn: (input: I) => O): Operator<I, O> {
  let op = functionOperators.get(fn);
  if (!op) {
    op = new FunctionOperator(fn) as unknown as AnyOperator;
    functionOperators.set(fn, op);
  }
  return op as unknown as Operator<I, O>;
}

// Structural sees nothing inside a custom operator; the modes that can see inside it are
// trace (and auto, which may pick it), so nested custom operators use those.
function nestedMode(mode: JitOptions["mode"]): JitOptions["mode"] {
  return mode === "enhanced" ? "trace" : mode;
}

/** One jitted stand-in per nested custom operator and options, made on first use. */
function nestedJitter(options: JitOptions): (op: AnyOperator) => AnyOperator {
  const made = new WeakMap<AnyOperator, AnyOperator>();
  return (op) => {
    let jitted = made.get(op);
    if (!jitted) {
      jitted = jit(
        op as unknown as Operator<unknown, unknown>,
        options as JitOptions<unknown>,
      ) as unknown as AnyOperator;
      made.set(op, jitted);
    }
    return jitted;
  };
}

/**
 * Exact counters: global totals without an argument, or one target's (a jitted operator or
 * the operator it was made from).
 */
export function getJitStats(target?: object): JitStats {
  if (target === undefined) return globalStats().snapshot(getGlobalCache().size);
  if (target instanceof JitOperator) return target.stats();
  const original =
    typeof target === "function" && !isOperator(target) ? functionOperators.get(target) : target;
  const stats = original ? peekStats(original) : undefined;
  if (!stats || !original) return new StatsRecorder().snapshot(0);
  return stats.snapshot(getGlobalCache().entriesFor(original));
}

/** Which strategy `auto` would use for `target`, why, and every strategy's score. */
export function explainJitSelection(target: object, options?: JitOptions): Selection {
  const resolved = resolveOptions(options, getGlobalCache);
  const op = target instanceof JitOperator ? target.original : target;
  if (!isOperator(op)) {
    throw new OptionError("invalid_option", {
      where: "explainJitSelection()",
      what: "target must be an operator, got",
      got: typeof op,
      valid: ["an Operator"],
    });
  }
  return selectStrategy(op, resolved);
}

/** Forgets every plan, counter and registered strategy (for tests and long-lived tools). */
export function resetJit(): void {
  resetStats();
  resetGlobalCache();
  clearRegisteredStrategies();
}
