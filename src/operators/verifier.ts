import { OptionError } from "../core/errors.js";
import { indexed } from "../core/paths.js";
import type { CallContext } from "../operator/context.js";
import type { Effects } from "../operator/effects.js";
import { requireRecord } from "../operator/objects.js";
import { Operator } from "../operator/operator.js";
import { optionalKey } from "./validate.js";

/** A check on a value; may be async. */
export type Predicate = (value: unknown) => boolean | PromiseLike<boolean>;

/** A check with the message reported when it fails. */
export interface Condition {
  readonly check: Predicate;
  readonly message: string;
  /** Optional verdict whose message depends on the value; used instead of check + message. */
  readonly explain?: (value: unknown) => Promise<CheckResult>;
}

/** What `conditions` accepts: a bare predicate or a Condition from the helpers below. */
export type ConditionLike = Predicate | Condition;

/** One condition's verdict. `message` is set when it failed. */
export interface CheckResult {
  passed: boolean;
  message?: string;
}

export interface Verdict {
  passed: boolean;
  results: CheckResult[];
}

export interface VerifierOptions<IK extends string | undefined, OK extends string | undefined> {
  conditions: readonly ConditionLike[];
  /** Check `input[inputKey]` instead of the whole input. */
  inputKey?: IK;
  /** Return `{ [outputKey]: { passed, results } }` instead of the verdict itself. */
  outputKey?: OK;
  /** @default "verifier" */
  name?: string;
}

export type VerifierOutput<OK extends string | undefined> = OK extends string
  ? { [K in OK]: Verdict }
  : Verdict;

/**
 * Checks a value against conditions and reports each verdict, in condition order. It never
 * throws for a bad value: a condition that throws counts as failed, with the error's message.
 *
 * @example
 * const check = new VerifierOperator({ inputKey: "answer", conditions: [
 *   notEmpty(), matchesPattern(/^\d+$/), condition((v) => Number(v) < 100, "must be below 100"),
 * ]});
 * await check({ answer: "420" });
 * // { passed: false, results: [{ passed: true }, { passed: true }, { passed: false, message: "must be below 100" }] }
 */
export class VerifierOperator<
  IK extends string | undefined = undefined,
  OK extends string | undefined = undefined,
> extends Operator<unknown, VerifierOutput<OK>> {
  readonly conditions: readonly Condition[];
  readonly inputKey: IK;
  readonly outputKey: OK;
  override readonly effects: Effects = "pure";

  constructor(options: VerifierOptions<IK, OK>) {
    super();
    this.name = options.name ?? "verifier";
    optionalKey(options.inputKey, "VerifierOperator", "inputKey");
    optionalKey(options.outputKey, "VerifierOperator", "outputKey");
    this.inputKey = options.inputKey as IK;
    this.outputKey = options.outputKey as OK;
    this.conditions = Object.freeze(toConditions(options.conditions));
  }

  async forward(input: unknown, ctx: CallContext): Promise<VerifierOutput<OK>> {
    const value =
      this.inputKey === undefined
        ? input
        : requireRecord(input, "not_an_object", ctx.path, "verifier input", this.name)[
            this.inputKey
          ];
    const results = await Promise.all(this.conditions.map((c) => evaluate(c, value)));
    const verdict: Verdict = { passed: results.every((r) => r.passed), results };
    return (
      this.outputKey === undefined ? verdict : { [this.outputKey]: verdict }
    ) as VerifierOutput<OK>;
  }
}

/** One condition's verdict; a throw becomes a failed result with the error's message. */
async function evaluate(c: Condition, value: unknown): Promise<CheckResult> {
  try {
    return await judge(c, value);
  } catch (err) {
    return { passed: false, message: err instanceof Error ? err.message : String(err) };
  }
}

async function judge(c: Condition, value: unknown): Promise<CheckResult> {
  if (c.explain) return c.explain(value);
  return (await c.check(value)) ? { passed: true } : { passed: false, message: c.message };
}

function toConditions(list: readonly ConditionLike[]): Condition[] {
  if (!Array.isArray(list)) {
    throw new OptionError("invalid_option", {
      where: "VerifierOperator",
      what: "conditions is",
      got: list,
      valid: ["an array of predicates or conditions"],
    });
  }
  return list.map((c: unknown, i) => toCondition(c, indexed("conditions", i)));
}

function toCondition(c: unknown, where: string): Condition {
  if (typeof c === "function") {
    const label = c.name ? `${where} (${c.name})` : where;
    return { check: c as Predicate, message: `${label} failed` };
  }
  const maybe = c as Partial<Condition> | null;
  if (maybe && typeof maybe.check === "function" && typeof maybe.message === "string") {
    return maybe.explain
      ? { check: maybe.check, message: maybe.message, explain: maybe.explain }
      : { check: maybe.check, message: maybe.message };
  }
  throw new OptionError("invalid_option", {
    where: "VerifierOperator",
    what: `${where} is`,
    got: c,
    valid: ["a predicate (value) => boolean", "a Condition { check, message }"],
  });
}

/** A condition with your own failure message. */
export function condition(check: Predicate, message: string): Condition {
  return toCondition({ check, message }, "condition()");
}

/** Fails for null, undefined, a blank string, and an empty array, Map, Set or plain object. */
export function notEmpty(message = "value is empty"): Condition {
  return condition((value) => !isEmpty(value), message);
}

/** Passes when the value is a string the pattern matches. */
export function matchesPattern(pattern: RegExp, message?: string): Condition {
  // A copy without g/y: those flags make test() stateful, and a verdict must not depend on
  // how many calls came before.
  const re = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ""));
  return condition(
    (value) => typeof value === "string" && re.test(value),
    message ?? `value does not match ${pattern}`,
  );
}

/** Passes when every condition passes, checked in order; fails with the first failure's message. */
export function all(...conditions: ConditionLike[]): Condition {
  const parts = conditions.map((c, i) => toCondition(c, indexed("all()", i)));
  const explain = async (value: unknown): Promise<CheckResult> => {
    for (const part of parts) {
      const result = await judge(part, value);
      if (!result.passed) return result;
    }
    return { passed: true };
  };
  return {
    check: async (value) => (await explain(value)).passed,
    message: "all() failed",
    explain,
  };
}

function isEmpty(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (typeof value === "string") return value.trim().length === 0;
  if (Array.isArray(value)) return value.length === 0;
  if (value instanceof Map || value instanceof Set) return value.size === 0;
  if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.keys(value).length === 0;
  }
  return false;
}
