import { Budget } from "../core/budget.js";
import { linkedController } from "../core/cancel.js";
import { AbortError } from "../core/errors.js";
import { type CallContext, withScope } from "../operator/context.js";
import { type AnyOperator, callOperator } from "../operator/operator.js";

/** How far a run over items has got; `done` counts finished items, failed ones included. */
export interface Progress {
  readonly total: number;
  readonly done: number;
  readonly ok: number;
  readonly failed: number;
}

/** One item's result under `continueOnError`. */
export type ItemResult<O> =
  | { readonly status: "ok"; readonly value: O }
  | { readonly status: "error"; readonly error: unknown };

export interface RunItemsOptions {
  /** Items started at once and leaf calls in flight across them (a child budget). */
  maxConcurrency: number;
  continueOnError: boolean;
  onProgress: ((progress: Progress) => void) | undefined;
}

/**
 * Calls `child` on every item as a child call of `ctx`: a fixed set of workers takes the next
 * index from one cursor, so an item costs one operator call and no promise or controller of
 * its own. Fails fast with the first error (aborting the items running) unless
 * `continueOnError`, in which case every slot holds an `ItemResult`.
 */
export function runItems<I, O>(
  child: AnyOperator,
  items: readonly I[],
  ctx: CallContext,
  options: RunItemsOptions,
): Promise<(O | ItemResult<O>)[]> {
  const total = items.length;
  const results = new Array<O | ItemResult<O>>(total);
  if (total === 0) return Promise.resolve(results);
  const { continueOnError: keepGoing, onProgress, maxConcurrency } = options;
  const { controller, dispose } = linkedController(ctx.signal);
  const signal = controller.signal;
  // A child of the budget around the call, never a replacement: it can only narrow it.
  const budget =
    maxConcurrency === Number.POSITIVE_INFINITY
      ? ctx.budget
      : new Budget(maxConcurrency, ctx.budget);
  let next = 0;
  let ok = 0;
  let failed = 0;
  let running = 0;
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      // Stop the items still running; their own failures are this abort, not news.
      if (!signal.aborted) controller.abort(new AbortError("a sibling item failed"));
      dispose();
      reject(error);
    };
    const worker = async (): Promise<void> => {
      while (next < total && !settled) {
        if (signal.aborted) return fail(signal.reason);
        const index = next++;
        try {
          const value = (await callOperator(child, items[index])) as O;
          results[index] = keepGoing ? { status: "ok", value } : value;
          ok++;
        } catch (error) {
          if (settled) return;
          // An abort from outside rejects the whole call as eager code would, even here.
          if (signal.aborted) return fail(signal.reason);
          if (!keepGoing) return fail(error);
          results[index] = { status: "error", error };
          failed++;
        }
        if (onProgress) onProgress({ total, done: ok + failed, ok, failed });
      }
    };
    const finished = () => {
      running--;
      if (running === 0 && !settled) {
        settled = true;
        dispose();
        resolve(results);
      }
    };
    withScope({ budget, signal }, () => {
      running = Math.min(total, maxConcurrency);
      for (let w = 0, n = running; w < n; w++) worker().then(finished, fail);
    });
  });
}
