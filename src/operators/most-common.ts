import { OptionError, ValidationError } from "../core/errors.js";
import type { CallContext } from "../operator/context.js";
import type { Effects } from "../operator/effects.js";
import { requireRecord } from "../operator/objects.js";
import { Operator } from "../operator/operator.js";
import { optionalFunction, optionalKey } from "./validate.js";

export interface MostCommonOptions<IK extends string, OK extends string> {
  /** The key holding the array of candidates. @default "responses" */
  inputKey?: IK;
  /** The key the winner is written to. @default "final_answer" */
  outputKey?: OK;
  /**
   * Maps a candidate to the string votes are counted under, e.g. `(v) => String(v).trim()`.
   * @default strings as they are, other primitives through String(), objects as JSON with sorted keys
   */
  normalize?: (value: unknown) => string;
  /** @default "most_common" */
  name?: string;
}

export type MostCommonInput<T, IK extends string> = { [K in IK]: readonly T[] } & Record<
  string,
  unknown
>;

export type MostCommonOutput<T, OK extends string> = { [K in OK]: T } & {
  counts: Record<string, number>;
};

/**
 * Majority vote. Candidates are grouped by their normalized string; the biggest group wins
 * and ties go to the group seen first. The winner is that group's first original value;
 * `counts` gives the votes per normalized string.
 *
 * @example
 * const vote = new MostCommonOperator();
 * await vote({ responses: ["Paris", "Lyon", "Paris"] });
 * // { final_answer: "Paris", counts: { Paris: 2, Lyon: 1 } }
 */
export class MostCommonOperator<
  T = unknown,
  IK extends string = "responses",
  OK extends string = "final_answer",
> extends Operator<MostCommonInput<T, IK>, MostCommonOutput<T, OK>> {
  readonly inputKey: IK;
  readonly outputKey: OK;
  readonly normalize: (value: unknown) => string;
  override readonly effects: Effects = "pure";

  constructor(options: MostCommonOptions<IK, OK> = {}) {
    super();
    this.name = options.name ?? "most_common";
    optionalKey(options.inputKey, "MostCommonOperator", "inputKey");
    optionalKey(options.outputKey, "MostCommonOperator", "outputKey");
    this.inputKey = options.inputKey ?? ("responses" as IK);
    this.outputKey = options.outputKey ?? ("final_answer" as OK);
    if (this.outputKey === "counts") {
      throw new OptionError("invalid_option", {
        where: "MostCommonOperator",
        what: "outputKey is",
        got: this.outputKey,
        valid: ['any key but "counts", which holds the tally'],
      });
    }
    this.normalize =
      optionalFunction(options.normalize, "MostCommonOperator", "normalize") ?? normalizeVote;
  }

  forward(input: MostCommonInput<T, IK>, ctx: CallContext): MostCommonOutput<T, OK> {
    const candidates = requireRecord(
      input,
      "not_an_object",
      ctx.path,
      "most_common input",
      this.name,
    )[this.inputKey];
    if (!Array.isArray(candidates) || candidates.length === 0) {
      const got = Array.isArray(candidates) ? "an empty array" : typeof candidates;
      throw new ValidationError("invalid_input", {
        path: ctx.path,
        detail: `input.${this.inputKey} must be a non-empty array of candidates, got ${got}`,
      });
    }
    // A Map, not an object, so a candidate normalized to "__proto__" is just another key.
    const groups = new Map<string, { first: unknown; votes: number }>();
    for (const value of candidates) {
      const key = String(this.normalize(value));
      const group = groups.get(key);
      if (group) group.votes++;
      else groups.set(key, { first: value, votes: 1 });
    }
    let winner: { first: unknown; votes: number } | undefined;
    // Maps iterate in insertion order and only a strictly bigger group replaces the
    // leader, so a tie goes to the value seen first.
    for (const group of groups.values()) if (!winner || group.votes > winner.votes) winner = group;
    const counts = Object.fromEntries([...groups].map(([key, g]) => [key, g.votes]));
    return { [this.outputKey]: winner!.first, counts } as MostCommonOutput<T, OK>;
  }
}

/** The default vote key: readable for strings and numbers, stable for objects. */
export function normalizeVote(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === null || typeof value !== "object") return String(value);
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
