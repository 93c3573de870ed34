import cliProgress from "cli-progress";
import type { Budget } from "../core/budget.js";
import type { CallObserver } from "../operator/observer.js";

/** What a run has done so far, fed by the observer hook and the run loop. */
export class RunMeter {
  ok = 0;
  failed = 0;
  skipped = 0;
  operatorCalls = 0;
  modelCalls = 0;
  cachedCalls = 0;
  tokens = 0;
  costUsd = 0;
  readonly startedAt = performance.now();

  constructor(
    readonly budget: Budget,
    /** Lines of the input (for ETA), when known. */
    readonly total: number | undefined,
  ) {}

  get done(): number {
    return this.ok + this.failed + this.skipped;
  }

  /** Counts every operator call and every model request's usage inside the run. */
  observer(): CallObserver {
    return {
      callStarted: (call) => {
        // A jitted operator's own call stands in for the original's, which is counted.
        if (!call.jitted) this.operatorCalls++;
      },
      usage: (_call, usage) => {
        this.modelCalls++;
        if (usage.cached) this.cachedCalls++;
        this.tokens += usage.promptTokens + usage.completionTokens;
        this.costUsd += usage.costUsd;
      },
    };
  }

  elapsedS(): number {
    return (performance.now() - this.startedAt) / 1000;
  }

  /** One plain line: for logs and for stderr when it is not a terminal. */
  line(): string {
    const total = this.total === undefined ? "" : `/${this.total}`;
    return [
      `${this.done}${total} items (${this.failed} failed)`,
      `${this.budget.inFlight} calls in flight`,
      `${this.tokens} tokens`,
      `$${this.costUsd.toFixed(4)}`,
      `${this.elapsedS().toFixed(1)} s`,
    ].join(" · ");
  }

  summary(wrote: number): string {
    const parts = [
      `${this.ok} ok`,
      `${this.failed} failed`,
      ...(this.skipped > 0 ? [`${this.skipped} skipped (already in the output)`] : []),
      `${wrote} lines written`,
      `${this.operatorCalls} operator calls`,
      `${this.modelCalls} model calls${this.cachedCalls > 0 ? ` (${this.cachedCalls} from the cache)` : ""}`,
      `${this.tokens} tokens`,
      `$${this.costUsd.toFixed(6)}`,
      `${this.elapsedS().toFixed(2)} s`,
      `peak ${this.budget.peakInFlight} in flight`,
      `max RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`,
    ];
    return `ember-xcs run: ${parts.join(" · ")}`;
  }
}

/** A display on stderr: a live bar on a terminal, plain periodic lines otherwise, or nothing. */
export interface ProgressDisplay {
  stop(): void;
}

export function startProgress(
  meter: RunMeter,
  options: { enabled: boolean; intervalMs: number },
): ProgressDisplay {
  if (!options.enabled) return { stop: () => {} };
  if (process.stderr.isTTY) return startBar(meter);
  const timer = setInterval(
    () => process.stderr.write(`progress: ${meter.line()}\n`),
    options.intervalMs,
  );
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

function startBar(meter: RunMeter): ProgressDisplay {
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format:
        "{bar} {value}/{total} items | {failed} failed | {inflight} in flight | {tokens} tokens | {cost} | ETA {eta_formatted}",
      hideCursor: true,
      etaBuffer: 200,
    },
    cliProgress.Presets.shades_classic,
  );
  const values = () => ({
    failed: meter.failed,
    inflight: meter.budget.inFlight,
    tokens: meter.tokens,
    cost: `$${meter.costUsd.toFixed(4)}`,
  });
  bar.start(meter.total ?? 0, 0, values());
  const timer = setInterval(() => {
    if (meter.total === undefined) bar.setTotal(meter.done);
    bar.update(meter.done, values());
  }, 100);
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      bar.update(meter.done, values());
      bar.stop();
    },
  };
}
