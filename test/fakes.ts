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
