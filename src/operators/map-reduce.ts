import { linkedController } from "../core/cancel.js";
import { AbortError, OptionError, ValidationError } from "../core/errors.js";
import { childPath } from "../core/paths.js";
import type { CallContext } from "../operator/context.js";
import { combineEffects, type Effects } from "../operator/effects.js";
import type { Lowering, Ref } from "../operator/lowering.js";
import { type AnyOperator, assertOperator, callOperator, Operator } from "../operator/operator.js";
import { requireFunction } from "./validate.js";

/**
 * Runs `fn` over `items` with at most `limit` calls in flight, resolving to the results in
 * item order. The first failure stops new items from starting, aborts the running ones
 * through the signal handed to them, and is rethrown unchanged.
 *
 * @example
 * await mapWithConcurrency(urls, 4, (url, _i, signal) => fetch(url, { signal }));
 */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number, signal: AbortSignal) => Promise<R>,
  signal?: AbortSignal,
): Promise<R[]> {
  checkLimit(limit, "mapWithConcurrency()");
  const { controller, dispose } = linkedController(signal);
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      // An abort (from outside, or a failed sibling) stops this worker before its next item.
      controller.signal.throwIfAborted();
      const index = next++;
      results[index] = await fn(items[index] as T, index, controller.signal);
    }
  };
  const workers: Promise<void>[] = [];
  for (let w = 0; w < Math.min(limit, items.length); w++) {
    workers.push(
      worker().catch((err: unknown) => {
        if (!controller.signal.aborted) controller.abort(new AbortError("a sibling failed"));
        throw err;
      }),
    );
  }
  try {
    // Every worker either finishes its items or throws, so a resolved join has no holes.
    await Promise.all(workers);
    return results;
  } finally {
    dispose();
  }
}

export interface MapReduceOptions<I, T, R, O> {
  /** Splits the input into items. */
  map: (input: I) => readonly T[] | PromiseLike<readonly T[]>;
  /** Runs once per item. */
  operator: Operator<T, R>;
  /** Combines the outputs, in item order, with the original input. */
  reduce: (outputs: R[], input: I) => O | PromiseLike<O>;
  /** Items processed at once. @default unbounded (the global budget still applies) */
  maxConcurrency?: number;
  /** @default "map_reduce" */
  name?: string;
}

/**
 * Splits the input into items, runs the operator on each (at most `maxConcurrency` at a
 * time), and reduces the outputs. Fails fast: the first failing item aborts the others.
 *
 * @example
 * const summarizeAll = new MapReduceOperator({
 *   map: (i: { docs: string[] }) => i.docs.map((text) => ({ text })),
 *   operator: summarize,
 *   reduce: (outs) => ({ summaries: outs }),
 *   maxConcurrency: 4,
 * });
 */
export class MapReduceOperator<I = unknown, T = unknown, R = unknown, O = unknown> extends Operator<
  I,
  O
> {
  readonly map: (input: I) => readonly T[] | PromiseLike<readonly T[]>;
  readonly operator: Operator<T, R>;
  readonly reduce: (outputs: R[], input: I) => O | PromiseLike<O>;
  readonly maxConcurrency: number | undefined;
  override readonly effects: Effects;

  constructor(options: MapReduceOptions<I, T, R, O>) {
    super();
    this.name = options.name ?? "map_reduce";
    this.map = requireFunction(options.map, "MapReduceOperator", "map");
    this.reduce = requireFunction(options.reduce, "MapReduceOperator", "reduce");
    assertOperator(options.operator, childPath(this.name, "operator"));
    this.operator = options.operator;
    if (options.maxConcurrency !== undefined) {
      checkLimit(options.maxConcurrency, "MapReduceOperator");
    }
    this.maxConcurrency = options.maxConcurrency;
    this.effects = combineEffects([this.operator.effects]);
  }

  forward(input: I, ctx: CallContext): Promise<O> {
    const child = this.operator as unknown as AnyOperator;
    return this.mapAndReduce(
      input,
      ctx.path,
      (item, signal) => callOperator(child, item, { signal }) as Promise<R>,
      ctx.signal,
    );
  }

  /** map, then `each` item (at most maxConcurrency at once, fail fast), then reduce. */
  async mapAndReduce(
    input: I,
    path: string,
    each: (item: T, signal: AbortSignal) => Promise<R>,
    signal: AbortSignal,
  ): Promise<O> {
    const items = await this.map(input);
    if (!Array.isArray(items)) {
      throw new ValidationError("invalid_output", {
        path,
        detail: `map() must return an array of items, got ${items === null ? "null" : typeof items}`,
      });
    }
    const limit = this.maxConcurrency ?? Number.POSITIVE_INFINITY;
    const outputs = await mapWithConcurrency(
      items as readonly T[],
      limit,
      (item, _i, itemSignal) => each(item, itemSignal),
      signal,
    );
    return await this.reduce(outputs, input);
  }

  lower(b: Lowering, input: Ref): Ref {
    return b.control("map_reduce", input, [this.operator], (value, signal, run, path) =>
      this.mapAndReduce(value as I, path, (item, s) => run(0, item, s) as Promise<R>, signal),
    );
  }
}

function checkLimit(limit: number, where: string): void {
  if (!((Number.isInteger(limit) && limit >= 1) || limit === Number.POSITIVE_INFINITY)) {
    throw new OptionError("invalid_option", {
      where,
      what: "maxConcurrency is",
      got: limit,
      valid: ["an integer >= 1", "Infinity"],
    });
  }
}
