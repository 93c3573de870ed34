import { ProviderFailure, redact, sanitizeCause } from "../errors.js";
import { parseRetryAfter } from "../retry.js";
import type { ChatRequest, ChatResponse, Provider } from "../types.js";
import { describeUrl } from "./url.js";

export interface AnthropicProviderOptions {
  /** @default process.env.ANTHROPIC_API_KEY */
  apiKey?: string;
  /** @default "https://api.anthropic.com" */
  baseURL?: string;
  /** The `anthropic-version` header. @default "2023-06-01" */
  version?: string;
  /** The Messages API requires `max_tokens`; used when a request sets none. @default 1024 */
  defaultMaxTokens?: number;
}

interface MessagesReply {
  content?: { type: string; text?: string }[];
  usage?: { input_tokens?: number; output_tokens?: number };
}

const ERROR_BODY_CHARS = 500;

/**
 * Anthropic's Messages API over plain `fetch`. System messages become the top-level `system`
 * field; structured output relies on the JSON instruction the LLM operator puts in the prompt.
 *
 * @example
 * models.register("anthropic", new AnthropicProvider({ apiKey: process.env.ANTHROPIC_API_KEY }));
 * new LLMOperator({ model: "anthropic:claude-3-5-haiku-latest", prompt: "{question}" });
 */
export class AnthropicProvider implements Provider {
  readonly label: string;
  readonly simulated = false;
  readonly #apiKey: string;
  readonly #endpoint: string;
  readonly #version: string;
  readonly #defaultMaxTokens: number;

  constructor(options: AnthropicProviderOptions = {}) {
    this.#apiKey = options.apiKey ?? process.env.ANTHROPIC_API_KEY ?? "";
    const baseURL = (options.baseURL ?? "https://api.anthropic.com").replace(/\/$/, "");
    this.#endpoint = `${baseURL}/v1/messages`;
    this.#version = options.version ?? "2023-06-01";
    this.#defaultMaxTokens = options.defaultMaxTokens ?? 1024;
    this.label = `anthropic at ${describeUrl(baseURL)}`;
  }

  async complete(request: ChatRequest, { signal }: { signal: AbortSignal }): Promise<ChatResponse> {
    const system = request.messages.filter((m) => m.role === "system").map((m) => m.content);
    const body: Record<string, unknown> = {
      model: request.model,
      max_tokens: request.maxTokens ?? this.#defaultMaxTokens,
      messages: request.messages
        .filter((m) => m.role !== "system")
        .map((m) => ({ role: m.role, content: m.content })),
    };
    if (system.length > 0) body.system = system.join("\n\n");
    if (request.temperature !== undefined) body.temperature = request.temperature;
    let response: Response;
    let text: string;
    try {
      response = await fetch(this.#endpoint, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-api-key": this.#apiKey,
          "anthropic-version": this.#version,
        },
        body: JSON.stringify(body),
        signal,
      });
      text = await response.text();
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      // No response at all: a network failure, which retries treat as transient.
      const message = redact(err instanceof Error ? err.message : String(err), this.secrets());
      throw new ProviderFailure(`network error: ${message}`, {
        cause: sanitizeCause(err, this.secrets()),
      });
    }
    if (!response.ok) {
      throw new ProviderFailure(redact(errorMessage(text), this.secrets()), {
        status: response.status,
        retryAfterMs: parseRetryAfter(response.headers),
      });
    }
    return parseReply(text);
  }

  private secrets(): string[] {
    return this.#apiKey ? [this.#apiKey] : [];
  }
}

function errorMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } };
    if (typeof parsed.error?.message === "string") return parsed.error.message;
  } catch {
    // Not JSON (a proxy's HTML page, say): report the text itself.
  }
  return body.slice(0, ERROR_BODY_CHARS) || "(empty body)";
}

function parseReply(body: string): ChatResponse {
  let reply: MessagesReply;
  try {
    reply = JSON.parse(body) as MessagesReply;
  } catch (err) {
    throw new ProviderFailure(`reply is not JSON: ${body.slice(0, ERROR_BODY_CHARS)}`, {
      status: 200,
      cause: err,
    });
  }
  const text = (reply.content ?? [])
    .filter((block) => block.type === "text")
    .map((block) => block.text ?? "")
    .join("");
  return {
    text,
    usage: {
      promptTokens: reply.usage?.input_tokens ?? 0,
      completionTokens: reply.usage?.output_tokens ?? 0,
    },
  };
}
