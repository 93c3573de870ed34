import type { Anthropic, ClientOptions } from "@anthropic-ai/sdk";
import type {
  ContentBlockParam,
  MessageCreateParamsNonStreaming,
  MessageParam,
} from "@anthropic-ai/sdk/resources/messages";
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

export interface AnthropicProviderOptions {
  /** @default process.env.ANTHROPIC_API_KEY */
  apiKey?: string;
  /** @default "https://api.anthropic.com" */
  baseURL?: string;
  /**
   * The `anthropic-version` header. @default the SDK's own ("2026-10-21"). That version
   * rejects sampling parameters, so a request's `temperature` is sent only under the older
   * "2023-06-01", for workloads that depend on it.
   */
  version?: string;
  /** The Messages API requires `max_tokens`; used when a request sets none. @default 1024 */
  defaultMaxTokens?: number;
  /** Per-request timeout; a timeout counts as a network failure and is retried. @default 600000 */
  timeoutMs?: number;
}

/** The API version before 2026-10-21, the last to accept `temperature`. */
const LEGACY_VERSION = "2023-06-01";

type Sdk = typeof import("@anthropic-ai/sdk");
let sdk: Promise<Sdk> | undefined;

/** The SDK loads on the first request, so programs that never call Anthropic never pay for it. */
function loadSdk(): Promise<Sdk> {
  sdk ??= import("@anthropic-ai/sdk");
  return sdk;
}

/**
 * Anthropic's Messages API on the official `@anthropic-ai/sdk`. Its own retries are off
 * (`maxRetries: 0`) so that `Model` counts and paces every attempt; its logger and its own
 * OpenTelemetry spans are off (ember's observers report model calls). System messages become
 * the top-level `system` field; tool calls are `tool_use` blocks and their results
 * `tool_result` blocks of the next user turn. Structured output relies on the JSON
 * instruction the LLM operator puts in the prompt.
 *
 * @example
 * models.register("anthropic", new AnthropicProvider({ apiKey: process.env.ANTHROPIC_API_KEY }));
 * new LLMOperator({ model: "anthropic:claude-haiku-4-5", prompt: "{question}" });
 */
export class AnthropicProvider implements Provider {
  readonly label: string;
  readonly simulated = false;
  // True private fields: util.inspect and JSON.stringify never show them, so the key stays out of logs.
  readonly #clientOptions: ClientOptions;
  #client: Anthropic | undefined;
  readonly #secrets: string[];
  readonly #defaultMaxTokens: number;
  readonly #sendsTemperature: boolean;

