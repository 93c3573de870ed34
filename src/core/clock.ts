/**
 * Time as the library reads it. Everything that waits or measures a wait (sleeps, rate
 * limits, retries, deadlines) takes a `Clock`, so tests can run it on a `FakeClock` and
 * assert exact times instead of measuring wall time.
 */

/** What `Clock.setTimeout` returns; only its own clock's `clearTimeout` understands it. */
export type TimerHandle = unknown;

export interface Clock {
  /** Milliseconds on a monotonic scale (differences matter, not the origin). */
  now(): number;
  /** Calls `fn` once, `ms` from now. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Cancels a timer that has not fired yet; a fired or unknown handle is ignored. */
  clearTimeout(handle: TimerHandle): void;
}

/** The process's clock: `performance.now()` and the global timers. */
export const realClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** True for anything shaped like a `Clock`, so a bad `clock` option fails where it is given. */
export function isClock(value: unknown): value is Clock {
  if (typeof value !== "object" || value === null) return false;
  const c = value as Partial<Record<keyof Clock, unknown>>;
  return (
    typeof c.now === "function" &&
    typeof c.setTimeout === "function" &&
    typeof c.clearTimeout === "function"
  );
}
