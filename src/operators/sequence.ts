import { childPath, indexed } from "../core/paths.js";
import type { CallContext } from "../operator/context.js";
import { combineEffects, type Effects } from "../operator/effects.js";
import type { Lowering, Ref, StepChecks } from "../operator/lowering.js";
import { isRecord, type PlainObject, requireRecord } from "../operator/objects.js";
import { type AnyOperator, callOperatorFrom, Operator } from "../operator/operator.js";
import type { SequenceInput, SequenceOutput } from "./typing.js";
import { operatorList } from "./validate.js";

/** What a Sequence checks: its input and each step's output must be objects. */
const CHECKS: StepChecks = { input: "sequence input", step: "step output" };

export interface SequenceOptions<Ops extends readonly AnyOperator[] = readonly AnyOperator[]> {
  /** The steps, run in order; each gets the accumulated object. */
  operators: Ops;
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
 *
 * Typed steps type the sequence: its input is what the steps read that no earlier step
 * wrote, its output the input merged with every step's output (later keys win).
 */
export class SequenceOperator<
  const Ops extends readonly AnyOperator[] = readonly AnyOperator[],
> extends Operator<SequenceInput<Ops>, SequenceOutput<SequenceInput<Ops>, Ops>> {
  readonly operators: Ops;
  override readonly effects: Effects;

  constructor(options: SequenceOptions<Ops>) {
    super();
    this.name = options.name ?? "sequence";
    this.operators = operatorList(options.operators, "SequenceOperator", this.name) as Ops;
    this.effects = combineEffects(this.operators.map((op) => op.effects));
  }

  async forward(
    input: SequenceInput<Ops>,
    ctx: CallContext,
  ): Promise<SequenceOutput<SequenceInput<Ops>, Ops>> {
    let acc: PlainObject = requireRecord(input, "not_an_object", ctx.path, CHECKS.input, this.name);
    const steps = this.operators;
    for (let i = 0; i < steps.length; i++) {
      const op = steps[i]!;
      // A child of `ctx` (the context this forward runs in), with its signal.
      const out = await callOperatorFrom(op, ctx, acc);
      // Spread into a fresh object: own keys are copied as data, so "__proto__" cannot
      // reach a prototype, and the caller's input is left as it was. The step's path is
      // only built for the error.
      acc = {
        ...acc,
        ...(isRecord(out)
          ? out
          : requireRecord(
              out,
              "step_returned_non_object",
              childPath(ctx.path, indexed("operators", i)),
              CHECKS.step,
              op.name,
            )),
      };
    }
    return acc as SequenceOutput<SequenceInput<Ops>, Ops>;
  }

  lower(b: Lowering, input: Ref): Ref {
    return b.accumulate(this.operators, input, CHECKS);
  }
}
