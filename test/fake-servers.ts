/**
 * Fake OpenAI-compatible and Anthropic servers: real HTTP on 127.0.0.1, a random port, started
 * and stopped by each test. Replies are scripted per request; every request is logged with
 * its body, headers and times (performance.now(), the same clock as the client's) so tests
 * can assert counts, ordering, peak in-flight and spacing from the server's side.
 */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { AnthropicProvider } from "../src/models/providers/anthropic.js";
import { OpenAIProvider } from "../src/models/providers/openai.js";
import type { ProviderOptions } from "../src/models/registry.js";
import { type ModelRegistry, models } from "../src/models/registry.js";

export interface FakeReply {
  /** @default 200 */
  status?: number;
  /** The completion text. @default `reply <index>` */
  text?: string;
  headers?: Record<string, string>;
  /** Delay before answering. @default the server's latencyMs */
  latencyMs?: number;
  /** @default { prompt: 10, completion: 5 } */
  usage?: { prompt: number; completion: number };
  /** Message of an error reply (status >= 400). */
  errorMessage?: string;
  /** Tools the reply calls (both wire formats; streamed as the provider streams them). */
  toolCalls?: { id?: string; name: string; arguments: Record<string, unknown> }[];
  /** Streamed requests: the text deltas. @default `text` in three pieces */
  chunks?: string[];
  /** Streamed requests: after `after` text deltas, wait for `until` before sending the rest. */
  hold?: { after: number; until: Promise<void> };
  /** Streamed requests: after this many text deltas, fail (an error event, or a dropped socket). */
  breakAfter?: number;
  /** @default "error-event" */
  breakWith?: "error-event" | "disconnect";
}

export interface LoggedRequest {
  readonly index: number;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Record<string, unknown>;
  readonly receivedAt: number;
  finishedAt: number | undefined;
  status: number | undefined;
  /** The client went away before the reply was sent. */
  aborted: boolean;
  /** Streamed requests: text deltas written so far. */
  chunksSent: number;
}

/** Replies in order (the last one repeats), or a function of the request. */
export type Script = FakeReply[] | ((request: LoggedRequest) => FakeReply);

export type ProviderFlavor = "openai" | "anthropic";
type Flavor = ProviderFlavor;

export class FakeServer {
  readonly requests: LoggedRequest[] = [];
  inFlight = 0;
  peakInFlight = 0;
  url = "";
  private readonly server: Server;
  private readonly waiters: { count: number; resolve: () => void }[] = [];

