import { currentContext, withScope } from "../operator/context.js";
import type { AnyOperator } from "../operator/operator.js";
import type { KeyProbe } from "./key-probe.js";
import type { Memo } from "./memo.js";
import type { ResolvedOptions } from "./options.js";
import type { StatsRecorder } from "./stats.js";

/**
 * What the nodes of a plan need to know about the call running them. Plans hold wiring
 * only; everything that belongs to one call lives here.
 */
export interface RunEnv {
  readonly signal: AbortSignal;
  /** The path the target has in this call, as eager execution would give it. */
  readonly basePath: string;
  /** The operator that called the target, if any, and its path. */
  readonly callerOperator: AnyOperator | undefined;
  readonly callerPath: string;
  readonly options: ResolvedOptions;
  readonly stats: StatsRecorder;
  readonly memo: Memo;
  /**
   * Occurrences of (operator, input) in this call, so repeated samples stay distinct. A
   * jitted operator called inside another's run shares the caller's: one run, one count.
   */
  readonly occurrences: Map<string, number>;
  /** Per-node timing lines, collected only when EMBER_DEBUG >= 2. */
  readonly debugNodes: string[] | undefined;
  /** Enhanced mode: the probe watching unkeyed steps' key reads in this run. */
  readonly keyProbe?: KeyProbe;
  /** Enhanced mode: a guarded step read or wrote outside its record (asks for a retrace). */
  readonly keyViolation?: (site: string) => void;
}

export function currentRunEnv(): RunEnv {
  const env = currentContext()?.plan as RunEnv | undefined;
  if (!env) throw new Error("ember-xcs internal: a plan node ran outside its plan");
  return env;
}

/** The environment of the plan running now, if any (a nested jitted call's caller's). */
export function peekRunEnv(): RunEnv | undefined {
  return currentContext()?.plan as RunEnv | undefined;
}

/** Runs `fn` with `env` as the plan state, opening a scope only if it is not already so. */
export function runWithEnv<T>(env: RunEnv, fn: () => T): T {
  return currentContext()?.plan === env ? fn() : withScope({ plan: env }, fn);
}
