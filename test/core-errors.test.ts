import assert from "node:assert/strict";
import { test } from "node:test";
import {
  AbortError,
  type ErrorCode,
  formatMessage,
  GraphError,
  OperatorError,
  OptionError,
  TimeoutError,
  ValidationError,
} from "../src/core/errors.js";
import { jit } from "../src/jit/jit.js";
import { ModelOutputError, ProviderError } from "../src/models/errors.js";
import { MapOperator } from "../src/operators/map.js";

const given = { got: 1, valid: ["x"], where: "w", what: "got" };

test("each class accepts only its own codes (checked by npm run typecheck)", () => {
  // @ts-expect-error a graph code is not an option code
  new OptionError("graph_cycle", given);
  // @ts-expect-error an option code is not a graph code
  new GraphError("invalid_option", [], "detail");
  // @ts-expect-error a graph code is not a validation code
  new ValidationError("duplicate_node");
  // @ts-expect-error a validation code is not an operator code
  new OperatorError("invalid_input");
  const optionCode: OptionError["code"] = "unknown_mode";
  const graphCode: GraphError["code"] = "graph_cycle";
  // @ts-expect-error the union of option codes has no graph code
  const wrong: OptionError["code"] = "graph_cycle";
  // Every class's codes are part of ErrorCode.
  const all: ErrorCode[] = [
    optionCode,
    graphCode,
    new OperatorError("node_failed").code,
    new ValidationError("invalid_input").code,
    new TimeoutError("", 1).code,
    new AbortError().code,
    wrong,
  ];
  assert.equal(all.length, 7);
});

test("formatMessage builds every message: code, path, subject, detail, expected values", () => {
  assert.equal(formatMessage("timeout"), "[timeout]");
  assert.equal(formatMessage("timeout", { path: "qa/ask" }), "[timeout] at qa/ask");
  assert.equal(
    formatMessage("graph_cycle", { detail: "cycle: a → a" }),
    "[graph_cycle] cycle: a → a",
  );
  assert.equal(
    formatMessage("provider_error", { path: "llm", subject: "m answered 500", detail: "boom" }),
    "[provider_error] at llm: m answered 500: boom",
  );
  assert.equal(
    formatMessage("unknown_mode", {
      subject: "jit()",
      detail: 'unknown mode "x"',
      expected: ["a", "b"],
    }),
    '[unknown_mode] jit(): unknown mode "x"; expected one of "a" | "b"',
  );
  assert.equal(
    formatMessage("invalid_input", {
      path: "p",
      issues: [
        { path: ["responses", 1, "text"], message: "required", code: "x" },
        { path: [], message: "bad", code: "y" },
      ],
    }),
    "[invalid_input] at p: responses[1].text: required; (root): bad",
  );
  assert.equal(
    formatMessage("node_failed", { path: "n", cause: new Error("inner") }),
    "[node_failed] at n: inner",
  );
  assert.equal(formatMessage("node_failed", { cause: "not an Error" }), "[node_failed]");
});

test("every class has code, path ('' when none) and a message from the one builder", () => {
  const cause = new Error("root cause");
  const cases: [Error & { code: string; path: string }, string, string, string][] = [
    [
      new OperatorError("node_failed", { path: "a", cause }),
      "node_failed",
      "a",
      "[node_failed] at a: root cause",
    ],
    [
      new ValidationError("not_an_object", { detail: "got 3" }),
      "not_an_object",
      "",
      "[not_an_object] got 3",
    ],
    [
      new OptionError("invalid_option", { ...given, path: "qa/retry" }),
      "invalid_option",
      "qa/retry",
      '[invalid_option] at qa/retry: w: got 1; expected one of "x"',
    ],
    [
      new OptionError("unknown_option", given),
      "unknown_option",
      "",
      '[unknown_option] w: got 1; expected one of "x"',
    ],
    [
      new GraphError("missing_node", ["b"], 'no node "b"'),
      "missing_node",
      "",
      '[missing_node] no node "b"',
    ],
    [
      new GraphError("graph_cycle", ["a"], "cycle", { path: "outer" }),
      "graph_cycle",
      "outer",
      "[graph_cycle] at outer: cycle",
    ],
    [new TimeoutError("slow", 5), "timeout", "slow", "[timeout] at slow: exceeded 5 ms"],
    [new TimeoutError("", 5), "timeout", "", "[timeout] exceeded 5 ms"],
    [new AbortError(), "aborted", "", "[aborted] the operation was aborted"],
    [
      new AbortError("a sibling failed", { path: "x" }),
      "aborted",
      "x",
      "[aborted] at x: a sibling failed",
    ],
  ];
  for (const [error, code, path, message] of cases) {
    assert.equal(error.code, code, message);
    assert.equal(error.path, path, message);
    assert.equal(error.message, message);
  }
});

test("GraphError and TimeoutError keep their cause", () => {
  const cause = new Error("why");
  assert.equal(new GraphError("graph_cycle", ["a"], "cycle", { cause }).cause, cause);
  assert.equal(new TimeoutError("n", 3, { cause }).cause, cause);
  assert.equal(new TimeoutError("n", 3).cause, undefined);
  const option = new OptionError("invalid_option", given);
  assert.ok(option instanceof TypeError);
  assert.deepEqual([option.got, option.valid], [1, ["x"]]);
});

test("subclasses narrow the code and build their message through the same builder", () => {
  const provider = new ProviderError({
    path: "llm",
    model: "openai:m",
    attempts: 2,
    status: 503,
    detail: "unavailable",
  });
  const code: "provider_error" = provider.code;
  assert.equal(code, "provider_error");
  assert.ok(provider instanceof OperatorError);
  assert.equal(
    provider.message,
    "[provider_error] at llm: openai:m answered 503 after 2 attempts: unavailable",
  );
  const output = new ModelOutputError({ path: "judge", rawText: "nope", detail: "not JSON" });
  const outputCode: "invalid_model_output" = output.code;
  assert.equal(outputCode, "invalid_model_output");
  assert.equal(output.message, '[invalid_model_output] at judge: not JSON; raw reply: "nope"');
});

test("an unknown jit() option is unknown_option, like every other unknown option", () => {
  const op = new MapOperator({ fn: (x: object) => x });
  const codeOf = (options: object): unknown => {
    try {
      jit(op, options as never);
    } catch (err) {
      return err instanceof OptionError ? err.code : err;
    }
    return "no error";
  };
  assert.equal(codeOf({ speed: 3 }), "unknown_option");
  assert.equal(codeOf({ mode: "fast" }), "unknown_mode");
  assert.equal(codeOf({ forceTrace: "yes" }), "invalid_option");
});
