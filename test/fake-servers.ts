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
}

/** Replies in order (the last one repeats), or a function of the request. */
export type Script = FakeReply[] | ((request: LoggedRequest) => FakeReply);

type Flavor = "openai" | "anthropic";

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
        };
        this.requests.push(logged);
        this.inFlight++;
        this.peakInFlight = Math.max(this.peakInFlight, this.inFlight);
        this.notify();
        const reply = this.replyFor(logged);
        const timer = setTimeout(() => {
          const status = reply.status ?? 200;
          logged.status = status;
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
          { index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" },
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
      content: [{ type: "text", text }],
      stop_reason: "end_turn",
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
