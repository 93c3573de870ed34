import { InlineOperator } from "../engine/inline.js";
import { isPromiseLike, type PlainObject, requireRecord } from "../operator/objects.js";
import { currentRunEnv } from "./run-env.js";

/** The error eager Sequence/Parallel throw for a step that returned a non-object. */
export function stepOutputError(
  path: string,
  what: string,
  value: unknown,
  name?: string,
): unknown {
  try {
    requireRecord(value, "step_returned_non_object", path, what, name);
  } catch (err) {
    return err;
  }
  return new Error(`ember-xcs internal: ${path} returned an object`);
}

/** A check that `rel` (relative to the target) was given an object, as eager composites check. */
export interface RecordCheck {
  readonly rel: string;
  readonly what: string;
  readonly code: "not_an_object" | "step_returned_non_object";
  /** The operator the check is about (the composite, or the step), named as eager names it. */
  readonly name: string;
}

function check(value: unknown, at: RecordCheck | undefined): PlainObject {
  if (!at) return value as PlainObject;
  return requireRecord(value, at.code, currentRunEnv().basePath + at.rel, at.what, at.name);
}

/**
 * Shallow-merges the numbered parts of its input (`{0: a, 1: b, …}`, as keyed edges deliver
 * them) in order, checking each part that eager execution checks.
 */
export function mergeGlue(
  name: string,
  checks: readonly (RecordCheck | undefined)[],
): InlineOperator {
  return new InlineOperator(name, (parts) => {
    const given = parts as Record<string, unknown>;
    let merged: PlainObject = {};
    for (let i = 0; i < checks.length; i++) merged = { ...merged, ...check(given[i], checks[i]) };
    return merged;
  });
}

/** Checks an object is an object (a Sequence's input, say) and passes it on unchanged. */
export function recordGlue(name: string, at: RecordCheck): InlineOperator {
  return new InlineOperator(name, (value) => check(value, at));
}

/** Collects numbered outputs into an array and combines them as the composite does. */
export function collectGlue(
  name: string,
  count: number,
  combine: (outputs: unknown[]) => unknown,
): InlineOperator {
  return new InlineOperator(name, (parts) => {
    const given = parts as Record<string, unknown>;
    const outputs: unknown[] = new Array(count);
    for (let i = 0; i < count; i++) outputs[i] = given[i];
    const result = combine(outputs);
    // The engine awaits a promise from an inline node; any other thenable becomes one.
    return isPromiseLike(result) ? Promise.resolve(result) : result;
  });
}
