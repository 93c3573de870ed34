/**
 * The guard's equality: plain objects and arrays compared by value, everything else by
 * identity (or SameValueZero for primitives). A started call is handed over only when the
 * input `forward` passes equals the one it was started with.
 */
export function guardEqual(a: unknown, b: unknown, depth = 0): boolean {
  if (Object.is(a, b) || a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (depth > 64) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!guardEqual(a[i], b[i], depth + 1)) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const pa = Object.getPrototypeOf(a);
  const pb = Object.getPrototypeOf(b);
  if (pa !== pb || (pa !== Object.prototype && pa !== null)) return false;
  // Symbol keys are data too; the guard only vouches for string-keyed plain data.
  if (Object.getOwnPropertySymbols(a).length > 0 || Object.getOwnPropertySymbols(b).length > 0)
    return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!Object.hasOwn(b, k)) return false;
    if (
      !guardEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], depth + 1)
    ) {
      return false;
    }
  }
  return true;
}
