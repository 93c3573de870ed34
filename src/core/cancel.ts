import { setMaxListeners } from "node:events";
import { type Clock, realClock } from "./clock.js";
import { AbortError } from "./errors.js";

/**
 * An AbortController that also aborts when `parent` does. `dispose()` removes the listener
 * from the parent so that long-lived signals do not accumulate listeners run after run.
 */
export function linkedController(parent: AbortSignal | undefined): {
  controller: AbortController;
  dispose: () => void;
} {
  const controller = new AbortController();
  // Every node, member and started call of a run links to the run's signal: more than
  // Node's default of 10 listeners is the design, not a leak (each is removed on dispose).
  setMaxListeners(0, controller.signal);
  if (!parent) return { controller, dispose: () => {} };
  if (parent.aborted) {
    controller.abort(parent.reason);
    return { controller, dispose: () => {} };
  }
  const onAbort = () => controller.abort(parent.reason);
  parent.addEventListener("abort", onAbort, { once: true });
  return { controller, dispose: () => parent.removeEventListener("abort", onAbort) };
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
