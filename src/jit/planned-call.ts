import type { Cancel } from "../core/cancel.js";
import { type CallContext, type ChildCallOptions, deriveContext } from "../operator/context.js";
import { isRecord } from "../operator/objects.js";
import { type AnyOperator, callOperatorFrom, Operator } from "../operator/operator.js";
import { stepOutputError } from "./glue.js";
import { currentRunEnv, type RunEnv } from "./run-env.js";

/** Where a call sits in the target: the operator that makes it eagerly and that one's path. */
export interface CallSite {
  /** The operator whose `forward` would make this call; undefined for the target itself. */
  readonly parent: AnyOperator | undefined;
  /** The parent's path relative to the target, e.g. `/operators[1]`; "" for the target. */
  readonly parentRel: string;
}

/** How a plan node calls its operator: what to call, from where, and what to check. */
export interface CallSpec {
  /** What actually runs: the operator, or its jitted stand-in for a nested custom one. */
  readonly target: AnyOperator;
  readonly site: CallSite;
  /** Relative path of the step, when the output must be an object (Sequence/Parallel). */
  readonly recordCheck: { rel: string; what: string; name: string } | undefined;
  readonly memoize: boolean;
  /** How often this node's memo lookups hit: a node whose inputs never repeat stops keying. */
  readonly memoUse?: { lookups: number; hits: number };
  /** Enhanced mode: watch this step's key reads and output keys through the run's probe. */
  readonly probe?: boolean;
}

/**
 * Calls `spec.target` from the context its eager parent would call it from, so the call gets
 * the same operator path, validation and budget slot it would get eagerly; checks a step's
 * output where eager execution does, and memoizes across calls where allowed.
 */
export async function callPlanned(
  spec: CallSpec,
  input: unknown,
  signal: Cancel,
  scope: CallContext,
): Promise<unknown> {
  const env = scope.plan as RunEnv;
  const use = spec.memoUse;
  const keyed = spec.memoize && (use === undefined || worthKeying(use));
  const key = keyed ? env.memo.keyOf(spec.target, input, env.occurrences) : undefined;
  const hit = key === undefined ? undefined : env.memo.get(key);
  if (use && key !== undefined) {
    use.lookups++;
    if (hit) use.hits++;
  }
  if (hit) return hit.value;
  const probe = spec.probe ? env.keyProbe : undefined;
  const { parent, parentRel } = spec.site;
  const from: CallContext = parent
    ? deriveContext(scope, { operator: parent, path: env.basePath + parentRel })
    : deriveContext(scope, { operator: env.callerOperator, path: env.callerPath });
  // No named closure here: under tsx (esbuild keepNames) each costs a defineProperty per call.
  const options: ChildCallOptions = { cancel: signal };
  let output: unknown;
  if (probe) {
    try {
      output = await callOperatorFrom(spec.target, from, probe.watch(spec.target, input), options);
    } catch (err) {
      if (signal.aborted) throw err;
      // Only pure steps are probed, so running one again on the real input is unobservable.
      probe.unwatchable(spec.target);
      output = await callOperatorFrom(spec.target, from, input, options);
    }
  } else {
    output = await callOperatorFrom(spec.target, from, input, options);
  }
  if (spec.recordCheck && !isRecord(output)) {
    const { rel, what, name } = spec.recordCheck;
    throw stepOutputError(env.basePath + rel, what, output, name);
  }
  if (key !== undefined) env.memo.set(key, output);
  probe?.wrote(spec.target, output);
  return output;
}

/**
 * A node whose work is a sub-plan or a control construct (Branch, Retry, MapReduce): it runs
 * `body` in the plan's environment. It holds the original operator as a field, so it is a
 * composite and never takes a budget slot while its children run.
 */
export class ControlNode extends Operator<unknown, unknown> {
  override effects;
  readonly original: AnyOperator;
  readonly kind: string;
  private readonly body: (input: unknown, signal: AbortSignal, env: RunEnv) => Promise<unknown>;

  constructor(
    kind: string,
    original: AnyOperator,
    body: (input: unknown, signal: AbortSignal, env: RunEnv) => Promise<unknown>,
  ) {
    super();
    this.name = `${kind}:${original.name}`;
    this.kind = kind;
    this.effects = original.effects;
    this.original = original;
    this.body = body;
  }

  forward(input: unknown, ctx: CallContext): Promise<unknown> {
    return this.body(input, ctx.signal, currentRunEnv());
  }
}

/** Lookups after which a node's memo must have paid: keying and copying cost every call. */
const MEMO_TRIAL = 256;

/**
 * Whether memo keying still pays at a node: always during a trial, then only while at least
 * one lookup in a hundred hits (a dataset of distinct items never repeats an input).
 */
function worthKeying(use: { lookups: number; hits: number }): boolean {
  return use.lookups < MEMO_TRIAL || use.hits * 100 >= use.lookups;
}
