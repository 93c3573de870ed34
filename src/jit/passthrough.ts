import { printGraph } from "../graph/render.js";
import { type AnyOperator, callOperator } from "../operator/operator.js";
import type { Plan } from "./plan.js";

/** The plan for a target with nothing to gain: one call, as eager execution makes it. */
export class PassthroughPlan implements Plan {
  readonly strategy = "passthrough";
  readonly graph = undefined;
  readonly shapeSensitive = false;

  constructor(
    readonly target: AnyOperator,
    readonly notes: readonly string[] = [],
  ) {}

  run(input: unknown, _env: unknown, signal: AbortSignal): Promise<unknown> {
    return callOperator(this.target, input, { signal });
  }

  toString(): string {
    return printGraph(undefined, {
      title: `plan passthrough for ${this.target.name}`,
      footer: [`  call ${this.target.name} as written`],
      notes: this.notes,
    });
  }
}
