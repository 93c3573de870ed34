import { setMaxListeners } from "node:events";
import { type Clock, realClock } from "./clock.js";
import { AbortError } from "./errors.js";

/** A signal that never aborts, shared by every call made without one. */
export const NEVER_ABORTED: AbortSignal = new AbortController().signal;

// One real listener per signal, fanned out to every subscriber: a run links hundreds of
// controllers to one caller signal, and a listener each would pass Node's limit of 10
// (MaxListenersExceededWarning) on a signal that is not ours to reconfigure.
interface Fanout {
  readonly fns: Set<() => void>;
  readonly listener: () => void;
}
const fanouts = new WeakMap<AbortSignal, Fanout>();

/**
 * Calls `fn` once when `signal` aborts; the returned function unsubscribes, and the last
 * unsubscription removes the one real listener, so nothing stays on a long-lived signal.
 */
export function onAbort(cancel: Cancel, fn: () => void): () => void {
  if (cancel === NEVER_ABORTED) return NOTHING;
  const owner = ownerOf(cancel);
  if (owner) return owner.subscribe(fn);
  const signal = cancel as AbortSignal;
  let fan = fanouts.get(signal);
  if (!fan) {
    const fns = new Set<() => void>();
    const listener = () => {
      fanouts.delete(signal);
      for (const f of [...fns]) f();
    };
    fan = { fns, listener };
    fanouts.set(signal, fan);
    signal.addEventListener("abort", listener, { once: true });
  }
  const mine = fan;
  mine.fns.add(fn);
  return () => {
    if (!mine.fns.delete(fn) || mine.fns.size > 0) return;
    signal.removeEventListener("abort", mine.listener);
    if (fanouts.get(signal) === mine) fanouts.delete(signal);
  };
}

const NOTHING = () => {};

/** Marks the signals of our own controllers, which only abort through `abort()` below. */
const OWNER = Symbol("ember-xcs.linked-controller");

/**
 * How a call can be cancelled: a signal, or one of our controllers, whose signal is only
 * made when something asks for it (see LinkedController). @internal
 */
export type Cancel = AbortSignal | LinkedController;

function ownerOf(cancel: Cancel): LinkedController | undefined {
  if (cancel instanceof LinkedController) return cancel;
  return (cancel as AbortSignal & { [OWNER]?: LinkedController })[OWNER];
}

/** The signal of `cancel` (made now, if it is a controller's that nobody asked for yet). @internal */
export function signalOf(cancel: Cancel): AbortSignal {
  return cancel instanceof LinkedController ? cancel.signal : cancel;
}

/** Whether `cancel` is a `LinkedController`'s (aborts reach `watchOwnedAborts`). @internal */
export function isOwnedSignal(cancel: Cancel): boolean {
  return ownerOf(cancel) !== undefined;
}

interface OwnedAbortWatcher {
  ownedSignalsAborted(): void;
}

// Told after every cascade of our own aborts, instead of a subscription per signal: budgets
// with waiters, whose waiters' signals are mostly one-ensemble controllers (and aborts rare).
const ownedAbortWatchers = new Set<OwnedAbortWatcher>();
let aborting = 0;

/** Adds (or removes) a watcher of every abort of a `LinkedController`. @internal */
export function watchOwnedAborts(watcher: OwnedAbortWatcher, on: boolean): void {
  if (on) ownedAbortWatchers.add(watcher);
  else ownedAbortWatchers.delete(watcher);
}

/**
 * A controller that also aborts when `parent` does, until `dispose()`. Its signal is made
 * only when something reads `signal`: Node builds an AbortSignal in about 6 µs (an
 * EventTarget, collected later), and a run makes one of these per ensemble call, whose
 * members mostly never look at theirs (measured: a quarter of the CPU of a dataset run).
 * It only aborts through its own `abort()`, so this library's subscribers to it (child
 * controllers, budget waiters) are called from there: no DOM listener, closure or map entry
 * each. Other code listens on `signal` with `addEventListener` as usual; those listeners
 * run first.
 */
export class LinkedController {
  private controller: AbortController | undefined = undefined;
  private abortedWith: { reason: unknown } | undefined = undefined;
  private subscribers: Set<(() => void) | LinkedController> | undefined = undefined;
  private parentOwner: LinkedController | undefined = undefined;
  private unlink: (() => void) | undefined = undefined;

  constructor(parent?: Cancel) {
    if (!parent || parent === NEVER_ABORTED) return;
    if (parent.aborted) {
      this.abort(parent.reason);
      return;
    }
    const owner = ownerOf(parent);
    if (owner) {
      owner.add(this);
      this.parentOwner = owner;
    } else {
      const signal = parent as AbortSignal;
      this.unlink = onAbort(signal, () => this.abort(signal.reason));
    }
  }

  get aborted(): boolean {
    return this.abortedWith !== undefined;
  }

  get reason(): unknown {
    return this.abortedWith?.reason;
  }

  /** The signal, made on first use (already aborted if this controller is). */
  get signal(): AbortSignal {
    if (this.controller) return this.controller.signal;
    const controller = new AbortController();
    this.controller = controller;
    (controller.signal as AbortSignal & { [OWNER]?: LinkedController })[OWNER] = this;
    // Every node, member and started call of a run may listen to this one: more than Node's
    // default of 10 listeners is the design, not a leak (each is removed on dispose).
    setMaxListeners(0, controller.signal);
    if (this.abortedWith) controller.abort(this.abortedWith.reason);
    return controller.signal;
  }

