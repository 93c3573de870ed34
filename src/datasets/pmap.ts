import { ValidationError } from "../core/errors.js";
import type { CallContext, CallOptions } from "../operator/context.js";
import type { Effects } from "../operator/effects.js";
import { type AnyOperator, assertOperator, Operator } from "../operator/operator.js";
import { checkLimit, checkOptionKeys } from "./options.js";
import { type ItemResult, type Progress, runItems } from "./pool.js";

export type { ItemResult, Progress } from "./pool.js";

/** What a pmap call takes besides the items. */
export interface PMapCallOptions extends CallOptions {
  /** Called after every finished item. It must not throw: a throw fails the call. */
  onProgress?: (progress: Progress) => void;
  /** Give every item a result instead of failing on the first error. @default false */
  continueOnError?: boolean;
}

export interface PMapOptions {
  /**
   * Items started at once, and leaf calls in flight across them: a child of the budget
   * around the call (the global one at the top), so it can only narrow it.
   * @default Infinity (the budget around the call still holds)
   */
  maxConcurrency?: number;
  /** @default "pmap" */
  name?: string;
}

const OPTION_KEYS = ["maxConcurrency", "name"] as const;
const CALL_KEYS = ["signal", "onProgress", "continueOnError"] as const;

/** The items and call options, carried from `execute` (which sees options) to `forward`. */
class PMapRequest<I> {
  constructor(
    readonly items: readonly I[],
    readonly options: PMapCallOptions,
  ) {}
}

/** The calls a pmap operator answers: plain, or with `continueOnError: true`. */
export interface PMapOperator<I, O> {
  (
    items: readonly I[],
    options: PMapCallOptions & { continueOnError: true },
  ): Promise<ItemResult<O>[]>;
  (items: readonly I[], options?: PMapCallOptions): Promise<O[]>;
}

/**
 * `op` over an array of inputs, outputs in input order. Each item is a child call of the
 * pmap call, so the budget, cancellation and observers around it hold for every item.
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the merge gives instances their call signatures.
export class PMapOperator<I, O> extends Operator<readonly I[], O[]> {
  readonly operator: Operator<I, O>;
  readonly maxConcurrency: number;
  override readonly effects: Effects;

  constructor(operator: Operator<I, O>, options: PMapOptions = {}) {
    super();
    checkOptionKeys(options, OPTION_KEYS, "pmap() options");
    this.name = options.name ?? "pmap";
    assertOperator(operator, `${this.name}/operator`);
    this.operator = operator;
    this.maxConcurrency = options.maxConcurrency ?? Number.POSITIVE_INFINITY;
    checkLimit(this.maxConcurrency, "pmap() options");
    this.effects = operator.effects;
  }

  protected override execute(
    input: readonly I[],
    path: string,
    parent: CallContext | undefined,
    options: CallOptions | undefined,
  ): Promise<O[]> {
    if (options === undefined) return super.execute(input, path, parent, options);
    try {
      checkOptionKeys(options, CALL_KEYS, `${path}: call options`);
    } catch (error) {
      // A call reports a bad option the way it reports everything else: as a rejection.
      return Promise.reject(error);
    }
    const request = new PMapRequest(input, options) as unknown as readonly I[];
    return super.execute(request, path, parent, options);
  }

  forward(input: readonly I[], ctx: CallContext): Promise<O[]> {
    const request = input instanceof PMapRequest ? (input as PMapRequest<I>) : undefined;
    const items = request ? request.items : input;
    if (!Array.isArray(items)) {
      const got = items === null ? "null" : typeof items;
      throw new ValidationError("invalid_input", {
        path: ctx.path,
        detail: `pmap expects an array of inputs, got ${got}`,
      });
    }
    const options = request?.options ?? {};
    return runItems(this.operator as unknown as AnyOperator, items, ctx, {
      maxConcurrency: this.maxConcurrency,
      continueOnError: options.continueOnError === true,
      onProgress: options.onProgress,
    }) as Promise<O[]>;
  }
}

/**
 * `op` over an array of inputs, outputs in input order, at most `maxConcurrency` items (and
 * leaf calls) at a time. Fails fast with the first item's original error, aborting the rest,
 * unless the call asks for `continueOnError`.
 *
 * @example
 * const all = pmap(jit(qa), { maxConcurrency: 200 });
 * await all(questions, { onProgress: (p) => console.error(`${p.done}/${p.total}`) });
 * await all(questions, { continueOnError: true }); // [{ status: "ok", value } | { status: "error", error }]
 */
export function pmap<I, O>(
  operator: Operator<I, O>,
  options: PMapOptions = {},
): PMapOperator<I, O> {
  return new PMapOperator(operator, options);
}
