import type { CallContext } from "../operator/context.js";
import { combineEffects, type Effects } from "../operator/effects.js";
import type { Lowering, Ref } from "../operator/lowering.js";
import { type AnyOperator, callOperator, Operator } from "../operator/operator.js";
import { operatorList } from "./validate.js";

export interface ContainerOptions {
  /** Run in order; each output is the next input. */
  operators: readonly AnyOperator[];
  /** @default "container" */
  name?: string;
}

/**
 * A pipe: each operator's output is the next one's input, with no merging (unlike
 * SequenceOperator), so values need not be objects. An empty container returns its input.
 *
 * @example
 * const pipe = new ContainerOperator<string, number>({ operators: [trim, length] });
 * await pipe("  abc "); // 3
 */
export class ContainerOperator<I = unknown, O = unknown> extends Operator<I, O> {
  readonly operators: readonly AnyOperator[];
  override readonly effects: Effects;

  constructor(options: ContainerOptions) {
    super();
    this.name = options.name ?? "container";
    this.operators = operatorList(options.operators, "ContainerOperator", this.name);
    this.effects = combineEffects(this.operators.map((op) => op.effects));
  }

  async forward(input: I, ctx: CallContext): Promise<O> {
    let value: unknown = input;
    for (const op of this.operators) value = await callOperator(op, value, { signal: ctx.signal });
    return value as O;
  }

  lower(b: Lowering, input: Ref): Ref {
    return b.pipe(this.operators, input);
  }
}
