import { LRUCache } from "lru-cache";
import { OptionError } from "../core/errors.js";
import type { Plan } from "./plan.js";

interface Slot {
  readonly target: WeakRef<object>;
  readonly key: string;
}

/**
 * Compiled plans, keyed by target (a WeakMap, so a dropped operator frees its plans) and by
 * signature + options. The bound is global: one LRU over every target's entries evicts the
 * least recently used plan whichever target holds it.
 */
export class JitCache {
  readonly maxEntries: number;
  /** Each plan with its slot id in the LRU (built once, not per lookup). */
  private readonly byTarget = new WeakMap<object, Map<string, { plan: Plan; slot: string }>>();
  private readonly ids = new WeakMap<object, number>();
  private nextId = 0;
  private readonly order: LRUCache<string, Slot>;

  /** @param options.maxEntries plans kept across all targets. @default 1000 */
  constructor(options: { maxEntries?: number } = {}) {
    const max = options.maxEntries ?? 1000;
    if (!Number.isInteger(max) || max < 1) {
      throw new OptionError("invalid_option", {
        where: "JitCache",
        what: "maxEntries must be an integer >= 1, got",
        got: max,
        valid: ["an integer >= 1"],
      });
    }
    this.maxEntries = max;
    this.order = new LRUCache<string, Slot>({
      max,
      dispose: (slot) => this.byTarget.get(slot.target.deref() ?? {})?.delete(slot.key),
    });
  }

  get(target: object, key: string): Plan | undefined {
    const entry = this.byTarget.get(target)?.get(key);
    if (!entry) return undefined;
    this.order.get(entry.slot);
    return entry.plan;
  }

  set(target: object, key: string, plan: Plan): void {
    let plans = this.byTarget.get(target);
    if (!plans) {
      plans = new Map();
      this.byTarget.set(target, plans);
    }
    const slot = this.slotId(target, key);
    plans.set(key, { plan, slot });
    this.order.set(slot, { target: new WeakRef(target), key });
  }

  delete(target: object, key: string): void {
    this.order.delete(this.slotId(target, key));
  }

  /** Plans held for one target. */
  entriesFor(target: object): number {
    return this.byTarget.get(target)?.size ?? 0;
  }

  /** Plans held in all, never more than `maxEntries`. */
  get size(): number {
    return this.order.size;
  }

  clear(): void {
    this.order.clear();
  }

  private slotId(target: object, key: string): string {
    let id = this.ids.get(target);
    if (id === undefined) {
      id = this.nextId++;
      this.ids.set(target, id);
    }
    return `${id}\u0000${key}`;
  }
}

let globalCache = new JitCache();

export function getGlobalCache(): JitCache {
  return globalCache;
}

export function resetGlobalCache(): void {
  globalCache = new JitCache();
}
