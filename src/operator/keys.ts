import type { AnyOperator } from "./operator.js";

/** Every key: the step may read (or write) anything. */
export const ALL = "all" as const;
export type KeySet = ReadonlySet<PropertyKey> | typeof ALL;

/** What a Sequence step is proven to read and write. */
export interface StepKeys {
  readonly reads: KeySet;
  readonly writes: KeySet;
}

export const EVERYTHING: StepKeys = { reads: ALL, writes: ALL };

/**
 * An operator that can say which keys of its input it reads and which keys its output has
 * (a map's `inputKey`/`outputKey`, an ensemble's `{ responses }`), so a plan may run it beside
 * steps that write other keys. `keysOf` gives a child's keys, for composites.
 */
export interface DeclaresKeys {
  stepKeys(keysOf: (op: AnyOperator) => StepKeys): StepKeys;
}

export function unionReads(sets: readonly KeySet[]): KeySet {
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
