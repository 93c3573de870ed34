import {
  ALL,
  type DeclaresKeys,
  EVERYTHING,
  type KeySet,
  type StepKeys,
} from "../operator/keys.js";
import { describes } from "../operator/lowering.js";
import type { AnyOperator } from "../operator/operator.js";
import { declaredKeys } from "../operator/specification.js";

export { ALL, formatKeys, type KeySet, overlaps, type StepKeys } from "../operator/keys.js";

/**
 * What a step is proven to read and write: from its specification (a key-stripping input
 * schema proves reads; an output schema proves writes), else from what the operator
 * declares of itself (a map's `inputKey`/`outputKey`); anything else reads and writes
 * everything.
 */
export function stepKeys(op: AnyOperator): StepKeys {
  const spec = op.specification;
  if (spec) {
    const reads = declaredKeys(spec.input);
    const writes = declaredKeys(spec.output);
    return { reads: keySet(reads), writes: keySet(writes) };
  }
  if (typeof (op as Partial<DeclaresKeys>).stepKeys === "function" && describes(op, "stepKeys"))
    return (op as AnyOperator & DeclaresKeys).stepKeys(stepKeys);
  return EVERYTHING;
}

function keySet(keys: readonly PropertyKey[] | undefined): KeySet {
  return keys ? new Set(keys) : ALL;
}
