import type { AnyOperator } from "../operator/operator.js";
import { declaredKeys } from "../operator/specification.js";
import { EnsembleOperator } from "../operators/ensemble.js";
import { MapOperator } from "../operators/map.js";

/** Every key: the step may read (or write) anything. */
export const ALL = "all" as const;
export type KeySet = ReadonlySet<PropertyKey> | typeof ALL;

/** What a Sequence step is proven to read and write, from its declared keys alone. */
export interface StepKeys {
  readonly reads: KeySet;
  readonly writes: KeySet;
}

const EVERYTHING: StepKeys = { reads: ALL, writes: ALL };

/**
 * Reads are proven only where the step cannot see other keys: a map's `inputKey`, or a
 * key-stripping input schema. Writes are proven by `outputKey`, an output schema, or an
 * Ensemble's default `{ responses }`. Anything else reads and writes everything.
 */
export function stepKeys(op: AnyOperator): StepKeys {
  if (op instanceof MapOperator && op.specification === undefined) {
    return {
      reads: op.inputKey === undefined ? ALL : new Set([op.inputKey]),
      writes: op.outputKey === undefined ? ALL : new Set([op.outputKey]),
    };
  }
  if (op instanceof EnsembleOperator && op.specification === undefined) {
    const reads = unionReads(op.operators.map((member) => stepKeys(member).reads));
    return { reads, writes: op.aggregate ? ALL : new Set(["responses"]) };
  }
  const spec = op.specification;
  if (spec) {
    const reads = declaredKeys(spec.input);
    const writes = declaredKeys(spec.output);
    return { reads: reads ? new Set(reads) : ALL, writes: writes ? new Set(writes) : ALL };
  }
  return EVERYTHING;
}

function unionReads(sets: readonly KeySet[]): KeySet {
  const union = new Set<PropertyKey>();
  for (const s of sets) {
    if (s === ALL) return ALL;
    for (const k of s) union.add(k);
  }
  return union;
}

/** Whether a step reading `reads` must wait for a step writing `writes`. */
export function overlaps(reads: KeySet, writes: KeySet): boolean {
  if (reads === ALL || writes === ALL) return true;
  for (const k of reads) if (writes.has(k)) return true;
  return false;
}

export function formatKeys(keys: KeySet): string {
  return keys === ALL ? "*" : `{${[...keys].map(String).join(",")}}`;
}
