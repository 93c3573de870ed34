import { type CallContext, Operator } from "../src/index.js";
import type { Effects } from "../src/operator/effects.js";

/** Counts calls and concurrency of every FakeLeaf sharing it; no clocks in assertions. */
export class Probe {
  calls = 0;
  inFlight = 0;
  peakInFlight = 0;
  readonly log: string[] = [];
  readonly intervals: { name: string; start: number; end: number }[] = [];
  private tick = 0;

  enter(name: string): number {
    this.calls++;
    this.inFlight++;
    this.peakInFlight = Math.max(this.peakInFlight, this.inFlight);
    this.log.push(name);
    return this.tick++;
  }

  exit(name: string, start: number): void {
    this.inFlight--;
    this.intervals.push({ name, start, end: this.tick++ });
  }

  reset(): void {
    this.calls = 0;
    this.inFlight = 0;
    this.peakInFlight = 0;
    this.log.length = 0;
    this.intervals.length = 0;
  }
}

export const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });

export interface FakeLeafOptions<I, O> {
  probe: Probe;
  name?: string;
  delayMs?: number;
  effects?: Effects;
  fn: (input: I, sample: number) => O;
}

/** An async leaf operator (a stand-in for an LLM call) that reports to a Probe. */
export class FakeLeaf<I, O> extends Operator<I, O> {
  override effects: Effects;
  private readonly probe: Probe;
  private readonly delayMs: number;
  private readonly fn: (input: I, sample: number) => O;
  private samples = 0;

  constructor(options: FakeLeafOptions<I, O>) {
    super();
    this.name = options.name ?? "fake";
    this.effects = options.effects ?? "pure";
    this.probe = options.probe;
    this.delayMs = options.delayMs ?? 5;
    this.fn = options.fn;
  }

  async forward(input: I, ctx: CallContext): Promise<O> {
    const start = this.probe.enter(this.name);
    try {
      await sleep(this.delayMs, ctx.signal);
      return this.fn(input, this.samples++);
    } finally {
      this.probe.exit(this.name, start);
    }
  }
}

/** The error a promise rejects with; fails the test if it resolves instead. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error("expected a rejection, but the promise resolved");
}

/** A leaf that never settles on its own: it waits for its signal, records why, and rejects. */
export class HangingLeaf extends Operator<unknown, never> {
  override effects: Effects = "effectful";
  abortReason: unknown = undefined;
  started = 0;

  constructor(name = "hang") {
    super();
    this.name = name;
  }

  forward(_input: unknown, ctx: CallContext): Promise<never> {
    this.started++;
    return new Promise<never>((_, reject) => {
      const onAbort = () => {
        this.abortReason = ctx.signal.reason;
        reject(ctx.signal.reason);
      };
      if (ctx.signal.aborted) onAbort();
      else ctx.signal.addEventListener("abort", onAbort, { once: true });
    });
  }
}

/** A leaf that throws `error` after `delayMs` (abortable), counting its calls. */
export class FailingLeaf extends Operator<unknown, never> {
  override effects: Effects = "effectful";
  calls = 0;

  constructor(
    readonly error: unknown,
    readonly delayMs = 0,
    name = "fail",
  ) {
    super();
    this.name = name;
  }

  async forward(_input: unknown, ctx: CallContext): Promise<never> {
    this.calls++;
    if (this.delayMs > 0) await sleep(this.delayMs, ctx.signal);
    throw this.error;
  }
}

/** A composite that calls all its members on the same input at once (an Ensemble stand-in). */
export class FanOut extends Operator<unknown, unknown[]> {
  override effects: Effects = "pure";
  readonly members: Operator<unknown, unknown>[];

  constructor(members: Operator<unknown, unknown>[], name = "fan_out") {
    super();
    this.name = name;
    this.members = members;
  }

  forward(input: unknown): Promise<unknown[]> {
    return Promise.all(this.members.map((member) => member(input)));
  }
}
