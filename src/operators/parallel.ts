import { joinOrAbort } from "../core/cancel.js";
import { childPath, indexed } from "../core/paths.js";
import { type CallContext, type ChildCallOptions, cancelOf } from "../operator/context.js";
import { combineEffects, type Effects } from "../operator/effects.js";
import type { Lowering, Ref } from "../operator/lowering.js";
import { mergeObjects, requireRecord } from "../operator/objects.js";
import { type AnyOperator, callOperator, Operator } from "../operator/operator.js";
import type { AllInputs, SequenceOutput } from "./typing.js";
import { operatorList } from "./validate.js";

export interface ParallelOptions<Ops extends readonly AnyOperator[] = readonly AnyOperator[]> {
  /** Run concurrently on the same input; outputs merge in this order. */
  operators: Ops;
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
 *
 * Typed children type it: the input is every child's input at once, the output the input
 * merged with each child's output in list order.
 */
export class ParallelOperator<
  const Ops extends readonly AnyOperator[] = readonly AnyOperator[],
> extends Operator<AllInputs<Ops>, SequenceOutput<AllInputs<Ops>, Ops>> {
  readonly operators: Ops;
  override readonly effects: Effects;

  constructor(options: ParallelOptions<Ops>) {
    super();
    this.name = options.name ?? "parallel";
    this.operators = operatorList(options.operators, "ParallelOperator", this.name) as Ops;
    this.effects = combineEffects(this.operators.map((op) => op.effects));
  }

  async forward(
    input: AllInputs<Ops>,
    ctx: CallContext,
  ): Promise<SequenceOutput<AllInputs<Ops>, Ops>> {
    const base = requireRecord(input, "not_an_object", ctx.path, INPUT, this.name);
    // The children's controller, not its signal: Node makes that only when a child reads it.
    return joinOrAbort(
      this.operators.length,
      cancelOf(undefined, ctx),
      async (i, cancel) => {
        const options: ChildCallOptions = { cancel };
        const out = await callOperator(this.operators[i]!, base, options);
        // Checked here, not after the join, so a bad output fails fast like a thrown error.
        const step = childPath(ctx.path, indexed("operators", i));
        return requireRecord(
          out,
          "step_returned_non_object",
          step,
          OUTPUT,
          this.operators[i]!.name,
        );
      },
      (outputs) => mergeObjects([base, ...outputs]) as SequenceOutput<AllInputs<Ops>, Ops>,
    );
  }

  lower(b: Lowering, input: Ref): Ref {
    const base = b.requireRecord(input, INPUT);
    const outputs = this.operators.map((op, i) =>
      b.child(op, base, {
        order: `p${i}`,
        check: { what: OUTPUT, field: indexed("operators", i) },
      }),
    );
    return b.merge([base, ...outputs]);
  }
}

/** What a Parallel checks: its input and each member's output must be objects. */
const INPUT = "parallel input";
const OUTPUT = "output";
