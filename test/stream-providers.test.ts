import assert from "node:assert/strict";
import { test } from "node:test";
import { ProviderError } from "../src/models/errors.js";
import { LLMOperator } from "../src/models/llm.js";
import { models } from "../src/models/registry.js";
import type { ModelRequest, StreamChunk } from "../src/models/types.js";
import { withUsage } from "../src/models/usage.js";
import type { StreamEvent } from "../src/operator/stream.js";
import {
  type FakeServer,
  gate,
  type ProviderFlavor,
  registerProvider,
  type Script,
  startFake,
} from "./fake-servers.js";

const REQUEST: ModelRequest = { messages: [{ role: "user", content: "Say hello" }] };
const FLAVORS: ProviderFlavor[] = ["openai", "anthropic"];

async function withServer(
  flavor: ProviderFlavor,
  script: Script,
  fn: (server: FakeServer, modelId: string) => Promise<void>,
  options: Parameters<typeof registerProvider>[2] = {},
): Promise<void> {
  const server = await startFake(flavor, script);
  try {
    await fn(server, `${registerProvider(flavor, server, options)}:m`);
  } finally {
    await server.close();
  }
}

for (const flavor of FLAVORS) {
  test(`${flavor} stream: deltas in order, each before the server sends the rest; usage last and once`, async () => {
    const held = gate();
    await withServer(
      flavor,
      [
        {
          chunks: ["Hel", "lo", " world"],
          hold: { after: 2, until: held.promise },
          usage: { prompt: 7, completion: 3 },
        },
      ],
      async (server, id) => {
        const seen: StreamChunk[] = [];
        const { records } = await withUsage(async () => {
          for await (const chunk of models.get(id).stream(REQUEST)) {
            seen.push(chunk);
            if (seen.length === 2) {
              // Two deltas are here while the server still holds the third: they were streamed.
              assert.equal(server.requests[0]?.chunksSent, 2);
              assert.equal(server.requests[0]?.finishedAt, undefined);
              held.open();
            }
          }
        });
        assert.deepEqual(seen, [
          { type: "text", text: "Hel" },
          { type: "text", text: "lo" },
          { type: "text", text: " world" },
          { type: "usage", usage: { promptTokens: 7, completionTokens: 3 } },
        ]);
        assert.equal(server.requests[0]?.body.stream, true);
        if (flavor === "openai") {
          assert.deepEqual(server.requests[0]?.body.stream_options, { include_usage: true });
        }
        assert.deepEqual(
          records.map((r) => [r.ok, r.promptTokens, r.completionTokens, r.attempts]),
          [[true, 7, 3, 1]],
        );
      },
    );
  });

  test(`${flavor} stream: the real token count replaces the estimate in the TPM window`, async () => {
    await withServer(
      flavor,
      [{ usage: { prompt: 10, completion: 5 } }],
      async (_server, id) => {
        const model = models.get(id);
        const limiter = model.limiters[0]!;
        // The estimate is ~3 prompt tokens + 90 maxTokens = 93 of 120; the reply says 15.
        for await (const _ of model.stream({ ...REQUEST, maxTokens: 90 })) {
          // drain
        }
        assert.equal(limiter.inFlight, 0);
        // 15 + 93 fits in 120 only if the first request now counts 15, not 93.
        const lease = limiter.acquire(93);
        assert.equal(limiter.pending, 0);
        (await lease).release(0);
      },
      { limits: { tokensPerMinute: 120 } },
    );
  });

  test(`${flavor} stream: a 429 before the first token is retried`, async () => {
    await withServer(
      flavor,
      [{ status: 429, headers: { "retry-after": "0" } }, { chunks: ["o", "k"] }],
      async (server, id) => {
        const { result, records } = await withUsage(async () => {
          let text = "";
          for await (const chunk of models.get(id).stream(REQUEST)) {
            if (chunk.type === "text") text += chunk.text;
          }
          return text;
        });
        assert.equal(result, "ok");
        assert.equal(server.requests.length, 2);
        assert.deepEqual(
          records.map((r) => [r.ok, r.attempts]),
          [[true, 2]],
        );
      },
    );
  });

  for (const breakWith of ["error-event", "disconnect"] as const) {
    test(`${flavor} stream: a failure mid-stream (${breakWith}) is a ProviderError with the partial text, not retried`, async () => {
      await withServer(
        flavor,
        [{ chunks: ["par", "tial", " never"], breakAfter: 2, breakWith }],
        async (server, id) => {
          const seen: string[] = [];
          const { records } = await withUsage(async () => {
            await assert.rejects(
              (async () => {
                for await (const chunk of models.get(id).stream(REQUEST)) {
                  if (chunk.type === "text") seen.push(chunk.text);
                }
              })(),
              (err: unknown) => {
                assert.ok(err instanceof ProviderError, String(err));
                assert.equal(err.partialText, "partial");
                assert.equal(err.attempts, 1);
                assert.match(err.message, /stream broke off after 7 characters/);
                return true;
              },
            );
          });
          assert.deepEqual(seen, ["par", "tial"]);
          assert.equal(server.requests.length, 1);
          assert.deepEqual(
            records.map((r) => r.ok),
            [false],
          );
        },
      );
    });
  }

  test(`${flavor} stream: breaking out of the loop closes the connection and records the call once`, async () => {
    const held = gate();
    await withServer(
      flavor,
      [{ chunks: ["a", "b", "c"], hold: { after: 1, until: held.promise } }],
      async (server, id) => {
        const { records } = await withUsage(async () => {
          for await (const chunk of models.get(id).stream(REQUEST)) {
            assert.deepEqual(chunk, { type: "text", text: "a" });
            break;
          }
        });
        await server.settled();
        assert.equal(server.requests[0]?.aborted, true);
        assert.equal(server.requests[0]?.chunksSent, 1);
        assert.equal(records.length, 1);
        assert.equal(records[0]?.ok, false);
        held.open();
      },
    );
  });

  test(`${flavor} op.stream: aborting the signal mid-stream rejects with its reason and closes the socket`, async () => {
    const held = gate();
    await withServer(
      flavor,
      [{ chunks: ["x", "y"], hold: { after: 1, until: held.promise } }],
      async (server, id) => {
        const ask = new LLMOperator({ model: id, prompt: "Say {word}" });
        const controller = new AbortController();
        const events: StreamEvent<unknown>[] = [];
        await assert.rejects(
          (async () => {
            for await (const event of ask.stream({ word: "x" }, { signal: controller.signal })) {
              events.push(event);
              controller.abort(new Error("user cancelled"));
            }
          })(),
          /user cancelled/,
        );
        await server.settled();
        assert.equal(server.requests[0]?.aborted, true);
        // The token, then the failed request's usage report; no output.
        assert.deepEqual(
          events.map((e) => [e.type, e.type === "usage" ? e.ok : undefined]),
          [
            ["token", undefined],
            ["usage", false],
          ],
        );
        held.open();
      },
    );
  });
}

test("tool calls come back from both providers, streamed and not, in the order the model listed them", async () => {
  for (const flavor of FLAVORS) {
    const toolCalls = [
      { name: "weather", arguments: { city: "Paris" } },
      { name: "time", arguments: { zone: "CET" } },
    ];
    await withServer(flavor, [{ toolCalls }], async (_server, id) => {
      const model = models.get(id);
      const plain = await model.complete(REQUEST);
      const streamed = await model.completeStreaming(REQUEST);
      for (const reply of [plain, streamed]) {
        assert.deepEqual(
          reply.toolCalls?.map((c) => [c.name, JSON.parse(c.arguments)]),
          toolCalls.map((c) => [c.name, c.arguments]),
          flavor,
        );
        assert.ok(reply.toolCalls?.every((c) => c.id !== ""));
      }
    });
  }
});
