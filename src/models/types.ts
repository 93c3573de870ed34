/**
 * The shapes every model provider speaks. A provider turns one `ChatRequest` into one
 * `ChatResponse` and knows nothing about operators, limits, retries or usage: those live in
 * `Model` (model.ts), so every provider gets them the same way.
 */

/** A tool the model asked to run, with its arguments as the JSON text the model wrote. */
export interface ToolCall {
  /** The provider's id for the call; the tool's result is sent back under it. */
  readonly id: string;
  readonly name: string;
  /** JSON text, as generated (it may not parse, or not match the tool's parameters). */
  readonly arguments: string;
}

/**
 * One message of a chat conversation. An assistant message may carry the tool calls it made;
 * each call's result comes back as one `tool` message naming the call's id.
 */
export type ChatMessage =
  | { readonly role: "system" | "user"; readonly content: string }
  | {
      readonly role: "assistant";
      readonly content: string;
      readonly toolCalls?: readonly ToolCall[];
    }
  | {
      readonly role: "tool";
      readonly content: string;
      readonly toolCallId: string;
      /** The tool's name (Anthropic does not need it; some OpenAI-compatible servers do). */
      readonly name?: string;
      /** The tool failed and `content` is its error text. */
      readonly isError?: boolean;
    };

/** A tool as a provider sees it: a name, what it does, and its parameters as a JSON schema. */
export interface ToolSchema {
  /** Letters, digits, `_` and `-`, at most 64 characters (both providers' rule). */
  readonly name: string;
  readonly description: string;
  readonly parameters: Record<string, unknown>;
}

/** A JSON schema the reply must follow (built from a zod schema by the LLM operators). */
export interface ResponseSchema {
  /** Letters, digits, `_` and `-`, at most 64 characters (OpenAI's rule). */
  readonly name: string;
  readonly schema: Record<string, unknown>;
}

/** What an LLM operator asks of a model, before the model name is attached. */
export interface ModelRequest {
  readonly messages: readonly ChatMessage[];
  /** Omitted means the provider's default (usually 1, i.e. stochastic). */
  readonly temperature?: number;
  readonly maxTokens?: number;
  readonly responseSchema?: ResponseSchema;
  /** Tools the model may call; the reply then may carry `toolCalls` instead of (or beside) text. */
  readonly tools?: readonly ToolSchema[];
}

/** One request as a provider receives it: the model request plus the provider's model name. */
export interface ChatRequest extends ModelRequest {
  /** The part of the model id after the colon: `gpt-4o-mini` in `openai:gpt-4o-mini`. */
  readonly model: string;
}

/** Token counts as the provider reported them. */
export interface TokenUsage {
  readonly promptTokens: number;
  readonly completionTokens: number;
}

/** One reply. */
export interface ChatResponse {
  readonly text: string;
  readonly usage: TokenUsage;
  /** Tools the model asked to run, in the order it listed them. */
  readonly toolCalls?: readonly ToolCall[];
}

/**
 * One piece of a streamed reply: text deltas as they arrive, each tool call once it is
 * complete, and the token counts last (a provider that reports none sends no usage chunk).
 */
export type StreamChunk =
  | { readonly type: "text"; readonly text: string }
  | { readonly type: "tool_call"; readonly call: ToolCall }
  | { readonly type: "usage"; readonly usage: TokenUsage };

/**
 * A model backend. Implementations report a failed attempt by throwing a `ProviderFailure`
 * (status, Retry-After) so that retries can tell a 429 from a 400; on abort they reject with
 * `signal.reason`. They must never put an API key in what they throw.
 */
export interface Provider {
  /** How the provider prints itself, without secrets: `"simulated"`, `"openai-compatible at …"`. */
  readonly label: string;
  /** True for the simulated provider, so that printed results can say so. */
  readonly simulated: boolean;
  complete(request: ChatRequest, options: { signal: AbortSignal }): Promise<ChatResponse>;
  /**
   * Streams one reply. A failure before the first chunk is thrown like `complete`'s (and may
   * be retried); aborting `signal`, or ending the iteration early, closes the connection.
   */
  stream?(request: ChatRequest, options: { signal: AbortSignal }): AsyncIterable<StreamChunk>;
}

/**
 * Limits for one provider or one model. Calls wait (as queue time) instead of exceeding them.
 * Every limit is optional; an absent limit does not constrain.
 */
export interface RateLimits {
  /** Requests in flight at once. */
  maxConcurrency?: number;
  /** Requests started per window. */
  requestsPerMinute?: number;
  /** Prompt + completion tokens per window; a request counts `maxTokens` until its reply arrives. */
  tokensPerMinute?: number;
  /** The length of the "minute"; tests shorten it. @default 60000 */
  windowMs?: number;
}

/** How failed attempts are retried: 429 after Retry-After, 5xx and network errors with backoff. */
export interface RetryPolicy {
  /** Attempts in all, the first included. @default 4 */
  maxAttempts: number;
  /** Backoff before the second attempt; it doubles each time, with jitter. @default 500 */
  baseDelayMs: number;
  /** No wait is longer; a Retry-After beyond it fails the call instead. @default 30000 */
  maxDelayMs: number;
}
