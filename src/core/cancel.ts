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
export function onAbort(signal: AbortSignal, fn: () => void): () => void {
  if (signal === NEVER_ABORTED) return () => {};
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

/**
 * An AbortController that also aborts when `parent` does. `dispose()` unsubscribes from the
 * parent so that long-lived signals do not accumulate subscribers run after run.
 */
export function linkedController(parent: AbortSignal | undefined): {
  controller: AbortController;
  dispose: () => void;
} {
  const controller = new AbortController();
  // Every node, member and started call of a run may listen to this one: more than Node's
  // default of 10 listeners is the design, not a leak (each is removed on dispose).
  setMaxListeners(0, controller.signal);
  if (!parent) return { controller, dispose: () => {} };
  if (parent.aborted) {
    controller.abort(parent.reason);
    return { controller, dispose: () => {} };
  }
  const dispose = onAbort(parent, () => controller.abort(parent.reason));
  return { controller, dispose };
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
 */
export async function allOrAbort<T>(
  count: number,
  signal: AbortSignal | undefined,
  fn: (index: number, signal: AbortSignal) => Promise<T>,
): Promise<T[]> {
  const { controller, dispose } = linkedController(signal);
  try {
    const runs: Promise<T>[] = [];
    for (let i = 0; i < count; i++) {
      runs.push(
        fn(i, controller.signal).catch((err: unknown) => {
          if (!controller.signal.aborted) controller.abort(new AbortError("a sibling failed"));
          throw err;
        }),
      );
    }
    return await Promise.all(runs);
  } finally {
    dispose();
  }
}
