/**
 * ember-xcs: compound AI systems from callable operators, and a JIT that runs their
 * independent work concurrently under one global concurrency budget.
 *
 * @example
 * const pipeline = new SequenceOperator({ operators: [
 *   new MapOperator({ fn: (i: { value: number }) => ({ value: i.value * 2 }) }),
 *   new MapOperator({ fn: (i: { value: number }) => ({ value: i.value + 1 }) }),
 * ]});
 * await pipeline({ value: 5 });       // { value: 11 }
 * await jit(pipeline)({ value: 5 });  // { value: 11 }, from a compiled plan
 */
export { configure } from "./engine/configure.js";
export type { ErrorCode, Issue } from "./engine/errors.js";
export {
  AbortError,
  GraphError,
  OperatorError,
  OptionError,
  TimeoutError,
  ValidationError,
} from "./engine/errors.js";
export type { CallContext, CallOptions } from "./operator/context.js";
export type { Effects } from "./operator/effects.js";
export type { AnyOperator } from "./operator/operator.js";
export { callOperator, isOperator, Operator } from "./operator/operator.js";
export type { Specification } from "./operator/specification.js";
