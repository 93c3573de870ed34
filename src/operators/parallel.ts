import { allOrAbort } from "../core/cancel.js";
import { childPath, indexed } from "../core/paths.js";
import type { CallContext } from "../operator/context.js";
import { combineEffects, type Effects } from "../operator/effects.js";
import { mergeObjects, type PlainObject, requireRecord } from "../operator/objects.js";
import { type AnyOperator, callOperator, Operator } from "../operator/operator.js";
import { operatorList } from "./validate.js";

export interface ParallelOptions {
  /** Run concurrently on the same input; outputs merge in this order. */
  operators: readonly AnyOperator[];
  /** @default "parallel" */
  name?: string;
}

/**
 * Runs every child on the same input at once and merges their outputs over the input in
 * list order (later wins), so the result does not depend on which child finished first.
 * The first failure aborts the others and is rethrown unchanged.
 *
 * @example
 * const both = new ParallelOperator({ operators: [summarize, classify] });
 * await both({ text }); // { text, summary, label }
 */
export class ParallelOperator<
  I extends object = PlainObject,
  O extends object = PlainObject,
> extends Operator<I, O> {
  readonly operators: readonly AnyOperator[];
  override readonly effects: Effects;

  constructor(options: ParallelOptions) {
    super();
    this.name = options.name ?? "parallel";
    this.operators = operatorList(options.operators, "ParallelOperator", this.name);
    this.effects = combineEffects(this.operators.map((op) => op.effects));
  }

  async forward(input: I, ctx: CallContext): Promise<O> {
    const base = requireRecord(input, "not_an_object", ctx.path, "parallel input");
    const outputs = await allOrAbort(this.operators.length, ctx.signal, async (i, signal) => {
      const out = await callOperator(this.operators[i]!, base, { signal });
      // Checked here, not after the join, so a bad output fails fast like a thrown error.
      const step = childPath(ctx.path, indexed("operators", i));
      return requireRecord(out, "step_returned_non_object", step, "output");
    });
    return mergeObjects([base, ...outputs]) as O;
  }
}
