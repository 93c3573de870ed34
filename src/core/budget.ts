import { type Cancel, isOwnedSignal, NEVER_ABORTED, onAbort, watchOwnedAborts } from "./cancel.js";
import { OptionError } from "./errors.js";

/**
 * Someone waiting for a slot (see `Budget.enqueue`): told `granted` once it holds one in the
 * whole chain, or `denied` when its signal aborts first. Neither may throw.
 */
export interface SlotWaiter {
  /** A signal, or this library's controller of one (whose signal may not exist yet). */
  readonly signal: Cancel | undefined;
  /**
   * Called from inside `release()`, so in the releasing call's async context: a waiter that
   * runs user code restores its own first (an AsyncResource). Never nested: grants made
   * while one runs are queued behind it.
   */
  granted(): void;
  denied(reason: unknown): void;
}

/** A caller of `acquire` waiting for a slot: the promise's resolvers. */
class Waiter implements SlotWaiter {
  constructor(
    readonly granted: () => void,
    readonly denied: (reason: unknown) => void,
    readonly signal: Cancel | undefined,
  ) {}
}

// Waiters granted a slot, started in one flat loop: a waiter's start may release a slot
// (a leaf that calls an operator gives its own back), which must not start the next one
// inside it, or a long queue would recurse as deep as it is long. The array is emptied by
// count, not `length = 0`, which would free its backing store for the next grant to
// allocate again (measured: about 1 KB per item of a dataset run).
const granted: (SlotWaiter | undefined)[] = [];
let grantedCount = 0;
let granting = false;

function grant(waiter: SlotWaiter): void {
  if (granting) {
    granted[grantedCount++] = waiter;
    return;
  }
  granting = true;
  try {
    waiter.granted();
    for (let i = 0; i < grantedCount; i++) granted[i]!.granted();
  } finally {
    // Emptied here only: no reference to a started waiter stays behind.
    for (let i = 0; i < grantedCount; i++) granted[i] = undefined;
    grantedCount = 0;
    granting = false;
  }
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
  private queue: (SlotWaiter | undefined)[] = [];
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
    // Resume through a promise so the caller's AsyncLocalStorage context follows the call.
    return new Promise<void>((resolve, reject) =>
      this.enqueue(new Waiter(resolve, reject, signal)),
    );
  }

  /**
   * Queues `waiter` for the next slot (after `tryAcquire` failed): the promise-free form of
   * `acquire`. A waiter whose signal has aborted is denied at once.
   */
  enqueue(waiter: SlotWaiter): void {
    const signal = waiter.signal;
    if (signal?.aborted) {
      waiter.denied(signal.reason);
      return;
    }
    this.queue.push(waiter);
    if (this.waiting++ === 0) watchOwnedAborts(this, true);
    // Our own controllers' aborts reach every budget with waiters (see `ownedSignalsAborted`);
    // any other signal gets one listener, shared by its waiters.
    if (signal && signal !== NEVER_ABORTED && !isOwnedSignal(signal)) {
      this.watchSignal(signal as AbortSignal);
    }
    if (this.parent) this.parent.watch(this);
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

  /** The next waiter in arrival order, skipping the holes of those that gave up. */
  private dequeue(): SlotWaiter {
    let waiter: SlotWaiter | undefined;
    while (waiter === undefined) waiter = this.queue[this.head++];
    this.waiting--;
    if (this.waiting === 0) this.emptied();
    else if (this.head > 1024 && this.head * 2 > this.queue.length) {
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

  private emptied(): void {
    this.queue.length = 0;
    this.head = 0;
    watchOwnedAborts(this, false);
  }

  /** `signal` aborted: every waiter that came with it is denied with its reason, in order. */
  private dropWaiters(signal: AbortSignal): void {
    this.watched.delete(signal);
    this.dropWhere((waiter) => waiter.signal === signal);
  }

  /**
   * Some of this library's own controllers aborted (one call per cascade of them): denies
   * every waiter whose signal is now aborted, in order. @internal
   */
  ownedSignalsAborted(): void {
    this.dropWhere((waiter) => waiter.signal?.aborted === true);
  }

  private dropWhere(test: (waiter: SlotWaiter) => boolean): void {
    const dropped: SlotWaiter[] = [];
    for (let i = this.head; i < this.queue.length; i++) {
      const waiter = this.queue[i];
      if (waiter === undefined || !test(waiter)) continue;
      this.queue[i] = undefined;
      this.waiting--;
      dropped.push(waiter);
    }
    if (dropped.length === 0) return;
    if (this.waiting === 0) this.emptied();
    for (const waiter of dropped) {
      const signal = waiter.signal!;
      if (signal !== NEVER_ABORTED && !isOwnedSignal(signal))
        this.unwatchSignal(signal as AbortSignal);
      waiter.denied(signal.reason);
    }
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
      const signal = waiter.signal;
      if (signal && signal !== NEVER_ABORTED && !isOwnedSignal(signal)) {
        this.unwatchSignal(signal as AbortSignal);
      }
      grant(waiter);
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
