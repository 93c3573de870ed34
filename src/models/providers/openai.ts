import type { ClientOptions, OpenAI } from "openai";
import type {
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionMessageParam,
  ChatCompletionMessageToolCall,
} from "openai/resources/chat/completions";
import { ProviderFailure, redact, sanitizeCause } from "../errors.js";
import { parseRetryAfter } from "../retry.js";
import type {
  ChatMessage,
  ChatRequest,
  ChatResponse,
  Provider,
  StreamChunk,
  ToolCall,
} from "../types.js";
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
    const client = await this.client();
    try {
      const completion = await client.chat.completions.create(this.body(request), { signal });
      const message = completion.choices[0]?.message;
      const toolCalls = (message?.tool_calls ?? []).flatMap(toolCallOf);
      return {
        text: message?.content ?? "",
        usage: {
          promptTokens: completion.usage?.prompt_tokens ?? 0,
          completionTokens: completion.usage?.completion_tokens ?? 0,
        },
        ...(toolCalls.length > 0 ? { toolCalls } : {}),
      };
    } catch (err) {
      throw this.failure(await loadSdk(), err, signal);
    }
  }

  /**
   * `stream: true` with `stream_options.include_usage`, so the last chunk carries the token
   * counts. Tool-call fragments are joined and each call is sent once the stream ends.
   */
  async *stream(
    request: ChatRequest,
    { signal }: { signal: AbortSignal },
  ): AsyncGenerator<StreamChunk> {
    const client = await this.client();
    const lib = await loadSdk();
    const calls: { id: string; name: string; arguments: string }[] = [];
    let usage: StreamChunk | undefined;
    try {
      const stream = await client.chat.completions.create(
        { ...this.body(request), stream: true, stream_options: { include_usage: true } },
        { signal },
      );
      for await (const chunk of stream) {
        if (chunk.usage) {
          usage = {
            type: "usage",
            usage: {
              promptTokens: chunk.usage.prompt_tokens ?? 0,
              completionTokens: chunk.usage.completion_tokens ?? 0,
            },
          };
        }
        const delta = chunk.choices[0]?.delta;
        if (!delta) continue;
        if (delta.content) yield { type: "text", text: delta.content };
        for (const part of delta.tool_calls ?? []) {
          let call = calls[part.index];
          if (!call) {
            call = { id: "", name: "", arguments: "" };
            calls[part.index] = call;
          }
          if (part.id) call.id = part.id;
          if (part.function?.name) call.name += part.function.name;
          if (part.function?.arguments) call.arguments += part.function.arguments;
        }
      }
    } catch (err) {
      throw this.failure(lib, err, signal);
    }
    // The SDK ends its stream quietly on abort; the provider contract is to reject.
    signal.throwIfAborted();
    for (const call of calls) if (call) yield { type: "tool_call", call };
    if (usage) yield usage;
  }

  private async client(): Promise<OpenAI> {
    const lib = await loadSdk();
    this.#client ??= new lib.OpenAI(this.#clientOptions);
    return this.#client;
  }

  private body(request: ChatRequest): ChatCompletionCreateParamsNonStreaming {
    const body: ChatCompletionCreateParamsNonStreaming = {
      model: request.model,
      messages: request.messages.map(toOpenAIMessage),
    };
    if (request.temperature !== undefined) body.temperature = request.temperature;
    if (request.maxTokens !== undefined) body[this.#maxTokensField] = request.maxTokens;
    if (request.responseSchema && this.#structured === "json_schema") {
      body.response_format = {
        type: "json_schema",
        json_schema: { name: request.responseSchema.name, schema: request.responseSchema.schema },
      };
    }
    if (request.tools && request.tools.length > 0) {
      body.tools = request.tools.map((t) => ({
        type: "function",
        function: { name: t.name, description: t.description, parameters: t.parameters },
      }));
    }
    return body;
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
    // An error event inside a stream: the server failed after answering 200.
    if (err instanceof APIError && err.status === undefined) {
      return new ProviderFailure(message, { cause });
    }
    if (err instanceof APIError) {
      const retryAfterMs = parseRetryAfter(err.headers);
      // The SDK starts its message with the status, which ProviderError already states.
      const detail = message.replace(/^\d{3} /, "");
      return new ProviderFailure(detail, { status: err.status, retryAfterMs, cause });
    }
    // Anything else (a bad option, a bug) is not a transient failure: not retried.
    return cause;
  }
}

function toOpenAIMessage(m: ChatMessage): ChatCompletionMessageParam {
  if (m.role === "tool") return { role: "tool", tool_call_id: m.toolCallId, content: m.content };
  if (m.role === "assistant" && m.toolCalls && m.toolCalls.length > 0) {
    return {
      role: "assistant",
      content: m.content === "" ? null : m.content,
      tool_calls: m.toolCalls.map((c) => ({
        id: c.id,
        type: "function",
        function: { name: c.name, arguments: c.arguments },
      })),
    };
  }
  return { role: m.role, content: m.content };
}

function toolCallOf(call: ChatCompletionMessageToolCall): ToolCall[] {
  if (call.type !== "function") return [];
  return [{ id: call.id, name: call.function.name, arguments: call.function.arguments }];
}