  constructor(
    private readonly flavor: Flavor,
    private readonly script: Script,
    private readonly latencyMs: number,
  ) {
    this.server = createServer((req, res) => {
      let raw = "";
      req.setEncoding("utf8");
      req.on("data", (chunk: string) => {
        raw += chunk;
      });
      req.on("end", () => {
        const logged: LoggedRequest = {
          index: this.requests.length,
          url: req.url ?? "",
          headers: req.headers,
          body: raw ? (JSON.parse(raw) as Record<string, unknown>) : {},
          receivedAt: performance.now(),
          finishedAt: undefined,
          status: undefined,
          aborted: false,
          chunksSent: 0,
        };
        this.requests.push(logged);
        this.inFlight++;
        this.peakInFlight = Math.max(this.peakInFlight, this.inFlight);
        this.notify();
        const reply = this.replyFor(logged);
        const timer = setTimeout(() => {
          const status = reply.status ?? 200;
          logged.status = status;
          if (logged.body.stream === true && status < 400) {
            void this.writeStream(res, logged, reply);
            return;
          }
          res.writeHead(status, { "content-type": "application/json", ...reply.headers });
          res.end(JSON.stringify(this.body(logged, reply, status)));
        }, reply.latencyMs ?? this.latencyMs);
        res.on("close", () => {
          clearTimeout(timer);
          if (!res.writableFinished) logged.aborted = true;
          logged.finishedAt = performance.now();
          this.inFlight--;
          this.notify();
        });
      });
    });
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Resolves once `count` requests have arrived. */
  waitForRequests(count: number): Promise<void> {
    if (this.requests.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  /** Resolves once nothing is in flight (aborted requests closed). */
  async settled(): Promise<void> {
    while (this.inFlight > 0) await new Promise((r) => setTimeout(r, 5));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private notify(): void {
    for (const w of [...this.waiters]) {
      if (this.requests.length >= w.count) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  }

  /** A streamed reply in the provider's real event format, paced by `hold` and `breakAfter`. */
  private async writeStream(
    res: import("node:http").ServerResponse,
    logged: LoggedRequest,
    reply: FakeReply,
  ): Promise<void> {
    res.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      ...reply.headers,
    });
    const text = reply.text ?? `reply ${logged.index}`;
    const chunks =
      reply.chunks ?? (reply.toolCalls && reply.text === undefined ? [] : splitInThree(text));
    const usage = reply.usage ?? { prompt: 10, completion: 5 };
    const model = logged.body.model;
    const openai = this.flavor === "openai";
    const send = (event: string, data: unknown) => {
      if (res.destroyed) return;
      res.write(
        openai
          ? `data: ${JSON.stringify(data)}\n\n`
          : `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`,
      );
    };
    const id = openai ? `chatcmpl-${logged.index}` : `msg_${logged.index}`;
    const openaiChunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
      id,
      object: "chat.completion.chunk",
      created: 0,
      model,
      choices: [{ index: 0, delta, finish_reason: finish }],
    });
    if (openai) send("", openaiChunk({ role: "assistant", content: "" }));
    else {
      send("message_start", {
        type: "message_start",
        message: {
          id,
          type: "message",
          role: "assistant",
          model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: usage.prompt, output_tokens: 1 },
        },
      });
      send("content_block_start", {
        type: "content_block_start",
        index: 0,
        content_block: { type: "text", text: "" },
      });
      send("ping", { type: "ping" });
    }
    for (const [i, chunk] of chunks.entries()) {
      if (reply.hold && i === reply.hold.after) await reply.hold.until;
      if (reply.breakAfter !== undefined && i === reply.breakAfter) {
        if (reply.breakWith === "disconnect") {
          // Flush what was written, then drop the connection without ending the reply.
          await new Promise<void>((resolve) => res.write("", () => resolve()));
          await new Promise((resolve) => setImmediate(resolve));
          res.socket?.destroy();
          return;
        }
        const error = { type: "overloaded_error", message: "fake stream failure" };
        if (openai) send("", { error: { ...error, code: null } });
        else send("error", { type: "error", error });
        res.end();
        return;
      }
      if (res.destroyed) return;
      if (openai) send("", openaiChunk({ content: chunk }));
      else {
        send("content_block_delta", {
          type: "content_block_delta",
          index: 0,
          delta: { type: "text_delta", text: chunk },
        });
      }
      logged.chunksSent++;
    }
    if (reply.hold && reply.hold.after >= chunks.length) await reply.hold.until;
    const calls = (reply.toolCalls ?? []).map((c, i) => ({
      id: c.id ?? (openai ? `call_${logged.index}_${i}` : `toolu_${logged.index}_${i}`),
      name: c.name,
      json: JSON.stringify(c.arguments),
    }));
    if (openai) {
      calls.forEach((c, i) => {
        const half = Math.floor(c.json.length / 2);
        send(
          "",
          openaiChunk({
            tool_calls: [
              {
                index: i,
                id: c.id,
                type: "function",
                function: { name: c.name, arguments: c.json.slice(0, half) },
              },
            ],
          }),
        );
        send(
          "",
          openaiChunk({ tool_calls: [{ index: i, function: { arguments: c.json.slice(half) } }] }),
        );
      });
      send("", openaiChunk({}, calls.length > 0 ? "tool_calls" : "stop"));
      send("", {
        id,
        object: "chat.completion.chunk",
        created: 0,
        model,
        choices: [],
        usage: {
          prompt_tokens: usage.prompt,
          completion_tokens: usage.completion,
          total_tokens: usage.prompt + usage.completion,
        },
      });
      if (!res.destroyed) res.end("data: [DONE]\n\n");
      return;
    }
    send("content_block_stop", { type: "content_block_stop", index: 0 });
    calls.forEach((c, i) => {
      const index = i + 1;
      const half = Math.floor(c.json.length / 2);
      send("content_block_start", {
        type: "content_block_start",
        index,
        content_block: { type: "tool_use", id: c.id, name: c.name, input: {} },
      });
      for (const part of [c.json.slice(0, half), c.json.slice(half)]) {
        send("content_block_delta", {
          type: "content_block_delta",
          index,
          delta: { type: "input_json_delta", partial_json: part },
        });
      }
      send("content_block_stop", { type: "content_block_stop", index });
    });
    send("message_delta", {
      type: "message_delta",
      delta: { stop_reason: calls.length > 0 ? "tool_use" : "end_turn", stop_sequence: null },
      usage: { output_tokens: usage.completion },
    });
    send("message_stop", { type: "message_stop" });
    if (!res.destroyed) res.end();
  }

  private replyFor(request: LoggedRequest): FakeReply {
    if (typeof this.script === "function") return this.script(request);
    return this.script[Math.min(request.index, this.script.length - 1)] ?? {};
  }