  throwIfAborted(): void {
    if (this.abortedWith) throw this.abortedWith.reason;
  }

  abort(reason?: unknown): void {
    if (this.abortedWith) return;
    // The reason an AbortController gives when it is given none.
    const why =
      reason === undefined ? new DOMException("This operation was aborted", "AbortError") : reason;
    this.abortedWith = { reason: why };
    aborting++;
    try {
      this.controller?.abort(why);
      this.dispose();
      const subscribers = this.subscribers;
      this.subscribers = undefined;
      if (subscribers) {
        for (const s of [...subscribers]) {
          if (typeof s === "function") s();
          else s.abort(why);
        }
      }
    } finally {
      // Once the whole cascade (children included) has aborted.
      if (--aborting === 0 && ownedAbortWatchers.size > 0) {
        for (const watcher of [...ownedAbortWatchers]) watcher.ownedSignalsAborted();
      }
    }
  }

  /** Stops following the parent signal. */
  dispose(): void {
    if (this.parentOwner) {
      this.parentOwner.subscribers?.delete(this);
      this.parentOwner = undefined;
    } else if (this.unlink) {
      this.unlink();
      this.unlink = undefined;
    }
  }

  /** @internal see onAbort */
  subscribe(fn: () => void): () => void {
    if (this.abortedWith) return NOTHING;
    this.add(fn);
    return () => {
      this.subscribers?.delete(fn);
    };
  }

  private add(subscriber: (() => void) | LinkedController): void {
    if (!this.subscribers) this.subscribers = new Set();
    this.subscribers.add(subscriber);
  }
}

/**
 * An AbortController that also aborts when `parent` does. `dispose()` unsubscribes from the
 * parent so that long-lived signals do not accumulate subscribers run after run.
 */
export function linkedController(parent: Cancel | undefined): {
  controller: LinkedController;
  dispose: () => void;
} {
  const controller = new LinkedController(parent);
  return { controller, dispose: () => controller.dispose() };
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts; no timer survives. */
export function abortableSleep(
  ms: number,
  signal?: AbortSignal,
  clock: Clock = realClock,
): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason ?? new AbortError());
      return;
    }
    const onAbort = () => {
      clock.clearTimeout(timer);
      reject(signal?.reason ?? new AbortError());
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Runs `fn` for each of `count` indices concurrently; on the first failure aborts the
 * others through the signal handed to them and rejects with that failure, unchanged.
 * One promise for the whole join and one reaction per index (no Promise.all, no async frame).
 */
export function allOrAbort<T>(
  count: number,
  signal: Cancel | undefined,
  fn: (index: number, signal: AbortSignal) => Promise<T>,
): Promise<T[]> {
  return joinOrAbort(count, signal, (i, controller) => fn(i, controller.signal), identity);
}

const identity = <T>(value: T): T => value;

/**
 * `allOrAbort`, resolving with `finish(results)` instead of the results: what a composite
 * returns (an ensemble's `{ responses }`) without one more promise after the join. A throw
 * from `finish` rejects; a promise from it is adopted.
 */
export function joinOrAbort<T, R>(
  count: number,
  signal: Cancel | undefined,
  fn: (index: number, controller: LinkedController) => Promise<T>,
  finish: (results: T[]) => R | PromiseLike<R>,
): Promise<R> {
  const controller = new LinkedController(signal);
  if (count === 0) {
    controller.dispose();
    return new Promise<R>((resolve) => resolve(finish([])));
  }
  return new Promise<R>((resolve, reject) => {
    const join = new Join(count, controller, finish, resolve, reject);
    // A bound method, not a named arrow: under tsx (esbuild keepNames) every named closure
    // costs a defineProperty when made, and this runs once per ensemble call.
    const fail = join.fail.bind(join);
    for (let i = 0; i < count && !join.failed; i++) {
      let run: Promise<T>;
      try {
        run = fn(i, controller);
      } catch (error) {
        join.fail(error);
        return;
      }
      run.then((value) => join.done(i, value), fail);
    }
  });
}

/** The state of one `joinOrAbort`: results so far, and whether a member failed. */
class Join<T, R> {
  readonly results: T[];
  left: number;
  failed = false;

  constructor(
    count: number,
    private readonly controller: LinkedController,
    private readonly finish: (results: T[]) => R | PromiseLike<R>,
    private readonly resolve: (value: R | PromiseLike<R>) => void,
    private readonly reject: (error: unknown) => void,
  ) {
    this.results = new Array<T>(count);
    this.left = count;
  }

  done(i: number, value: T): void {
    this.results[i] = value;
    if (--this.left > 0 || this.failed) return;
    this.controller.dispose();
    try {
      this.resolve(this.finish(this.results));
    } catch (error) {
      this.reject(error);
    }
  }

  fail(error: unknown): void {
    if (this.failed) return;
    this.failed = true;
    if (!this.controller.aborted) this.controller.abort(new AbortError("a sibling failed"));
    this.controller.dispose();
    this.reject(error);
  }
}
