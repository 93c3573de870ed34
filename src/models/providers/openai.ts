import type { ClientOptions, OpenAI } from "openai";
import type { ChatCompletionCreateParamsNonStreaming } from "openai/resources/chat/completions";
import { ProviderFailure, redact, sanitizeCause } from "../errors.js";
import { parseRetryAfter } from "../retry.js";
import type { ChatRequest, ChatResponse, Provider } from "../types.js";
import { describeUrl } from "./url.js";

export interface OpenAIProviderOptions {
  /** @default process.env.OPENAI_API_KEY; local servers that need none get a placeholder */
  apiKey?: string;
  /** Any OpenAI-compatible server: vLLM, llama.cpp, Ollama (`http://localhost:11434/v1`). @default process.env.OPENAI_BASE_URL, else OpenAI */
  baseURL?: string;
  /** Per-request timeout; a timeout counts as a network failure and is retried. @default 600000 */
  timeoutMs?: number;
  /**
   * `max_tokens` works on every compatible server; OpenAI's reasoning models want
   * `max_completion_tokens`. @default "max_tokens"
   */
  maxTokensField?: "max_tokens" | "max_completion_tokens";
  /**
   * `"json_schema"` sends the schema as `response_format` (OpenAI, vLLM, llama.cpp, Ollama);
   * `"prompt"` relies on the instruction in the prompt alone, for servers without it.
   * @default "json_schema"
   */
  structuredOutput?: "json_schema" | "prompt";
}

const OPENAI_URL = "https://api.openai.com/v1";

type Sdk = typeof import("openai");
let sdk: Promise<Sdk> | undefined;

/** The SDK loads on the first request, so programs on the simulated provider never pay for it. */
function loadSdk(): Promise<Sdk> {
  sdk ??= import("openai");
  return sdk;
}
/** Sent to local servers that ignore authentication; the SDK refuses an empty key. */
const NO_KEY = "no-key";

/**
 * Chat completions on the official `openai` SDK, against OpenAI or any compatible server.
 * The SDK's own retries are off (`maxRetries: 0`) so that `Model` counts every attempt, and
 * its logger is off so that nothing it prints can carry a header.
 *
 * @example
 * models.register("local", new OpenAIProvider({ baseURL: "http://localhost:11434/v1" }));
 * new LLMOperator({ model: "local:llama3.2", prompt: "{question}" });
 */
export class OpenAIProvider implements Provider {
  readonly label: string;
  readonly simulated = false;
  // True private fields: util.inspect and JSON.stringify never show them, so the key stays out of logs.
  readonly #clientOptions: ClientOptions;
  #client: OpenAI | undefined;
  readonly #secrets: string[];
  readonly #maxTokensField: "max_tokens" | "max_completion_tokens";
  readonly #structured: "json_schema" | "prompt";

  constructor(options: OpenAIProviderOptions = {}) {
    const apiKey = options.apiKey ?? process.env.OPENAI_API_KEY ?? NO_KEY;
    const baseURL = options.baseURL ?? process.env.OPENAI_BASE_URL ?? OPENAI_URL;
    this.#clientOptions = {
      apiKey,
      baseURL,
      maxRetries: 0,
      timeout: options.timeoutMs ?? 600_000,
      logLevel: "off",
    };
    this.#secrets = apiKey === NO_KEY ? [] : [apiKey];
    this.#maxTokensField = options.maxTokensField ?? "max_tokens";
    this.#structured = options.structuredOutput ?? "json_schema";
    this.label = `openai-compatible at ${describeUrl(baseURL)}`;
  }

  async complete(request: ChatRequest, { signal }: { signal: AbortSignal }): Promise<ChatResponse> {
    const body: ChatCompletionCreateParamsNonStreaming = {
      model: request.model,
      messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
    };
    if (request.temperature !== undefined) body.temperature = request.temperature;
    if (request.maxTokens !== undefined) body[this.#maxTokensField] = request.maxTokens;
    if (request.responseSchema && this.#structured === "json_schema") {
      body.response_format = {
        type: "json_schema",
        json_schema: { name: request.responseSchema.name, schema: request.responseSchema.schema },
      };
    }
    const lib = await loadSdk();
    this.#client ??= new lib.OpenAI(this.#clientOptions);
    try {
      const completion = await this.#client.chat.completions.create(body, { signal });
      return {
        text: completion.choices[0]?.message.content ?? "",
        usage: {
          promptTokens: completion.usage?.prompt_tokens ?? 0,
          completionTokens: completion.usage?.completion_tokens ?? 0,
        },
      };
    } catch (err) {
      throw this.failure(lib, err, signal);
    }
  }

  /** Maps an SDK error to what retries understand, with the key removed from every message. */
  private failure(lib: Sdk, err: unknown, signal: AbortSignal): unknown {
    const { APIConnectionError, APIError, APIUserAbortError } = lib;
    if (signal.aborted) return signal.reason;
    if (err instanceof APIUserAbortError) return err;
    const cause = sanitizeCause(err, this.#secrets);
    const message = redact(err instanceof Error ? err.message : String(err), this.#secrets);
    // APIConnectionError (timeouts included) has no status: a network failure, retried.
    if (err instanceof APIConnectionError) return new ProviderFailure(message, { cause });
    if (err instanceof APIError && err.status !== undefined) {
      const retryAfterMs = parseRetryAfter(err.headers);
      // The SDK starts its message with the status, which ProviderError already states.
      const detail = message.replace(/^\d{3} /, "");
      return new ProviderFailure(detail, { status: err.status, retryAfterMs, cause });
    }
    // Anything else (a bad option, a bug) is not a transient failure: not retried.
    return cause;
  }
}
