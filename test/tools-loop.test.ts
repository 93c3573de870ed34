import assert from "node:assert/strict";
import { test } from "node:test";
import { z } from "zod";
import { Budget } from "../src/core/budget.js";
import { OperatorError, OptionError } from "../src/core/errors.js";
import { jit } from "../src/jit/jit.js";
import { ToolLoopOperator } from "../src/models/tool-loop.js";
import { tool } from "../src/models/tools.js";
import { withUsage } from "../src/models/usage.js";
import { withObserver, withScope } from "../src/operator/context.js";
import type { CallInfo } from "../src/operator/observer.js";
import {
  type FakeReply,
  type FakeServer,
  type ProviderFlavor,
  registerProvider,
  startFake,
} from "./fake-servers.js";

async function withServer(
  flavor: ProviderFlavor,
  script: FakeReply[],
  fn: (server: FakeServer, model: string) => Promise<void>,
): Promise<void> {
  const server = await startFake(flavor, script);
  try {
    await fn(server, `${registerProvider(flavor, server)}:m`);
  } finally {
    await server.close();
  }
}

const THREE_CALLS: FakeReply = {
  toolCalls: [
    { name: "lookup", arguments: { key: "a" } },
    { name: "lookup", arguments: { key: "b" } },
    { name: "lookup", arguments: { key: "c" } },
  ],
};

/**
 * A lookup tool whose calls wait for each other: none returns before all three have started
 * (so they must overlap), and they finish in reverse order (c, b, a).
 */
function overlappingLookup() {
  let inFlight = 0;
  let peak = 0;
  const finished: string[] = [];
  let started = 0;
  let allStarted!: () => void;
  const everyoneIn = new Promise<void>((resolve) => {
    allStarted = resolve;
  });
  const done = new Map<string, Promise<void>>();
  const release = new Map<string, () => void>();
  for (const key of ["a", "b", "c"]) {
    done.set(key, new Promise((resolve) => release.set(key, resolve)));
  }
  const lookup = tool({
    name: "lookup",
    description: "Looks a key up",
    parameters: z.object({ key: z.enum(["a", "b", "c"]) }),
    execute: async ({ key }) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      if (++started === 3) allStarted();
      await everyoneIn;
      const next = { a: "b", b: "c", c: undefined }[key];
      if (next) await done.get(next);
      inFlight--;
      finished.push(key);
      release.get(key)!();
      return { key, value: key.toUpperCase() };
    },
  });
  return { lookup, stats: () => ({ peak, finished }) };
}