  private body(request: LoggedRequest, reply: FakeReply, status: number): unknown {
    const text = reply.text ?? `reply ${request.index}`;
    const usage = reply.usage ?? { prompt: 10, completion: 5 };
    if (this.flavor === "openai") {
      if (status >= 400) {
        return {
          error: {
            message: reply.errorMessage ?? `error ${status}`,
            type: "fake_error",
            code: null,
          },
        };
      }
      return {
        id: `chatcmpl-${request.index}`,
        object: "chat.completion",
        created: 0,
        model: request.body.model,
        choices: [
          {
            index: 0,
            message: {
              role: "assistant",
              content: reply.toolCalls ? (reply.text ?? null) : text,
              ...(reply.toolCalls
                ? {
                    tool_calls: reply.toolCalls.map((c, i) => ({
                      id: c.id ?? `call_${request.index}_${i}`,
                      type: "function",
                      function: { name: c.name, arguments: JSON.stringify(c.arguments) },
                    })),
                  }
                : {}),
            },
            finish_reason: reply.toolCalls ? "tool_calls" : "stop",
          },
        ],
        usage: {
          prompt_tokens: usage.prompt,
          completion_tokens: usage.completion,
          total_tokens: usage.prompt + usage.completion,
        },
      };
    }
    if (status >= 400) {
      return {
        type: "error",
        error: { type: "fake_error", message: reply.errorMessage ?? `error ${status}` },
      };
    }
    return {
      id: `msg_${request.index}`,
      type: "message",
      role: "assistant",
      model: request.body.model,
      content: [
        ...(reply.toolCalls && reply.text === undefined ? [] : [{ type: "text", text }]),
        ...(reply.toolCalls ?? []).map((c, i) => ({
          type: "tool_use",
          id: c.id ?? `toolu_${request.index}_${i}`,
          name: c.name,
          input: c.arguments,
        })),
      ],
      stop_reason: reply.toolCalls ? "tool_use" : "end_turn",
      usage: { input_tokens: usage.prompt, output_tokens: usage.completion },
    };
  }
}

/** An OpenAI-compatible server: POST /v1/chat/completions. */
export function startFakeOpenAI(script: Script = [{}], latencyMs = 0): Promise<FakeServer> {
  return new FakeServer("openai", script, latencyMs).listen();
}

/** An Anthropic Messages server: POST /v1/messages. */
export function startFakeAnthropic(script: Script = [{}], latencyMs = 0): Promise<FakeServer> {
  return new FakeServer("anthropic", script, latencyMs).listen();
}

/** A fake server of either flavor. */
export function startFakeServer(
  flavor: ProviderFlavor,
  script: Script = [{}],
  latencyMs = 0,
): Promise<FakeServer> {
  return new FakeServer(flavor, script, latencyMs).listen();
}
export { startFakeServer as startFake };

/** Retries fast enough for tests; everything else as in production. */
export const FAST_RETRY = { baseDelayMs: 10, maxDelayMs: 2_000 };

let registered = 0;

/**
 * Registers an OpenAIProvider for `server` under a fresh name in the global `models` (or the
 * given registry) and returns that name, so tests never share limiters.
 */
export function registerOpenAI(
  server: FakeServer,
  options: ProviderOptions & { apiKey?: string } = {},
  registry: ModelRegistry = models,
): string {
  const name = `fakeopenai${++registered}`;
  const { apiKey, ...rest } = options;
  const provider = new OpenAIProvider({
    baseURL: `${server.url}/v1`,
    apiKey: apiKey ?? "sk-test-key",
  });
  registry.register(name, provider, { retry: FAST_RETRY, ...rest });
  return name;
}

export function registerAnthropic(
  server: FakeServer,
  options: ProviderOptions & { apiKey?: string; version?: string } = {},
  registry: ModelRegistry = models,
): string {
  const name = `fakeanthropic${++registered}`;
  const { apiKey, version, ...rest } = options;
  const provider = new AnthropicProvider({
    baseURL: server.url,
    apiKey: apiKey ?? "sk-ant-test-key",
    ...(version ? { version } : {}),
  });
  registry.register(name, provider, { retry: FAST_RETRY, ...rest });
  return name;
}

/** The text of the last user message a logged OpenAI-style request carried. */
export function userContent(request: LoggedRequest): string {
  const messages = request.body.messages as { role: string; content: string }[];
  return messages.filter((m) => m.role === "user").at(-1)?.content ?? "";
}

function splitInThree(text: string): string[] {
  const size = Math.max(1, Math.ceil(text.length / 3));
  const pieces: string[] = [];
  for (let at = 0; at < text.length; at += size) pieces.push(text.slice(at, at + size));
  return pieces;
}

/** A promise and the function that settles it: lets a test release a held reply. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** Registers the provider of `flavor` for `server`; returns its fresh name. */
export function registerProvider(
  flavor: ProviderFlavor,
  server: FakeServer,
  options: ProviderOptions & { apiKey?: string } = {},
  registry: ModelRegistry = models,
): string {
  return flavor === "openai"
    ? registerOpenAI(server, options, registry)
    : registerAnthropic(server, options, registry);
}
