import { ValidationError } from "../core/errors.js";

export type PlainObject = Record<string, unknown>;

export function isPlainObject(value: unknown): value is PlainObject {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Any non-null, non-array object: what Sequence and Parallel accept as input and output. */
export function isRecord(value: unknown): value is PlainObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * Shallow merge into a fresh object, later keys winning. Spread defines own properties, so a
 * `__proto__` or `constructor` key is copied as data and never reaches a prototype.
 */
export function mergeObjects(objects: readonly PlainObject[]): PlainObject {
  let merged: PlainObject = {};
  for (const o of objects) merged = { ...merged, ...o };
  return merged;
}

/** Throws a ValidationError naming `path` when `value` is not an object. */
export function requireRecord(
  value: unknown,
  code: "not_an_object" | "step_returned_non_object",
  path: string,
  what: string,
  /** The operator the error is about, shown beside its path: `judge (rag/operators[2])`. */
  name?: string,
): PlainObject {
  if (isRecord(value)) return value;
  const got = value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
  throw new ValidationError(code, { path, name, detail: `${what} must be an object, got ${got}` });
}

export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (value as { then?: unknown }).then === "function"
  );
}