for (const flavor of ["openai", "anthropic"] as const) {
  test(`${flavor} agent: parallel tool calls overlap, results go back in the model's order, in the real wire format`, async () => {
    await withServer(flavor, [THREE_CALLS, { text: "A, B and C" }], async (server, model) => {
      const { lookup, stats } = overlappingLookup();
      const agent = new ToolLoopOperator({ model, tools: [lookup], prompt: "Look up {what}" });
      const { result, records } = await withUsage(() => agent({ what: "everything" }));
      assert.equal(result.response, "A, B and C");
      assert.equal(result.steps, 2);
      assert.equal(stats().peak, 3);
      assert.deepEqual(stats().finished, ["c", "b", "a"]);
      assert.equal(records.length, 2);
      const [first, second] = server.requests;
      if (flavor === "openai") {
        assert.deepEqual(first?.body.tools, [
          {
            type: "function",
            function: {
              name: "lookup",
              description: "Looks a key up",
              parameters: {
                type: "object",
                properties: { key: { type: "string", enum: ["a", "b", "c"] } },
                required: ["key"],
                additionalProperties: false,
              },
            },
          },
        ]);
        const messages = second?.body.messages as Record<string, unknown>[];
        assert.deepEqual(
          messages.map((m) => m.role),
          ["user", "assistant", "tool", "tool", "tool"],
        );
        const assistant = messages[1] as {
          tool_calls: { id: string; function: { arguments: string } }[];
        };
        assert.deepEqual(
          assistant.tool_calls.map((c) => JSON.parse(c.function.arguments).key),
          ["a", "b", "c"],
        );
        assert.deepEqual(
          messages.slice(2).map((m) => [m.tool_call_id, JSON.parse(m.content as string).value]),
          assistant.tool_calls.map((c, i) => [c.id, ["A", "B", "C"][i]]),
        );
      } else {
        assert.deepEqual(
          (first?.body.tools as { name: string; input_schema: unknown }[] | undefined)?.[0],
          {
            name: "lookup",
            description: "Looks a key up",
            input_schema: {
              type: "object",
              properties: { key: { type: "string", enum: ["a", "b", "c"] } },
              required: ["key"],
              additionalProperties: false,
            },
          },
        );
        const messages = second?.body.messages as { role: string; content: unknown }[];
        // Tool results of one turn share one user message, as the Messages API requires.
        assert.deepEqual(
          messages.map((m) => m.role),
          ["user", "assistant", "user"],
        );
        const uses = messages[1]?.content as { type: string; id: string; input: { key: string } }[];
        assert.deepEqual(
          uses.map((b) => [b.type, b.input.key]),
          [
            ["tool_use", "a"],
            ["tool_use", "b"],
            ["tool_use", "c"],
          ],
        );
        const results = messages[2]?.content as {
          type: string;
          tool_use_id: string;
          content: string;
        }[];
        assert.deepEqual(
          results.map((b) => [b.type, b.tool_use_id, JSON.parse(b.content).value]),
          uses.map((u, i) => ["tool_result", u.id, ["A", "B", "C"][i]]),
        );
      }
    });
  });

  test(`${flavor} agent: a throwing tool's error goes back to the model (onToolError "return")`, async () => {
    await withServer(
      flavor,
      [{ toolCalls: [{ name: "fail", arguments: {} }] }, { text: "recovered" }],
      async (server, model) => {
        const fail = tool({
          name: "fail",
          description: "Always fails",
          parameters: z.object({}),
          execute: () => {
            throw new Error("disk on fire");
          },
        });
        const agent = new ToolLoopOperator({ model, tools: [fail], prompt: "go" });
        const out = await agent({});
        assert.equal(out.response, "recovered");
        assert.deepEqual(
          out.messages
            .filter((m) => m.role === "tool")
            .map((m) => [m.content, m.role === "tool" && m.isError]),
          [["Error: disk on fire", true]],
        );
        const sent = JSON.stringify(server.requests[1]?.body.messages);
        assert.match(sent, /disk on fire/);
        if (flavor === "anthropic") assert.match(sent, /"is_error":true/);
      },
    );
  });
}

test('agent: a throwing tool fails the call with onToolError "throw", keeping the cause', async () => {
  await withServer(
    "openai",
    [{ toolCalls: [{ name: "fail", arguments: {} }] }, { text: "never" }],
    async (server, model) => {
      const cause = new Error("disk on fire");
      const fail = tool({
        name: "fail",
        description: "Always fails",
        parameters: z.object({}),
        execute: () => {
          throw cause;
        },
      });
      const agent = new ToolLoopOperator({
        model,
        tools: [fail],
        prompt: "go",
        onToolError: "throw",
      });
      await assert.rejects(agent({}), (err: unknown) => {
        assert.ok(err instanceof OperatorError);
        assert.equal(err.code, "tool_failed");
        assert.equal(err.path, "agent/tools[fail]");
        assert.equal(err.cause, cause);
        assert.match(err.message, /tool fail failed: disk on fire/);
        return true;
      });
      assert.equal(server.requests.length, 1);
    },
  );
});

