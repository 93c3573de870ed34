import {
  type Attributes,
  type Context,
  context,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import type {
  CallInfo,
  CallObserver,
  CallOutcome,
  SpeculationInfo,
  UsageReport,
} from "../operator/observer.js";
import { SpeculationLinks } from "./speculation-links.js";

export interface OtelObserverOptions {
  /** @default trace.getTracer("ember-xcs") from the globally registered provider */
  tracer?: Tracer;
  /**
   * The parent of each root call's span (an incoming request's span, say).
   * @default context.active() when the observer is made (the root context if none)
   */
  parentContext?: Context;
}

/** A run: the root call's span and the speculation counts it carries. */
interface RunSpan {
  readonly span: Span;
  open: boolean;
  speculated: number;
  claimed: number;
  wasted: number;
}

interface OpenCall {
  readonly span: Span;
  readonly context: Context;
  readonly run: RunSpan;
  speculative: boolean;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

/**
 * An observer that turns operator calls into OpenTelemetry spans through `@opentelemetry/api`
 * (your app brings the SDK and exporter). Each root call is a run span; every call under it is
 * a child of its caller's span. Parents are passed as explicit contexts, so the tree is right
 * with or without a context manager registered. Model usage lands on the call that made the
 * request as GenAI attributes; the JIT's early starts as `ember.speculated/claimed/wasted`.
 * Every span ends when its call does, failed or aborted ones included.
 *
 * @example
 * const spans = new OtelObserver({ tracer: provider.getTracer("my-app") });
 * await withObserver(spans, () => pipeline(input));
 */
export class OtelObserver implements CallObserver {
  private readonly tracer: Tracer;
  private readonly parentContext: Context;
  private readonly open = new Map<number, OpenCall>();
  private readonly waits = new Map<number, number>();
  private readonly links = new SpeculationLinks<{ run: RunSpan | undefined }>();

  constructor(options: OtelObserverOptions = {}) {
    this.tracer = options.tracer ?? trace.getTracer("ember-xcs");
    this.parentContext = options.parentContext ?? context.active();
  }

  /** Spans started and not yet ended (0 once every observed call has finished). */
  get openSpans(): number {
    return this.open.size;
  }

  waited(call: CallInfo, ms: number): void {
    this.waits.set(call.id, ms);
  }

  callStarted(call: CallInfo, at: number): void {
    const parent = call.parentId === undefined ? undefined : this.open.get(call.parentId);
    const parentContext = parent?.context ?? this.parentContext;
    const attributes: Attributes = {
      "ember.name": call.name,
      "ember.path": call.path,
      "ember.effects": call.effects,
      "ember.leaf": call.leaf,
      "ember.call_id": call.id,
    };
    const waitMs = this.waits.get(call.id);
    if (waitMs !== undefined) {
      this.waits.delete(call.id);
      attributes["ember.wait_ms"] = waitMs;
    }
    if (!parent) attributes["ember.run"] = true;
    const span = this.tracer.startSpan(
      call.name,
      { kind: SpanKind.INTERNAL, startTime: epochMs(at), attributes },
      parentContext,
    );
    const run: RunSpan = parent?.run ?? { span, open: true, speculated: 0, claimed: 0, wasted: 0 };
    const entry: OpenCall = {
      span,
      context: trace.setSpan(parentContext, span),
      run,
      speculative: false,
      inputTokens: 0,
      outputTokens: 0,
      costUsd: 0,
    };
    this.open.set(call.id, entry);
    const link = this.links.started(call);
    if (link) {
      entry.speculative = true;
      span.setAttributes({ "ember.speculated": true, "ember.speculation.site": link.spec.site });
      link.data.run = run;
      this.count(run, "speculated");
    }
  }

  callFinished(call: CallInfo, at: number, outcome: CallOutcome): void {
    const entry = this.open.get(call.id);
    if (!entry) return;
    this.open.delete(call.id);
    const { span } = entry;
    if (!outcome.ok) {
      const error = outcome.error;
      // An early call the JIT aborts because nobody claimed it is wasted, not failed.
      if (entry.speculative && isAbort(error)) span.setAttribute("ember.aborted", true);
      else {
        span.recordException(error instanceof Error ? error : String(error), epochMs(at));
        span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) });
      }
    }
    if (entry.run.span === span) entry.run.open = false;
    span.end(epochMs(at));
  }

  usage(call: CallInfo | undefined, usage: UsageReport): void {
    const entry = call ? this.open.get(call.id) : undefined;
    if (!entry) return;
    entry.inputTokens += usage.promptTokens;
    entry.outputTokens += usage.completionTokens;
    entry.costUsd += usage.costUsd;
    const provider = usage.model.includes(":")
      ? usage.model.slice(0, usage.model.indexOf(":"))
      : "";
    const attributes: Attributes = {
      "gen_ai.operation.name": "chat",
      "gen_ai.request.model": modelName(usage.model),
      "gen_ai.usage.input_tokens": entry.inputTokens,
      "gen_ai.usage.output_tokens": entry.outputTokens,
      "ember.model": usage.model,
      "ember.cost_usd": entry.costUsd,
      "ember.simulated": usage.simulated,
    };
    if (provider) attributes["gen_ai.provider.name"] = provider;
    entry.span.setAttributes(attributes);
    entry.span.addEvent("gen_ai.request", {
      "gen_ai.request.model": modelName(usage.model),
      "gen_ai.usage.input_tokens": usage.promptTokens,
      "gen_ai.usage.output_tokens": usage.completionTokens,
      "ember.ok": usage.ok,
    });
  }

  speculated(spec: SpeculationInfo, _at: number): void {
    this.links.speculated(spec, { run: undefined });
  }

  claimed(spec: SpeculationInfo, at: number): void {
    this.resolve(spec, at, "claimed");
  }

  wasted(spec: SpeculationInfo, at: number): void {
    this.resolve(spec, at, "wasted");
  }

  /**
   * Ends every span still open, marked `ember.unfinished`: for a process that stops observing
   * while calls it will never see finish are in flight. Calls always report their end, so a
   * run that settled leaves nothing to end.
   */
  endAll(at = performance.now()): void {
    for (const [id, entry] of this.open) {
      this.open.delete(id);
      entry.span.setAttribute("ember.unfinished", true);
      entry.span.end(epochMs(at));
    }
  }

  private resolve(spec: SpeculationInfo, at: number, outcome: "claimed" | "wasted"): void {
    const link = this.links.resolve(spec);
    if (!link) return;
    const call = link.callId === undefined ? undefined : this.open.get(link.callId);
    call?.span.setAttribute(`ember.${outcome}`, true);
    call?.span.addEvent(`ember.${outcome}`, epochMs(at));
    if (link.data.run) this.count(link.data.run, outcome);
  }

  private count(run: RunSpan, what: "speculated" | "claimed" | "wasted"): void {
    run[what]++;
    if (run.open) run.span.setAttribute(`ember.${what}_calls`, run[what]);
  }
}

/** Observer times are `performance.now()`; spans take milliseconds since the epoch. */
function epochMs(at: number): number {
  return performance.timeOrigin + at;
}

/** `openai:gpt-4o-mini` → `gpt-4o-mini`: GenAI's model attribute holds the provider's name. */
function modelName(id: string): string {
  const colon = id.indexOf(":");
  return colon >= 0 ? id.slice(colon + 1) : id;
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && error.name === "AbortError";
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
