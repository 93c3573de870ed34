import { OptionError, ValidationError } from "../core/errors.js";
import type { CallContext } from "../operator/context.js";
import type { Effects } from "../operator/effects.js";
import { type AnyOperator, assertOperator, Operator } from "../operator/operator.js";
import { checkLimit, checkOptionKeys } from "./options.js";
import { runItems } from "./pool.js";

export interface VMapOptions {
  /** The keys to batch over, each with its axis (only 0: arrays are split along their first axis). */
  inAxes: Readonly<Record<string, 0>>;
  /** Items in flight at once (a child of the budget around the call). @default Infinity */
  maxConcurrency?: number;
  /** @default "vmap" */
  name?: string;
}

const OPTION_KEYS = ["inAxes", "maxConcurrency", "name"] as const;

type Row = Record<string, unknown>;

/**
 * Ember's vmap: `op` over one object whose `inAxes` keys hold arrays of one length. Item i
 * gets element i of each of those keys and every other key whole (an array under a key not
 * named in `inAxes` is never split). The output is one object whose every key holds the
 * items' values in order: stacked, never flattened.
 */
export class VMapOperator<I extends Row = Row, O extends Row = Row> extends Operator<
  Row,
  Record<string, unknown[]>
> {
  readonly operator: Operator<I, O>;
  readonly inAxes: readonly string[];
  readonly maxConcurrency: number;
  override readonly effects: Effects;

  constructor(operator: Operator<I, O>, options: VMapOptions) {
    super();
    checkOptionKeys(options, OPTION_KEYS, "vmap() options");
    this.name = options.name ?? "vmap";
    assertOperator(operator, `${this.name}/operator`);
    this.operator = operator;
    this.inAxes = checkAxes(options.inAxes);
    this.maxConcurrency = options.maxConcurrency ?? Number.POSITIVE_INFINITY;
    checkLimit(this.maxConcurrency, "vmap() options");
    this.effects = operator.effects;
  }

  async forward(input: Row, ctx: CallContext): Promise<Record<string, unknown[]>> {
    const items = splitItems(input, this.inAxes, ctx.path);
    const outputs = (await runItems(this.operator as unknown as AnyOperator, items, ctx, {
      maxConcurrency: this.maxConcurrency,
      continueOnError: false,
      onProgress: undefined,
    })) as unknown[];
    return stack(outputs, ctx.path);
  }
}

function checkAxes(inAxes: unknown): string[] {
  const valid = ["an object of key → 0, e.g. { question: 0 }"];
  if (inAxes === null || typeof inAxes !== "object" || Array.isArray(inAxes)) {
    throw new OptionError("invalid_option", {
      where: "vmap() inAxes",
      what: "got",
      got: inAxes,
      valid,
    });
  }
  const keys = Object.keys(inAxes);
  if (keys.length === 0) {
    throw new OptionError("invalid_option", {
      where: "vmap() inAxes",
      what: "got",
      got: "{}",
      valid: ["at least one key"],
    });
  }
  for (const key of keys) {
    const axis = (inAxes as Row)[key];
    if (axis !== 0) {
      throw new OptionError("invalid_option", {
        where: `vmap() inAxes.${key}`,
        what: "axis is",
        got: axis,
        valid: ["0"],
      });
    }
  }
  return keys;
}

function isRow(value: unknown): value is Row {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Item i of the batch: element i of each batched key, every other key as it is. */
function splitItems(input: unknown, axes: readonly string[], path: string): Row[] {
  if (!isRow(input)) {
    throw new ValidationError("invalid_input", {
      path,
      detail: `vmap expects an object, got ${Array.isArray(input) ? "an array" : input === null ? "null" : typeof input}`,
    });
  }
  const lengths = axes.map((key) => {
    const value = input[key];
    if (!Array.isArray(value)) {
      const got = value === undefined ? "missing" : value === null ? "null" : typeof value;
      throw new ValidationError("invalid_input", {
        path,
        issues: [
          {
            path: [key],
            code: "not_an_array",
            message: `inAxes key must hold an array, got ${got}`,
          },
        ],
      });
    }
    return value.length;
  });
  const n = lengths[0] ?? 0;
  if (lengths.some((len) => len !== n)) {
    const listed = axes.map((key, k) => `${key} has ${lengths[k]}`).join(", ");
    throw new ValidationError("invalid_input", {
      path,
      detail: `vmap: the inAxes keys must hold arrays of one length; ${listed}`,
    });
  }
  const shared = Object.entries(input).filter(([key]) => !axes.includes(key));
  const items: Row[] = new Array(n);
  for (let i = 0; i < n; i++) {
    // fromEntries defines own properties, so a key such as __proto__ never touches a prototype.
    items[i] = Object.fromEntries([
      ...shared,
      ...axes.map((key) => [key, (input[key] as unknown[])[i]] as const),
    ]);
  }
  return items;
}

/** One object whose every key holds the items' values in order (undefined where an item lacks it). */
function stack(outputs: readonly unknown[], path: string): Record<string, unknown[]> {
  const keys: string[] = [];
  const seen = new Set<string>();
  outputs.forEach((out, i) => {
    if (!isRow(out)) {
      throw new ValidationError("invalid_output", {
        path,
        detail: `vmap: item ${i} returned ${Array.isArray(out) ? "an array" : out === null ? "null" : typeof out}; each item must return an object to stack`,
      });
    }
    for (const key of Object.keys(out)) {
      if (!seen.has(key)) {
        seen.add(key);
        keys.push(key);
      }
    }
  });
  return Object.fromEntries(keys.map((key) => [key, outputs.map((out) => (out as Row)[key])]));
}

/**
 * Batches `op` over the keys named in `inAxes`.
 *
 * @example
 * const answerAll = vmap(answer, { inAxes: { question: 0 } });
 * await answerAll({ question: ["2+2?", "3+3?"], style: "terse" });
 * // { answer: ["4", "6"] } — each item saw one question and the whole `style`
 */
export function vmap<I extends Row, O extends Row>(
  operator: Operator<I, O>,
  options: VMapOptions,
): VMapOperator<I, O> {
  return new VMapOperator(operator, options);
}
