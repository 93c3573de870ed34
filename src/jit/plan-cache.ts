import { LRUCache } from "lru-cache";
import { OptionError } from "../core/errors.js";
import type { Plan } from "./plan.js";

/** Where an entry sits in the LRU: weak, so the LRU alone keeps no operator alive. */
interface Slot {
  readonly target: WeakRef<object>;
  readonly key: string;
}

/** One cached plan. `live` turns false once the cache lets it go (evicted, replaced, cleared). */
export interface CacheEntry {
  readonly plan: Plan;
  /** Its id in the LRU (built once, not per lookup). */
  readonly id: string;
  readonly slot: Slot;
  live: boolean;
}

/**
 * Compiled plans, keyed by target (a WeakMap, so a dropped operator frees its plans) and by
 * signature + options. The bound is global: one LRU over every target's entries evicts the
 * least recently used plan whichever target holds it.
 */
export class JitCache {
  readonly maxEntries: number;
  private readonly byTarget = new WeakMap<object, Map<string, CacheEntry>>();
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
      dispose: (slot) => {
        const plans = this.byTarget.get(slot.target.deref() ?? {});
        const entry = plans?.get(slot.key);
        // A slot replaced by set() belongs to an entry the map no longer holds.
        if (entry?.slot !== slot) return;
        entry.live = false;
        plans!.delete(slot.key);
      },
    });
  }

  get(target: object, key: string): Plan | undefined {
    return this.entry(target, key)?.plan;
  }

  /** The entry under `key`, marked as just used. */
  entry(target: object, key: string): CacheEntry | undefined {
    const entry = this.byTarget.get(target)?.get(key);
    if (entry) this.order.get(entry.id);
    return entry;
  }

  /**
   * Marks an entry a caller kept as just used, as a lookup would, or says it is gone: what
   * lets a jitted call reuse its plan without building a key.
   */
  refresh(entry: CacheEntry): boolean {
    if (!entry.live) return false;
    this.order.get(entry.id);
    return true;
  }

  set(target: object, key: string, plan: Plan): CacheEntry {
    let plans = this.byTarget.get(target);
    if (!plans) {
      plans = new Map();
      this.byTarget.set(target, plans);
    }
    const previous = plans.get(key);
    if (previous) previous.live = false;
    const slot: Slot = { target: new WeakRef(target), key };
    const entry: CacheEntry = { plan, id: this.slotId(target, key), slot, live: true };
    plans.set(key, entry);
    this.order.set(entry.id, slot);
    return entry;
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
