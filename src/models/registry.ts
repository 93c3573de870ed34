import { OptionError } from "../core/errors.js";
import { RateLimiter } from "./limiter.js";
import { Model } from "./model.js";
import { AnthropicProvider } from "./providers/anthropic.js";
import { OpenAIProvider } from "./providers/openai.js";
import { SimulatedProvider } from "./providers/simulated.js";
import { retryPolicy } from "./retry.js";
import type { Provider, RateLimits, RetryPolicy } from "./types.js";

/** Limits and retries for one provider. */
export interface ProviderOptions {
  /** Shared by every model of the provider. */
  limits?: RateLimits;
  /** Per model name, on top of the provider's: `{ "gpt-4o": { requestsPerMinute: 500 } }`. */
  modelLimits?: Record<string, RateLimits>;
  retry?: Partial<RetryPolicy>;
}

interface Entry {
  readonly provider: Provider;
  readonly retry: RetryPolicy;
  limiter: RateLimiter | undefined;
  readonly modelLimiters: Map<string, RateLimiter>;
}

/**
 * Providers by name, and the models they serve by id (`provider:model`). Three names work
 * without registering: `sim` (always), `openai` (when OPENAI_API_KEY or OPENAI_BASE_URL is
 * set) and `anthropic` (when ANTHROPIC_API_KEY is set).
 *
 * @example
 * models.register("openai", new OpenAIProvider(), { limits: { maxConcurrency: 8, requestsPerMinute: 500 } });
 * models.get("openai:gpt-4o-mini").label; // "openai:gpt-4o-mini (openai-compatible at https://api.openai.com/v1)"
 */
export class ModelRegistry {
  private readonly entries = new Map<string, Entry>();
  private readonly cache = new Map<string, Model>();

  /** Adds or replaces a provider; models already handed out keep the old one. */
  register(name: string, provider: Provider, options: ProviderOptions = {}): this {
    if (!/^[\w.-]+$/.test(name)) {
      throw new OptionError("invalid_option", {
        where: "models.register()",
        what: "provider name",
        got: name,
        valid: ["letters, digits, '_', '-' or '.' (no ':')"],
      });
    }
    const entry: Entry = {
      provider,
      retry: retryPolicy(options.retry),
      limiter: options.limits ? new RateLimiter(options.limits, `${name} limits`) : undefined,
      modelLimiters: new Map(),
    };
    for (const [model, limits] of Object.entries(options.modelLimits ?? {})) {
      entry.modelLimiters.set(model, new RateLimiter(limits, `${name}:${model} limits`));
    }
    this.entries.set(name, entry);
    this.forget(name);
    return this;
  }

  /** Removes a provider; returns whether it was registered. */
  unregister(name: string): boolean {
    this.forget(name);
    return this.entries.delete(name);
  }

  /**
   * Sets limits for a provider (`"openai"`) or one of its models (`"openai:gpt-4o"`), replacing
   * earlier ones. Set them before calls start: calls in flight keep the old limiter.
   */
  setLimits(target: string, limits: RateLimits): void {
    const { provider, model } = splitId(target, false);
    const entry = this.entry(provider);
    const limiter = new RateLimiter(limits, `${target} limits`);
    if (model === undefined) entry.limiter = limiter;
    else entry.modelLimiters.set(model, limiter);
    this.forget(provider);
  }

  /** The model for an id such as `"openai:gpt-4o-mini"`; the same instance for the same id. */
  get(id: string): Model {
    const cached = this.cache.get(id);
    if (cached) return cached;
    const { provider, model } = splitId(id, true);
    const name = model ?? "";
    const entry = this.entry(provider);
    const limiters: RateLimiter[] = [];
    const own = entry.modelLimiters.get(name);
    if (own) limiters.push(own);
    if (entry.limiter) limiters.push(entry.limiter);
    const created = new Model(id, name, entry.provider, { retry: entry.retry, limiters });
    this.cache.set(id, created);
    return created;
  }

  /** Registered provider names (built-ins appear once used). */
  names(): string[] {
    return [...this.entries.keys()];
  }

  private entry(name: string): Entry {
    const found = this.entries.get(name);
    if (found) return found;
    const builtIn = builtInProvider(name);
    if (builtIn) {
      this.register(name, builtIn);
      return this.entries.get(name) as Entry;
    }
    const valid = [...new Set([...this.entries.keys(), ...availableBuiltIns()])];
    throw new OptionError("invalid_option", {
      where: "models",
      what: `unknown provider (${registerHint(name)})`,
      got: name,
      valid,
    });
  }

  private forget(provider: string): void {
    for (const id of this.cache.keys()) if (id.startsWith(`${provider}:`)) this.cache.delete(id);
  }
}

function splitId(
  id: string,
  requireModel: boolean,
): { provider: string; model: string | undefined } {
  const colon = id.indexOf(":");
  if (colon > 0 && colon < id.length - 1) {
    // Only the first colon separates: `ollama:llama3:8b` is model `llama3:8b` of `ollama`.
    return { provider: id.slice(0, colon), model: id.slice(colon + 1) };
  }
  if (!requireModel && colon < 0 && id.length > 0) return { provider: id, model: undefined };
  throw new OptionError("invalid_option", {
    where: "models",
    what: "model id",
    got: id,
    valid: ["provider:model, e.g. openai:gpt-4o-mini or sim:fast"],
  });
}

/** The providers that exist without registering, given the environment. */
function builtInProvider(name: string): Provider | undefined {
  if (name === "sim") {
    return new SimulatedProvider({
      modelLatency: { fast: { medianMs: 30, sigma: 0.25 }, slow: { medianMs: 300, sigma: 0.25 } },
    });
  }
  if (name === "openai" && hasOpenAIEnv()) return new OpenAIProvider();
  if (name === "anthropic" && process.env.ANTHROPIC_API_KEY) return new AnthropicProvider();
  return undefined;
}

function availableBuiltIns(): string[] {
  const names = ["sim"];
  if (hasOpenAIEnv()) names.push("openai");
  if (process.env.ANTHROPIC_API_KEY) names.push("anthropic");
  return names;
}

function hasOpenAIEnv(): boolean {
  return Boolean(process.env.OPENAI_API_KEY || process.env.OPENAI_BASE_URL);
}

function registerHint(name: string): string {
  if (name === "openai") return "set OPENAI_API_KEY or OPENAI_BASE_URL, or use models.register";
  if (name === "anthropic") return "set ANTHROPIC_API_KEY, or use models.register";
  return "use models.register";
}

/** The process-wide registry LLM operators resolve model ids in. */
export const models = new ModelRegistry();

/** A model id or a model; ids are looked up in `models` at call time. */
export type ModelRef = string | Model;

export function resolveModel(ref: ModelRef): Model {
  return typeof ref === "string" ? models.get(ref) : ref;
}

/**
 * The model examples and `npm start` use: `openai:<OPENAI_MODEL or gpt-4o-mini>` when
 * OPENAI_API_KEY or OPENAI_BASE_URL is set, otherwise `sim:fast`. Print `models.get(id).label`
 * to say which.
 */
export function defaultModelId(): string {
  if (hasOpenAIEnv()) return `openai:${process.env.OPENAI_MODEL || "gpt-4o-mini"}`;
  return "sim:fast";
}
