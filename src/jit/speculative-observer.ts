import {
  type CallInfo,
  type CallObserver,
  type CallOutcome,
  EVENTS,
  type SpeculationInfo,
  type UsageReport,
} from "../operator/observer.js";

type Held = (to: CallObserver) => void;

/** Tokens and cost of a started call nobody claimed. */
export interface WastedUsage {
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
}

/**
 * The observer a call started early runs under. Until `forward` claims the call, nothing it
 * does is anyone's: its events are held. A claim replays them in order and lets later ones
 * through as they happen (so tokens still stream, no later than eager would have sent them);
 * a waste drops them — a stream never shows a call eager execution never made — and reports
 * the call as wasted, with the tokens and cost it used, apart from failures.
 */
export class SpeculativeObserver implements CallObserver {
  readonly callEvents: false | undefined;
  private held: Held[] | undefined = [];
  private wastedAt: number | undefined;
  private readonly usageSoFar: WastedUsage = { promptTokens: 0, completionTokens: 0, costUsd: 0 };

  constructor(
    private readonly outer: CallObserver,
    private readonly spec: SpeculationInfo,
  ) {
    this.callEvents = outer.callEvents === false ? false : undefined;
    // Listen only where the observer outside listens: an LLM call streams only when someone
    // wants its tokens, and a gate must not make it think someone does.
    for (const key of EVENTS) {
      if (!outer[key]) Object.defineProperty(this, key, { value: undefined });
    }
  }

  /** `forward` took the call: what was held happens now, the rest as it comes. */
  claim(): void {
    const held = this.held;
    this.held = undefined;
    if (held) for (const replay of held) replay(this.outer);
  }

  /** Nobody will take the call: drop what was held and say what it cost. */
  waste(at: number): void {
    if (this.held === undefined || this.wastedAt !== undefined) return;
    this.held = [];
    this.wastedAt = at;
    this.outer.wasted?.({ ...this.spec, usage: { ...this.usageSoFar } }, at);
  }

  private pass(event: Held): void {
    if (this.wastedAt !== undefined) return;
    if (this.held) this.held.push(event);
    else event(this.outer);
  }

  callStarted(call: CallInfo, at: number): void {
    this.pass((o) => o.callStarted?.(call, at));
  }
  callFinished(call: CallInfo, at: number, outcome: CallOutcome): void {
    this.pass((o) => o.callFinished?.(call, at, outcome));
  }
  waited(call: CallInfo, ms: number): void {
    this.pass((o) => o.waited?.(call, ms));
  }
  usage(call: CallInfo | undefined, usage: UsageReport): void {
    if (this.wastedAt !== undefined || this.held) {
      this.usageSoFar.promptTokens += usage.promptTokens;
      this.usageSoFar.completionTokens += usage.completionTokens;
      this.usageSoFar.costUsd += usage.costUsd;
    }
    this.pass((o) => o.usage?.(call, usage));
  }
  token(call: CallInfo | undefined, text: string): void {
    this.pass((o) => o.token?.(call, text));
  }
  speculated(spec: SpeculationInfo, at: number): void {
    this.pass((o) => o.speculated?.(spec, at));
  }
  claimed(spec: SpeculationInfo, at: number): void {
    this.pass((o) => o.claimed?.(spec, at));
  }
  wasted(spec: SpeculationInfo, at: number): void {
    this.pass((o) => o.wasted?.(spec, at));
  }
}
