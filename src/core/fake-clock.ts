import type { Clock, TimerHandle } from "./clock.js";

interface Timer {
  readonly id: number;
  readonly due: number;
  readonly fn: () => void;
}

/** A timer chain longer than this inside one `runAll()` is taken to be endless. */
const MAX_RUN_ALL = 100_000;

/**
 * A clock that only moves when told to, for tests: time starts at `startMs` and advances
 * through `advance(ms)` or `runAll()`, which fire due timers in time order (ties in the order
 * they were set). Both are async: after each timer fires they let pending promise callbacks
 * run while the clock still reads that timer's time, so code that awaits a sleep and then
 * sets the next timer sees the time it would see for real.
 *
 * @example
 * const clock = new FakeClock();
 * const limiter = new RateLimiter({ requestsPerMinute: 1, windowMs: 100 }, "limits", clock);
 * await clock.advance(100); // the second request is granted at exactly 100 ms
 */
export class FakeClock implements Clock {
  private time: number;
  private nextId = 1;
  private readonly timers = new Map<number, Timer>();

  constructor(startMs = 0) {
    this.time = startMs;
  }

  now(): number {
    return this.time;
  }

  /** Timers set and neither fired nor cleared. */
  get pending(): number {
    return this.timers.size;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    const timer: Timer = { id: this.nextId++, due: this.time + delay, fn };
    this.timers.set(timer.id, timer);
    return timer.id;
  }

  clearTimeout(handle: TimerHandle): void {
    if (typeof handle === "number") this.timers.delete(handle);
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  async advance(ms: number): Promise<void> {
    if (!(Number.isFinite(ms) && ms >= 0)) {
      throw new RangeError(`FakeClock.advance: ms must be a finite number >= 0, got ${ms}`);
    }
    const target = this.time + ms;
    for (;;) {
      await settle();
      const next = this.earliest();
      if (!next || next.due > target) break;
      this.fire(next);
    }
    this.time = target;
    await settle();
  }

  /** Fires timers in time order until none is left (new ones included); returns how many fired. */
  async runAll(): Promise<number> {
    let fired = 0;
    for (;;) {
      await settle();
      const next = this.earliest();
      if (!next) return fired;
      if (++fired > MAX_RUN_ALL) {
        throw new Error(
          `FakeClock.runAll: more than ${MAX_RUN_ALL} timers; one reschedules itself`,
        );
      }
      this.fire(next);
    }
  }

  private earliest(): Timer | undefined {
    let best: Timer | undefined;
    for (const timer of this.timers.values()) {
      if (!best || timer.due < best.due) best = timer;
    }
    return best;
  }

  private fire(timer: Timer): void {
    this.timers.delete(timer.id);
    this.time = Math.max(this.time, timer.due);
    timer.fn();
  }
}

// One macrotask turn: every promise callback queued so far (and those they queue) runs first.
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
