import { type Clock, realClock } from "../core/clock.js";
import { OptionError } from "../core/errors.js";

/** Refuses a time limit that is not a positive number of milliseconds. */
export function checkTimeoutMs(what: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value === "number" && value > 0 && !Number.isNaN(value)) return;
  throw new OptionError("invalid_option", {
    where: "graph run",
    what,
    got: value,
    valid: ["a number of milliseconds > 0"],
  });
}

/**
 * Calls `onExpire` after `ms` unless the returned function is called first; calling it
 * clears the timer, so no timer outlives the work it guards. An infinite limit sets none.
 */
export function startDeadline(
  ms: number,
  onExpire: () => void,
  clock: Clock = realClock,
): () => void {
  if (ms === Number.POSITIVE_INFINITY) return () => {};
  const timer = clock.setTimeout(onExpire, ms);
  return () => clock.clearTimeout(timer);
}
