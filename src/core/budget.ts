import { NEVER_ABORTED, onAbort } from "./cancel.js";
import { OptionError } from "./errors.js";

/** A caller waiting for a slot: the promise's resolvers and the signal that may cancel it. */
class Waiter {
  constructor(
    readonly resume: () => void,
    readonly fail: (reason: unknown) => void,
    readonly signal: AbortSignal | undefined,
  ) {}
}

/** The one abort subscription shared by every waiter with the same signal. */
interface SignalWatch {
  count: number;
  readonly unsubscribe: () => void;
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
  // A queue read from `head`; a waiter that gave up leaves a hole. One array and no closure per
  // waiter: at the cap of a dataset run most leaf calls wait here.
  private queue: (Waiter | undefined)[] = [];
  private head = 0;
  private waiting = 0;
  private readonly watched = new Map<AbortSignal, SignalWatch>();

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
    return this.waiting;
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
      this.queue.push(new Waiter(resolve, reject, signal));
      this.waiting++;
      if (signal && signal !== NEVER_ABORTED) this.watchSignal(signal);
      if (this.parent) this.parent.watch(this);
    });
  }

  /** The next waiter in arrival order, skipping the holes of those that gave up. */
  private dequeue(): Waiter {
    let waiter: Waiter | undefined;
    while (waiter === undefined) waiter = this.queue[this.head++];
    this.waiting--;
    if (this.waiting === 0) {
      this.queue.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return waiter;
  }

  private watchSignal(signal: AbortSignal): void {
    const watch = this.watched.get(signal);
    if (watch) {
      watch.count++;
      return;
    }
    const unsubscribe = onAbort(signal, () => this.dropWaiters(signal));
    this.watched.set(signal, { count: 1, unsubscribe });
  }

  private unwatchSignal(signal: AbortSignal): void {
    const watch = this.watched.get(signal);
    if (!watch || --watch.count > 0) return;
    this.watched.delete(signal);
    watch.unsubscribe();
  }

  /** `signal` aborted: every waiter that came with it rejects with its reason, in order. */
  private dropWaiters(signal: AbortSignal): void {
    this.watched.delete(signal);
    const dropped: Waiter[] = [];
    for (let i = this.head; i < this.queue.length; i++) {
      const waiter = this.queue[i];
      if (waiter?.signal !== signal) continue;
      this.queue[i] = undefined;
      this.waiting--;
      dropped.push(waiter);
    }
    if (this.waiting === 0) {
      this.queue.length = 0;
      this.head = 0;
    }
    for (const waiter of dropped) waiter.fail(signal.reason);
  }

  private readonly watchers = new Set<Budget>();

  /** A child budget whose waiters are blocked on this budget's limit. */
  private watch(child: Budget): void {
    this.watchers.add(child);
    this.parent?.watch(this);
  }

  private wakeNext(): void {
    while (this.waiting > 0 && this.tryAcquire()) {
      const waiter = this.dequeue();
      if (waiter.signal && waiter.signal !== NEVER_ABORTED) this.unwatchSignal(waiter.signal);
      waiter.resume();
    }
    if (this.watchers.size === 0) return;
    for (const child of this.watchers) {
      if (this.inFlight >= this.limit) break;
      child.wakeNext();
      // A child stays watched while anything below it still waits: a grandchild blocked on
      // the child's own limit must be woken when this budget frees a slot later.
      if (child.waiting === 0 && child.watchers.size === 0) this.watchers.delete(child);
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
