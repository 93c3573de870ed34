import { createHash } from "node:crypto";
import { activeCacheStore, cacheGeneration } from "../core/cache-setting.js";
import type { ChatResponse, ModelRequest } from "./types.js";

/**
 * Where model replies are kept for re-runs and for record/replay tests. Off by default;
 * `configure({ cache: dir })` turns on the on-disk one (src/datasets/disk-cache.ts), and
 * `configure({ cache: store })` any object with these two methods.
 */
export interface ResponseCache {
  get(key: string): Promise<ChatResponse | undefined>;
  set(key: string, value: ChatResponse): Promise<void>;
}

/** Omitted temperature means the provider's default, which samples: only 0 is deterministic. */
export function isStochastic(request: ModelRequest): boolean {
  return request.temperature !== 0;
}

/** JSON with object keys sorted at every level, so equal requests always hash alike. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/**
 * The key of one request: a hash of everything that shapes the reply (model id, messages,
 * temperature, maxTokens, responseSchema) and, for stochastic requests, which sample it is.
 */
export function requestKey(modelId: string, request: ModelRequest, sample?: number): string {
  const whole = canonical({
    model: modelId,
    messages: request.messages,
    temperature: request.temperature ?? null,
    maxTokens: request.maxTokens ?? null,
    responseSchema: request.responseSchema ?? null,
  });
  const digest = createHash("sha256").update(whole).digest("hex");
  return sample === undefined ? `ember-xcs:v1:${digest}` : `ember-xcs:v1:${digest}#${sample}`;
}

// The k-th identical stochastic request of a run is sample k: five identical calls of an
// ensemble are five entries, replayed as the same five. A run is everything since the cache
// setting last changed (a CLI run, a test, a process).
let samples = new Map<string, number>();
let samplesGeneration = -1;

function nextSample(baseKey: string): number {
  if (samplesGeneration !== cacheGeneration()) {
    samples = new Map();
    samplesGeneration = cacheGeneration();
  }
  const k = samples.get(baseKey) ?? 0;
  samples.set(baseKey, k + 1);
  return k;
}

/** One request's place in the cache: look it up, and store its reply once it succeeds. */
export interface CacheEntry {
  readonly key: string;
  get(): Promise<ChatResponse | undefined>;
  set(reply: ChatResponse): Promise<void>;
}

/** The entry for a request, or undefined when the cache is off. */
export function responseCacheEntry(modelId: string, request: ModelRequest): CacheEntry | undefined {
  const store = activeCacheStore() as ResponseCache | undefined;
  if (!store) return undefined;
  const base = requestKey(modelId, request);
  const key = isStochastic(request) ? `${base}#${nextSample(base)}` : base;
  return {
    key,
    get: async () => {
      try {
        const hit = await store.get(key);
        return isChatResponse(hit) ? hit : undefined;
      } catch (err) {
        // An unreadable cache is a miss: the request is sent as if the cache were off.
        warn(`could not read ${key}`, err);
        return undefined;
      }
    },
    set: async (reply) => {
      try {
        await store.set(key, { text: reply.text, usage: reply.usage });
      } catch (err) {
        // A cache that cannot be written (a full disk) costs a re-run, never the reply in hand.
        warn(`could not store ${key}`, err);
      }
    },
  };
}

function isChatResponse(value: unknown): value is ChatResponse {
  if (value === null || typeof value !== "object") return false;
  const r = value as {
    text?: unknown;
    usage?: { promptTokens?: unknown; completionTokens?: unknown };
  };
  return (
    typeof r.text === "string" &&
    typeof r.usage?.promptTokens === "number" &&
    typeof r.usage.completionTokens === "number"
  );
}

function warn(what: string, err: unknown): void {
  process.emitWarning(
    `response cache: ${what}: ${err instanceof Error ? err.message : String(err)}`,
  );
}
