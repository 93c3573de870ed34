import { onAbort } from "./cancel.js";
import { OptionError } from "./errors.js";

interface Waiter {
  resume: () => void;
  fail: (reason: unknown) => void;
}

/**
 * Counts leaf calls in flight. Budgets nest: a narrower budget (one run's `maxConcurrency`)
 * points at its parent, and a slot is held in every budget up the chain, so the global
 * limit holds however deep the nesting goes. Only leaf calls take slots; a composite that
 * waits for its children holds none, which is what keeps nested runs from deadlocking.
 */
export class Budget {
  readonly limit: number;
  readonly parent: Budget | undefined;
  inFlight = 0;
  peakInFlight = 0;
  private readonly waiters: Waiter[] = [];

  constructor(limit: number, parent?: Budget) {
    if (!(Number.isInteger(limit) && limit >= 1) && limit !== Number.POSITIVE_INFINITY) {
      throw new OptionError("invalid_option", {
        where: "maxConcurrency",
        what: "got",
        got: limit,
        valid: ["an integer >= 1"],
      });
    }
    this.limit = limit;
    this.parent = parent;
  }

  get pending(): number {
    return this.waiters.length;
  }

  /** Takes a slot in this budget and every ancestor, or returns false without taking any. */
  tryAcquire(): boolean {
    if (this.inFlight >= this.limit) return false;
    if (this.parent && !this.parent.tryAcquire()) return false;
    this.take();
    return true;
  }

  /**
   * Resolves once a slot is held in the whole chain. Returns undefined when the slot was
   * free, so the common case costs no promise.
   */
  acquire(signal?: AbortSignal): Promise<void> | undefined {
    if (this.tryAcquire()) return undefined;
    return this.waitForSlot(signal);
  }

  release(): void {
    this.inFlight--;
    this.parent?.release();
    this.wakeNext();
    // A slot freed in the parent may unblock a waiter in a sibling budget; the parent wakes
    // its own waiters, and child budgets poll through their waiter chain below.
  }

  private take(): void {
    this.inFlight++;
    if (this.inFlight > this.peakInFlight) this.peakInFlight = this.inFlight;
  }

  private waitForSlot(signal?: AbortSignal): Promise<void> {
    // Resume through a promise so the caller's AsyncLocalStorage context follows the call.
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      let unsubscribe = () => {};
      const waiter: Waiter = {
        resume: () => {
          unsubscribe();
          resolve();
        },
        fail: reject,
      };
      if (signal) {
        unsubscribe = onAbort(signal, () => {
          const at = this.waiters.indexOf(waiter);
          if (at >= 0) this.waiters.splice(at, 1);
          reject(signal.reason);
        });
      }
      this.waiters.push(waiter);
      if (this.parent) this.parent.watch(this);
    });
  }

  private readonly watchers = new Set<Budget>();

  /** A child budget whose waiters are blocked on this budget's limit. */
  private watch(child: Budget): void {
    this.watchers.add(child);
    this.parent?.watch(this);
  }

  private wakeNext(): void {
    while (this.waiters.length > 0 && this.tryAcquire()) {
      this.waiters.shift()!.resume();
    }
    if (this.watchers.size === 0) return;
    for (const child of this.watchers) {
      if (this.inFlight >= this.limit) break;
      child.wakeNext();
      // A child stays watched while anything below it still waits: a grandchild blocked on
      // the child's own limit must be woken when this budget frees a slot later.
      if (child.waiters.length === 0 && child.watchers.size === 0) this.watchers.delete(child);
    }
  }
}

let globalBudget = new Budget(64);

/** The budget every run falls back to; `configure({ maxConcurrency })` replaces it. */
export function getGlobalBudget(): Budget {
  return globalBudget;
}

export function setGlobalConcurrency(limit: number): void {
  globalBudget = new Budget(limit);
}
