import { abortableSleep } from "../../core/cancel.js";
import { OptionError } from "../../core/errors.js";
import { ProviderFailure } from "../errors.js";
import type { ChatRequest, ChatResponse, Provider, StreamChunk } from "../types.js";
import { hashString, logNormal, seededRandom } from "./seeded.js";
import { simulatedReply, simulatedToolCalls } from "./simulated-replies.js";

/** A fixed latency in ms, or a log-normal one given by its median and spread. */
export type Latency = number | { readonly medianMs: number; readonly sigma: number };

/** Faults the simulated provider injects, each with a probability per request. */
export interface SimulatedFaults {
  /** Share of requests answered 429. @default 0 */
  rateLimited?: number;
  /** The Retry-After sent with those 429s. @default 100 */
  retryAfterMs?: number;
  /** Share of requests answered 500. @default 0 */
  serverErrors?: number;
}

export interface SimulatedOptions {
  /** Same seed, same requests in the same order: same replies, latencies and faults. @default 0 */
  seed?: number;
  /** @default { medianMs: 100, sigma: 0.25 } */
  latency?: Latency;
  /** Latency per model name, e.g. `{ fast: 30, slow: { medianMs: 400, sigma: 0.3 } }`. */
  modelLatency?: Record<string, Latency>;
  faults?: SimulatedFaults;
  /** Replaces the built-in reply text; `sample` counts identical earlier requests. */
  reply?: (request: ChatRequest, sample: number) => string;
}

const CHARS_PER_TOKEN = 4;
/** Bounds the memory of sample counters in a long benchmark. */
const MAX_TRACKED_PROMPTS = 10_000;

/**
 * A provider that needs no network: the default for examples, `npm start` and benchmarks.
 * Replies are seeded. A call at temperature 0 always gets sample 0 (the same text for the
 * same request), while stochastic calls get the next sample of that request, so an ensemble
 * of five identical calls returns five different replies, and a rerun with the same seed the
 * same five. It labels itself "simulated" wherever a model is printed.
 *
 * @example
 * models.register("sim", new SimulatedProvider({ seed: 7, latency: { medianMs: 80, sigma: 0.3 } }));
 */
export class SimulatedProvider implements Provider {
  readonly label = "simulated";
  readonly simulated = true;
  /** Requests received, faults included. */
  requests = 0;
  private readonly seed: number;
  private readonly options: SimulatedOptions;
  private readonly samples = new Map<string, number>();

  constructor(options: SimulatedOptions = {}) {
    for (const key of ["rateLimited", "serverErrors"] as const) {
      const p = options.faults?.[key];
      if (p !== undefined && !(p >= 0 && p <= 1)) {
        throw new OptionError("invalid_option", {
          where: `SimulatedProvider faults.${key}`,
          what: "got",
          got: p,
          valid: ["a probability from 0 to 1"],
        });
      }
    }
    this.seed = options.seed ?? 0;
    this.options = options;
  }

  async complete(request: ChatRequest, { signal }: { signal: AbortSignal }): Promise<ChatResponse> {
    const planned = this.plan(request, signal);
    await abortableSleep(planned.latencyMs, signal);
    return planned.reply();
  }

  /**
   * The same reply as `complete`, in up to four text chunks: the first after half the
   * latency, the rest spread over the other half, so a streamed call takes no longer.
   */
  async *stream(
    request: ChatRequest,
    { signal }: { signal: AbortSignal },
  ): AsyncGenerator<StreamChunk> {
    const planned = this.plan(request, signal);
    const reply = planned.reply();
    const pieces = splitText(reply.text, STREAM_CHUNKS);
    const gap = planned.latencyMs / 2 / Math.max(1, pieces.length);
    await pause(planned.latencyMs / 2, signal);
    for (const [i, text] of pieces.entries()) {
      if (i > 0) await pause(gap, signal);
      yield { type: "text", text };
    }
    if (pieces.length <= 1) await pause(planned.latencyMs / 2, signal);
    for (const call of reply.toolCalls ?? []) yield { type: "tool_call", call };
    yield { type: "usage", usage: reply.usage };
  }

  /** Everything random about one request, drawn in the order `complete` always drew it. */
  private plan(
    request: ChatRequest,
    signal: AbortSignal,
  ): { latencyMs: number; reply: () => ChatResponse } {
    signal.throwIfAborted();
    const call = this.requests++;
    const callRandom = seededRandom(hashString(`call:${call}`, this.seed));
    this.injectFault(callRandom);
    const sample = this.nextSample(request);
    const random = seededRandom(
      hashString(`${request.model}\n${sample}\n${requestKey(request)}`, this.seed),
    );
    const latencyMs = this.latencyMs(request.model, callRandom);
    const reply = (): ChatResponse => {
      const toolCalls = simulatedToolCalls(request, sample, random);
      const text =
        toolCalls.length > 0
          ? ""
          : this.options.reply
            ? this.options.reply(request, sample)
            : simulatedReply(request, sample, random);
      let promptChars = 0;
      for (const m of request.messages) promptChars += m.content.length;
      return {
        text,
        usage: {
          promptTokens: Math.ceil(promptChars / CHARS_PER_TOKEN),
          completionTokens: Math.max(1, Math.ceil(text.length / CHARS_PER_TOKEN)),
        },
        ...(toolCalls.length > 0 ? { toolCalls } : {}),
      };
    };
    return { latencyMs, reply };
  }

  private injectFault(random: () => number): void {
    const faults = this.options.faults;
    if (!faults) return;
    if (random() < (faults.rateLimited ?? 0)) {
      const retryAfterMs = faults.retryAfterMs ?? 100;
      throw new ProviderFailure("simulated 429: rate limited", { status: 429, retryAfterMs });
    }
    if (random() < (faults.serverErrors ?? 0)) {
      throw new ProviderFailure("simulated 500: server error", { status: 500 });
    }
  }

  /** Temperature 0 is deterministic: always sample 0. Otherwise the nth identical request gets sample n. */
  private nextSample(request: ChatRequest): number {
    if (request.temperature === 0) return 0;
    const key = `${request.model}\n${request.temperature}\n${requestKey(request)}`;
    const sample = this.samples.get(key) ?? 0;
    if (this.samples.size >= MAX_TRACKED_PROMPTS) this.samples.clear();
    this.samples.set(key, sample + 1);
    return sample;
  }

  private latencyMs(model: string, random: () => number): number {
    const latency = this.options.modelLatency?.[model] ??
      this.options.latency ?? { medianMs: 100, sigma: 0.25 };
    if (typeof latency === "number") return latency;
    return logNormal(random, latency.medianMs, latency.sigma);
  }
}

function requestKey(request: ChatRequest): string {
  return JSON.stringify([request.messages, request.maxTokens, request.responseSchema?.name]);
}

const STREAM_CHUNKS = 4;

/** A sleep that adds no timer turn when there is nothing to wait for (latency 0 in tests). */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (ms > 0) return abortableSleep(ms, signal);
  signal.throwIfAborted();
  return Promise.resolve();
}

/** `text` in at most `n` pieces of about equal length (none for an empty text). */
function splitText(text: string, n: number): string[] {
  if (text === "") return [];
  const size = Math.ceil(text.length / n);
  const pieces: string[] = [];
  for (let at = 0; at < text.length; at += size) pieces.push(text.slice(at, at + size));
  return pieces;
}
