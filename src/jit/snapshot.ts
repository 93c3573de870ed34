/** Values copied at most; a bigger input is not worth guarding by value, so not started early. */
const MAX_VALUES = 10_000;
const MAX_DEPTH = 32;

/**
 * A structured copy of plain data (plain objects, arrays, primitives), taken when a call is
 * started early, so the guard compares what `forward` passes later with the value as it was
 * — not with a reference that `forward` or an effectful child may have changed since.
 * Returns undefined for anything it cannot copy faithfully (class instances, symbol keys,
 * functions, getters that throw, cycles, very large values): such a call is not started early.
 */
export function snapshot(value: unknown): { value: unknown } | undefined {
  try {
    const budget = { left: MAX_VALUES };
    const copy = copyPlain(value, 0, budget);
    return copy === FAIL ? undefined : { value: copy };
  } catch {
    return undefined;
  }
}

const FAIL: unique symbol = Symbol("not plain data");

function copyPlain(v: unknown, depth: number, budget: { left: number }): unknown {
  if (--budget.left < 0) return FAIL;
  if (v === null || typeof v !== "object") {
    return typeof v === "function" || typeof v === "symbol" ? FAIL : v;
  }
  if (depth >= MAX_DEPTH) return FAIL;
  if (Array.isArray(v)) {
    if (Object.getPrototypeOf(v) !== Array.prototype) return FAIL;
    const out: unknown[] = new Array(v.length);
    for (let i = 0; i < v.length; i++) {
      const item = copyPlain(v[i], depth + 1, budget);
      if (item === FAIL) return FAIL;
      out[i] = item;
    }
    return out;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return FAIL;
  if (Object.getOwnPropertySymbols(v).length > 0) return FAIL;
  const out: Record<string, unknown> = proto === null ? Object.create(null) : {};
  for (const key of Object.keys(v)) {
    const item = copyPlain((v as Record<string, unknown>)[key], depth + 1, budget);
    if (item === FAIL) return FAIL;
    // defineProperty, not assignment: a "__proto__" key stays data.
    Object.defineProperty(out, key, {
      value: item,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}
