/**
 * The one simulated LLM every contender calls. It deliberately imports nothing from
 * ember-xcs or any peer: all contenders run the same code for the "model", so differences
 * in the tables come from orchestration alone.
 *
 * - latency: fixed, or log-normal seeded by (model seed, prompt, sample index), rounded to
 *   whole milliseconds because Node timers have millisecond resolution;
 * - output: a seeded function of (model, prompt, sample index): the same call always gets
 *   the same text, so results can be compared across contenders and runs;
 * - a shared meter counts calls and the peak number in flight, and keeps start/end times.
 */
import { hash53, normalOf } from "./random.js";

export type Latency = { fixedMs: number } | { medianMs: number; sigma: number };

export interface SimOptions {
  /** Part of every output, so two models never answer alike. */
  name: string;
  latency: Latency;
  /** @default 1 */
  seed?: number;
}

/** One finished call, times from `performance.now()`. */
export interface CallRecord {
  startMs: number;
  endMs: number;
  nominalMs: number;
}

/** Counts every call of every model sharing it. Reset between measured runs. */
export class SimMeter {
  calls = 0;
  inFlight = 0;
  peakInFlight = 0;
  readonly records: CallRecord[] = [];

  begin(): number {
    this.calls++;
    this.inFlight++;
    if (this.inFlight > this.peakInFlight) this.peakInFlight = this.inFlight;
    return performance.now();
  }

  end(startMs: number, nominalMs: number): void {
    this.inFlight--;
    this.records.push({ startMs, endMs: performance.now(), nominalMs });
  }

  /** How much later than asked the calls ended, on average: the timer's share of any loss. */
  meanLatenessMs(): number {
    if (this.records.length === 0) return 0;
    let sum = 0;
    for (const r of this.records) sum += r.endMs - r.startMs - r.nominalMs;
    return sum / this.records.length;
  }

  reset(): void {
    this.calls = 0;
    this.inFlight = 0;
    this.peakInFlight = 0;
    this.records.length = 0;
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class SimLLM {
  readonly name: string;
  private readonly latency: Latency;
  private readonly seed: number;

  constructor(
    options: SimOptions,
    private readonly meter: SimMeter,
  ) {
    this.name = options.name;
    this.latency = options.latency;
    this.seed = options.seed ?? 1;
  }

  /** The latency of one call, in whole ms; what the bounds are computed from. */
  latencyFor(prompt: string, sample = 0): number {
    if ("fixedMs" in this.latency) return this.latency.fixedMs;
    const { medianMs, sigma } = this.latency;
    const z = normalOf(`${this.name}\u0000${sample}\u0000${prompt}`, this.seed);
    return Math.max(1, Math.round(medianMs * Math.exp(sigma * z)));
  }

  /** The text one call returns; pure, so references need no clock. */
  outputFor(prompt: string, sample = 0): string {
    const h = hash53(`${this.name}\u0000${sample}\u0000${prompt}`, this.seed + 7);
    return `${this.name}:${h.toString(36).padStart(11, "0")}`;
  }

  /** One model call. Latency 0 still resolves asynchronously (one microtask), never inline. */
  async complete(prompt: string, sample = 0): Promise<string> {
    const nominalMs = this.latencyFor(prompt, sample);
    const startMs = this.meter.begin();
    try {
      if (nominalMs > 0) await sleep(nominalMs);
      else await Promise.resolve();
      return this.outputFor(prompt, sample);
    } finally {
      this.meter.end(startMs, nominalMs);
    }
  }
}