test("agent: arguments that do not match the zod parameters are a tool error, and unknown tools too", async () => {
  await withServer(
    "openai",
    [
      {
        toolCalls: [
          { name: "add", arguments: { a: "one", b: 2 } },
          { name: "nope", arguments: {} },
        ],
      },
      { text: "ok" },
    ],
    async (_server, model) => {
      let ran = 0;
      const add = tool({
        name: "add",
        description: "Adds",
        parameters: z.object({ a: z.number(), b: z.number() }),
        execute: ({ a, b }) => {
          ran++;
          return a + b;
        },
      });
      const out = await new ToolLoopOperator({ model, tools: [add], prompt: "go" })({});
      const results = out.messages.flatMap((m) => (m.role === "tool" ? [m.content] : []));
      assert.equal(ran, 0);
      assert.match(
        results[0] ?? "",
        /^Error: .*tool add: arguments do not match its parameters \(a: /,
      );
      assert.match(results[1] ?? "", /^Error: no tool named "nope"; the tools are add$/);
    },
  );
});

test("agent: stops at maxSteps with a clear error, having run the tools of the earlier turns only", async () => {
  const loop: FakeReply = { toolCalls: [{ name: "tick", arguments: {} }] };
  await withServer("openai", [loop], async (server, model) => {
    let ticks = 0;
    const tick = tool({
      name: "tick",
      description: "Ticks",
      parameters: z.object({}),
      execute: () => ++ticks,
    });
    const agent = new ToolLoopOperator({ model, tools: [tick], prompt: "go", maxSteps: 3 });
    await assert.rejects(agent({}), (err: unknown) => {
      assert.ok(err instanceof OperatorError);
      assert.equal(err.code, "max_steps_exceeded");
      assert.match(err.message, /asked for tools \(tick\) after 3 turns; raise maxSteps/);
      return true;
    });
    assert.equal(server.requests.length, 3);
    assert.equal(ticks, 2);
  });
});

test("agent: tool calls hold budget slots (a budget of 2 caps them) and observers see each call", async () => {
  await withServer("openai", [THREE_CALLS, { text: "done" }], async (_server, model) => {
    let inFlight = 0;
    let peak = 0;
    const lookup = tool({
      name: "lookup",
      description: "Looks a key up",
      parameters: z.object({ key: z.string() }),
      execute: async ({ key }) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
        inFlight--;
        return key;
      },
    });
    const agent = new ToolLoopOperator({ model, tools: [lookup], prompt: "go" });
    const started: string[] = [];
    const observer = { callStarted: (c: CallInfo) => started.push(c.path) };
    const out = await withScope({ budget: new Budget(2) }, () =>
      withObserver(observer, () => agent({})),
    );
    assert.equal(out.response, "done");
    assert.equal(peak, 2);
    assert.deepEqual(started, [
      "agent",
      "agent/turn",
      "agent/tools[lookup]",
      "agent/tools[lookup]",
      "agent/tools[lookup]",
      "agent/turn",
    ]);
  });
});

test("agent: op.stream yields the final answer's tokens; jit(agent) gives the same answer", async () => {
  await withServer(
    "openai",
    [{ toolCalls: [{ name: "echo", arguments: { text: "hi" } }] }, { chunks: ["Echo", "ed: hi"] }],
    async (_server, model) => {
      const echo = tool({
        name: "echo",
        description: "Echoes",
        parameters: z.object({ text: z.string() }),
        execute: ({ text }) => text,
      });
      const agent = jit(new ToolLoopOperator({ model, tools: [echo], prompt: "Echo {text}" }));
      const tokens: string[] = [];
      let output: unknown;
      for await (const event of agent.stream({ text: "hi" })) {
        if (event.type === "token") tokens.push(event.text);
        if (event.type === "output") output = event.value.response;
      }
      assert.deepEqual(tokens, ["Echo", "ed: hi"]);
      assert.equal(output, "Echoed: hi");
    },
  );
});

test("agent on the simulated provider: calls every tool once, then answers from the results", async () => {
  const seen: unknown[] = [];
  const weather = tool({
    name: "weather",
    description: "Temperature in a city",
    parameters: z.object({ city: z.string() }),
    execute: ({ city }) => {
      seen.push(city);
      return { city, celsius: 21 };
    },
  });
  const out = await new ToolLoopOperator({
    model: "sim:fast",
    tools: [weather],
    prompt: "Weather in {city}?",
  })({
    city: "Paris",
  });
  assert.equal(out.steps, 2);
  assert.equal(seen.length, 1);
  assert.match(out.response, /from 1 tool results: .*celsius/);
});

test("agent and tool options are checked when built", () => {
  const t = tool({ name: "t", description: "d", parameters: z.object({}), execute: () => 1 });
  assert.throws(
    () => tool({ name: "bad name", description: "d", parameters: z.object({}), execute: () => 1 }),
    OptionError,
  );
  assert.throws(
    () => tool({ name: "s", description: "d", parameters: z.string(), execute: () => 1 }),
    /must describe an object/,
  );
  assert.throws(
    () => new ToolLoopOperator({ model: "sim:fast", tools: [t, t], prompt: "x" }),
    /two tools named "t"/,
  );
  assert.throws(
    () => new ToolLoopOperator({ model: "sim:fast", tools: [], prompt: "x" }),
    /tools is/,
  );
  assert.throws(
    () => new ToolLoopOperator({ model: "sim:fast", tools: [t], prompt: "x", maxSteps: 0 }),
    /maxSteps is 0/,
  );
  assert.throws(
    () =>
      new ToolLoopOperator({
        model: "sim:fast",
        tools: [t],
        prompt: "x",
        onToolError: "ignore" as "return",
      }),
    /onToolError is "ignore"; expected one of "return" \| "throw"/,
  );
});
