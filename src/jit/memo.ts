import { LRUCache } from "lru-cache";

const MAX_KEY_CHARS = 16_384;

/**
 * Results of pure and (unless `preserveStochasticity`) stochastic leaf calls, reused across
 * calls of one jitted operator. Keys include the occurrence of the same call within a run,
 * so an ensemble of one stochastic operator keeps one sample per member. Inputs whose key
 * would cost more than the call saves (huge or unserialisable) are simply not memoized.
 */
export class Memo {
  private readonly entries = new LRUCache<string, { value: unknown }>({ max: 1000 });
  private readonly ids = new WeakMap<object, number>();
  private nextId = 0;

  /** The key for a call, or undefined when the input cannot be keyed cheaply. */
  keyOf(operator: object, input: unknown, occurrences: Map<string, number>): string | undefined {
    let text: string | undefined;
    try {
      text = JSON.stringify(input);
    } catch {
      return undefined;
    }
    if (text === undefined || text.length > MAX_KEY_CHARS) return undefined;
    let id = this.ids.get(operator);
    if (id === undefined) {
      id = this.nextId++;
      this.ids.set(operator, id);
    }
    const call = `${id}\u0000${text}`;
    const seen = occurrences.get(call) ?? 0;
    occurrences.set(call, seen + 1);
    return `${call}\u0000${seen}`;
  }

  get(key: string): { value: unknown } | undefined {
    const hit = this.entries.get(key);
    return hit && { value: cloneValue(hit.value).value };
  }

  set(key: string, value: unknown): void {
    const copy = cloneValue(value);
    if (copy.ok) this.entries.set(key, { value: copy.value });
  }

  get size(): number {
    return this.entries.size;
  }
}

// Copies keep a caller that mutates a result from changing what the next call receives.
function cloneValue(value: unknown): { ok: boolean; value: unknown } {
  if (value === null || typeof value !== "object") return { ok: true, value };
  try {
    return { ok: true, value: structuredClone(value) };
  } catch {
    return { ok: false, value: undefined };
  }
}
