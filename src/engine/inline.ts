import { OptionError } from "../core/errors.js";
import type { Effects } from "../operator/effects.js";
import { Operator } from "../operator/operator.js";

/**
 * A synchronous pure function as an operator. The engine calls `fn` directly when it
 * meets one as a graph node, with no promise and no context scope, which is why the JIT
 * uses it for glue between calls and for fused maps. Called like any operator (outside a
 * graph) it behaves as a leaf.
 *
 * @example
 * const pick = new InlineOperator("pick", (i) => (i as { text: string }).text);
 */
export class InlineOperator extends Operator<unknown, unknown> {
  override effects: Effects = "pure";
  readonly fn: (input: unknown) => unknown;

  constructor(name: string, fn: (input: unknown) => unknown) {
    super();
    if (typeof fn !== "function") {
      throw new OptionError("invalid_option", {
        where: `InlineOperator "${name}"`,
        what: "fn",
        got: typeof fn,
        valid: ["a function"],
      });
    }
    this.name = name;
    this.fn = fn;
  }

  forward(input: unknown): unknown {
    return this.fn(input);
  }
}