  constructor(options: AnthropicProviderOptions = {}) {
    const apiKey = options.apiKey ?? process.env.ANTHROPIC_API_KEY ?? "";
    const baseURL = (options.baseURL ?? "https://api.anthropic.com").replace(/\/$/, "");
    this.#clientOptions = {
      // Passed even when empty: a key given in code stops the SDK from looking for
      // credentials in the environment or in profile files on disk.
      apiKey,
      baseURL,
      maxRetries: 0,
      timeout: options.timeoutMs ?? 600_000,
      logLevel: "off",
      openTelemetry: false,
      ...(options.version ? { defaultHeaders: { "anthropic-version": options.version } } : {}),
    };
    this.#secrets = apiKey ? [apiKey] : [];
    this.#defaultMaxTokens = options.defaultMaxTokens ?? 1024;
    this.#sendsTemperature = options.version === LEGACY_VERSION;
    this.label = `anthropic at ${describeUrl(baseURL)}`;
  }

  async complete(request: ChatRequest, { signal }: { signal: AbortSignal }): Promise<ChatResponse> {
    const client = await this.client();
    try {
      const params: MessageCreateParamsNonStreaming = this.body(request);
      const reply = await client.messages.create(params, { signal });
      let text = "";
      const toolCalls: ToolCall[] = [];
      for (const block of reply.content) {
        if (block.type === "text") text += block.text;
        else if (block.type === "tool_use") {
          toolCalls.push({
            id: block.id,
            name: block.name,
            arguments: JSON.stringify(block.input),
          });
        }
      }
      return {
        text,
        usage: {
          promptTokens: reply.usage?.input_tokens ?? 0,
          completionTokens: reply.usage?.output_tokens ?? 0,
        },
        ...(toolCalls.length > 0 ? { toolCalls } : {}),
      };
    } catch (err) {
      throw this.failure(await loadSdk(), err, signal);
    }
  }

  /**
   * The raw event stream: `message_start` carries the input tokens, `content_block_delta`
   * the text (or a tool's JSON input in pieces), `message_delta` the output tokens.
   */
  async *stream(
    request: ChatRequest,
    { signal }: { signal: AbortSignal },
  ): AsyncGenerator<StreamChunk> {
    const client = await this.client();
    const lib = await loadSdk();
    const tools = new Map<number, { id: string; name: string; json: string }>();
    let promptTokens: number | undefined;
    let completionTokens: number | undefined;
    try {
      const events = await client.messages.create(
        { ...this.body(request), stream: true },
        { signal },
      );
      for await (const event of events) {
        switch (event.type) {
          case "message_start":
            promptTokens = event.message.usage?.input_tokens ?? undefined;
            completionTokens = event.message.usage?.output_tokens ?? undefined;
            break;
          case "content_block_start":
            if (event.content_block.type === "tool_use") {
              const { id, name } = event.content_block;
              tools.set(event.index, { id, name, json: "" });
            }
            break;
          case "content_block_delta":
            if (event.delta.type === "text_delta") yield { type: "text", text: event.delta.text };
            else if (event.delta.type === "input_json_delta") {
              const tool = tools.get(event.index);
              if (tool) tool.json += event.delta.partial_json;
            }
            break;
          case "content_block_stop": {
            const tool = tools.get(event.index);
            if (tool) {
              yield {
                type: "tool_call",
                call: { id: tool.id, name: tool.name, arguments: tool.json || "{}" },
              };
            }
            break;
          }
          case "message_delta":
            // Cumulative counts: the last one is the total.
            completionTokens = event.usage.output_tokens ?? completionTokens;
            if (event.usage.input_tokens != null) promptTokens = event.usage.input_tokens;
            break;
          default:
            break;
        }
      }
    } catch (err) {
      throw this.failure(lib, err, signal);
    }
    // The SDK ends its stream quietly on abort; the provider contract is to reject.
    signal.throwIfAborted();
    if (promptTokens !== undefined || completionTokens !== undefined) {
      yield {
        type: "usage",
        usage: { promptTokens: promptTokens ?? 0, completionTokens: completionTokens ?? 0 },
      };
    }
  }

  private async client(): Promise<Anthropic> {
    const lib = await loadSdk();
    this.#client ??= new lib.Anthropic(this.#clientOptions);
    return this.#client;
  }

  private body(request: ChatRequest): MessageCreateParamsNonStreaming {
    const system = request.messages.filter((m) => m.role === "system").map((m) => m.content);
    const body: MessageCreateParamsNonStreaming = {
      model: request.model,
      max_tokens: request.maxTokens ?? this.#defaultMaxTokens,
      messages: toAnthropicMessages(request.messages),
    };
    if (system.length > 0) body.system = system.join("\n\n");
    if (request.temperature !== undefined && this.#sendsTemperature) {
      // Not in the SDK's types (its API version has no sampling parameters); sent as given.
      (body as unknown as Record<string, unknown>).temperature = request.temperature;
    }
    if (request.tools && request.tools.length > 0) {
      body.tools = request.tools.map((t) => ({
        name: t.name,
        description: t.description,
        input_schema: { type: "object", ...t.parameters },
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
    if (err instanceof APIError) {
      // An `error` event inside a stream (overloaded mid-reply) has no status either.
      if (err.status === undefined) return new ProviderFailure(message, { cause });
      const retryAfterMs = parseRetryAfter(err.headers);
      // The SDK starts its message with the status, which ProviderError already states.
      const detail = redact(err.apiMessage ?? message.replace(/^\d{3} /, ""), this.#secrets);
      return new ProviderFailure(detail, { status: err.status, retryAfterMs, cause });
    }
    // Anything else (a bad option, a bug) is not a transient failure: not retried.
    return cause;
  }
}

/**
 * Chat messages in Anthropic's shape: system messages go to `system`, tool results become
 * `tool_result` blocks of one user turn (consecutive results share it, as the API requires).
 */
function toAnthropicMessages(messages: readonly ChatMessage[]): MessageParam[] {
  const out: MessageParam[] = [];
  for (const m of messages) {
    if (m.role === "system") continue;
    if (m.role === "tool") {
      const block: ContentBlockParam = {
        type: "tool_result",
        tool_use_id: m.toolCallId,
        content: m.content,
        ...(m.isError ? { is_error: true } : {}),
      };
      const last = out.at(-1);
      if (last?.role === "user" && Array.isArray(last.content)) {
        (last.content as ContentBlockParam[]).push(block);
      } else out.push({ role: "user", content: [block] });
      continue;
    }
    if (m.role === "assistant" && m.toolCalls && m.toolCalls.length > 0) {
      const blocks: ContentBlockParam[] = [];
      if (m.content !== "") blocks.push({ type: "text", text: m.content });
      for (const c of m.toolCalls) {
        blocks.push({ type: "tool_use", id: c.id, name: c.name, input: parseInput(c.arguments) });
      }
      out.push({ role: "assistant", content: blocks });
      continue;
    }
    out.push({ role: m.role, content: m.content });
  }
  return out;
}

/** A tool call's arguments as the object `tool_use.input` must be. */
function parseInput(json: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(json);
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      return value as Record<string, unknown>;
    }
  } catch {
    // Arguments the model wrote badly: sent back as they were, under a key, so nothing is lost.
  }
  return { arguments: json };
}
