import { LRUCache } from "lru-cache";
import { snapshot } from "./snapshot.js";

const MAX_KEY_CHARS = 16_384;
const MAX_KEY_DEPTH = 32;
const MAX_KEY_VALUES = 4_096;

// Operator ids are shared by every memo, so one run's occurrence counts (which nested
// jitted operators share with their caller) never confuse two operators.
const ids = new WeakMap<object, number>();
let nextId = 0;

/**
 * Results of pure and (unless `preserveStochasticity`) stochastic leaf calls, reused across
 * calls of one jitted operator. Keys include the occurrence of the same call within a run,
 * so an ensemble of one stochastic operator keeps one sample per member. Inputs whose key
 * would cost more than the call saves (huge, or not plain data) are simply not memoized.
 */
export class Memo {
  private readonly entries = new LRUCache<string, { value: unknown }>({ max: 1000 });

  /** The key for a call, or undefined when the input cannot be keyed cheaply. */
  keyOf(operator: object, input: unknown, occurrences: Map<string, number>): string | undefined {
    const text = plainKey(input);
    if (text === undefined) return undefined;
    let id = ids.get(operator);
    if (id === undefined) {
      id = nextId++;
      ids.set(operator, id);
    }
    const call = `${id}\u0000${text}`;
    const seen = occurrences.get(call) ?? 0;
    occurrences.set(call, seen + 1);
    return `${call}\u0000${seen}`;
  }

  get(key: string): { value: unknown } | undefined {
    const hit = this.entries.get(key);
    return hit && snapshot(hit.value);
  }

  /**
   * Keeps a copy of plain-data outputs only: a class instance, a symbol key or a function
   * cannot be copied faithfully, and a copy that lost its prototype is a different value.
   */
  set(key: string, value: unknown): void {
    const copy = snapshot(value);
    if (copy) this.entries.set(key, copy);
  }

  get size(): number {
    return this.entries.size;
  }
}

/**
 * A text that tells plain data apart exactly: objects with Object (or no) prototype,
 * arrays, strings, finite numbers, booleans and null. Anything else gives undefined, so it
 * is never memoized: JSON would blur it (NaN and Infinity print as null, undefined and
 * symbols vanish, a Date prints as its string), and a blurred key serves one input's result
 * to another. So does anything too big to be worth keying, or a getter that throws.
 */
export function plainKey(value: unknown): string | undefined {
  try {
    // Checked first (cheap, no allocation), then printed by the native JSON.stringify.
    if (!isPlainData(value, 0, { left: MAX_KEY_VALUES })) return undefined;
    const text = JSON.stringify(value);
    return text.length <= MAX_KEY_CHARS ? text : undefined;
  } catch {
    return undefined;
  }
}

function isPlainData(v: unknown, depth: number, budget: { left: number }): boolean {
  if (--budget.left < 0) return false;
  switch (typeof v) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(v) && !Object.is(v, -0);
    case "object": {
      if (v === null) return true;
      if (depth >= MAX_KEY_DEPTH) return false;
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) if (!isPlainData(v[i], depth + 1, budget)) return false;
        return true;
      }
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) return false;
      // JSON would drop symbol keys, and two inputs differing only there would share a key.
      if (Object.getOwnPropertySymbols(v).length > 0) return false;
      for (const key in v) {
        if (!isPlainData((v as Record<string, unknown>)[key], depth + 1, budget)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}
