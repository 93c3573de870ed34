import { childPath, indexed } from "../core/paths.js";
import type { CallContext } from "../operator/context.js";
import { combineEffects, type Effects } from "../operator/effects.js";
import { type PlainObject, requireRecord } from "../operator/objects.js";
import { type AnyOperator, callOperator, Operator } from "../operator/operator.js";
import { operatorList } from "./validate.js";

export interface SequenceOptions {
  /** The steps, run in order; each gets the accumulated object. */
  operators: readonly AnyOperator[];
  /** @default "sequence" */
  name?: string;
}

/**
 * Runs steps in order over an accumulating object: each step gets everything so far and its
 * output (an object) is shallow-merged in, later keys winning. The input is never mutated;
 * an empty sequence returns its input.
 *
 * @example
 * const pipeline = new SequenceOperator({ operators: [
 *   new MapOperator({ fn: (i: { value: number }) => ({ value: i.value * 2 }) }),
 *   new MapOperator({ fn: (i: { value: number }) => ({ value: i.value + 1 }) }),
 * ]});
 * await pipeline({ value: 5 }); // { value: 11 }
 */
export class SequenceOperator<
  I extends object = PlainObject,
  O extends object = PlainObject,
> extends Operator<I, O> {
  readonly operators: readonly AnyOperator[];
  override readonly effects: Effects;

  constructor(options: SequenceOptions) {
    super();
    this.name = options.name ?? "sequence";
    this.operators = operatorList(options.operators, "SequenceOperator", this.name);
    this.effects = combineEffects(this.operators.map((op) => op.effects));
  }

  async forward(input: I, ctx: CallContext): Promise<O> {
    let acc = requireRecord(input, "not_an_object", ctx.path, "sequence input");
    for (const [i, op] of this.operators.entries()) {
      const out = await callOperator(op, acc, { signal: ctx.signal });
      const step = childPath(ctx.path, indexed("operators", i));
      // Spread into a fresh object: own keys are copied as data, so "__proto__" cannot
      // reach a prototype, and the caller's input is left as it was.
      acc = { ...acc, ...requireRecord(out, "step_returned_non_object", step, "step output") };
    }
    return acc as O;
  }
}
