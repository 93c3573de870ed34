/**
 * Every error ember-xcs throws is one of a few classes, each extending the built-in it
 * refines, with a `code` from that class's own union, the operator `path` ("" when there is
 * none) and the original `cause`. Every message is built from those fields by
 * `formatMessage`, in one place: `[code] at path: subject: detail; expected one of …`.
 */
import { formatKeyPath, named } from "./paths.js";

export { formatKeyPath, formatPath } from "./paths.js";

/** Codes of `OperatorError`, `ProviderError` included. */
export type OperatorErrorCode =
  | "node_failed"
  | "provider_error"
  | "tool_failed"
  | "max_steps_exceeded";

/** Codes of `ValidationError`, `ModelOutputError` included. */
export type ValidationErrorCode =
  | "invalid_input"
  | "invalid_output"
  | "not_an_operator"
  | "not_an_object"
  | "step_returned_non_object"
  | "missing_template_key"
  | "invalid_model_output";

/** Codes of `OptionError`: a key nobody reads, a mode that does not exist, a bad value. */
export type OptionErrorCode = "unknown_option" | "unknown_mode" | "invalid_option";

/** Codes of `GraphError`. */
export type GraphErrorCode = "duplicate_node" | "missing_node" | "graph_cycle";

/** Every code any ember-xcs error carries. */
export type ErrorCode =
  | OperatorErrorCode
  | ValidationErrorCode
  | OptionErrorCode
  | GraphErrorCode
  | "timeout"
  | "aborted";

/** One problem found by a specification, with the key path inside the value. */
export interface Issue {
  path: (string | number)[];
  message: string;
  code: string;
}

/** The fields a message is built from; every one is optional. */
export interface MessageParts {
  /** The operator path: `at qa/vote/operators[1]`. */
  path?: string;
  /** The operator's own name, printed before its path: `at judge (qa/operators[1])`. */
  name?: string;
  /** What the detail is about, printed before it: `jit()`, `openai:m answered 500 after 4 attempts`. */
  subject?: string;
  /** What happened. Defaults to the issues, listed, then to the cause's message. */
  detail?: string;
  issues?: readonly Issue[];
  /** The values that would have been valid: `expected one of "a" | "b"`. */
  expected?: readonly string[];
  cause?: unknown;
}

/** Lists issues as `key.path: message; other[1]: message`. */
export function formatIssues(issues: readonly Issue[]): string {
  return issues.map((i) => `${formatKeyPath(i.path)}: ${i.message}`).join("; ");
}

/**
 * The one message builder: `[code] at path: subject: detail; expected one of "a" | "b"`, each
 * part left out when empty (`[graph_cycle] cycle: a → b → a` has no path).
 */
export function formatMessage(code: string, parts: MessageParts = {}): string {
  const issues = parts.issues && parts.issues.length > 0 ? formatIssues(parts.issues) : "";
  const fromCause = parts.cause instanceof Error ? parts.cause.message : "";
  const detail = parts.detail ?? (issues || fromCause);
  let body = [parts.subject, detail].filter((s) => s !== undefined && s !== "").join(": ");
  if (parts.expected) {
    const valid = parts.expected.map((v) => JSON.stringify(v)).join(" | ");
    body += `${body ? "; " : ""}expected one of ${valid}`;
  }
  const where = parts.path ? ` at ${named(parts.name, parts.path)}` : "";
  if (body === "") return `[${code}]${where}`;
  return `[${code}]${where}${where ? ":" : ""} ${body}`;
}

interface ErrorFields {
  path?: string;
  /** The failing operator's name, shown beside its path. */
  name?: string;
  cause?: unknown;
  detail?: string;
  /** Printed before the detail (see `MessageParts.subject`). */
  subject?: string;
}

/** A failure inside an operator or graph node, with the path of the node that failed. */
export class OperatorError extends Error {
  readonly code: OperatorErrorCode;
  readonly path: string;
  constructor(code: OperatorErrorCode, fields: ErrorFields = {}) {
    super(formatMessage(code, fields), { cause: fields.cause });
    this.name = "OperatorError";
    this.code = code;
    this.path = fields.path ?? "";
  }
}

/** Input or output that breaks a specification (or a template, or a Sequence contract). */
export class ValidationError extends TypeError {
  readonly code: ValidationErrorCode;
  readonly path: string;
  readonly issues: Issue[];
  constructor(code: ValidationErrorCode, fields: ErrorFields & { issues?: Issue[] } = {}) {
    const issues = fields.issues ?? [];
    super(formatMessage(code, { ...fields, issues }), { cause: fields.cause });
    this.name = "ValidationError";
    this.code = code;
    this.path = fields.path ?? "";
    this.issues = issues;
  }
}

/**
 * A bad argument (to `jit()`, `configure()`, a constructor, a graph run): names where, what
 * was given and what is valid. `path` is the operator it belongs to, "" when none.
 */
export class OptionError extends TypeError {
  readonly code: OptionErrorCode;
  readonly path: string;
  readonly got: unknown;
  readonly valid: readonly string[];
  constructor(
    code: OptionErrorCode,
    fields: { got: unknown; valid: readonly string[]; where: string; what: string; path?: string },
  ) {
    super(
      formatMessage(code, {
        path: fields.path,
        subject: fields.where,
        detail: `${fields.what} ${safeString(fields.got)}`,
        expected: fields.valid,
      }),
    );
    this.name = "OptionError";
    this.code = code;
    this.path = fields.path ?? "";
    this.got = fields.got;
    this.valid = fields.valid;
  }
}

/** A graph that cannot run: duplicate ids, missing nodes, cycles. `nodes` names them. */
export class GraphError extends Error {
  readonly code: GraphErrorCode;
  readonly path: string;
  readonly nodes: string[];
  constructor(
    code: GraphErrorCode,
    nodes: string[],
    detail: string,
    fields: { path?: string; cause?: unknown } = {},
  ) {
    super(formatMessage(code, { ...fields, detail }), { cause: fields.cause });
    this.name = "GraphError";
    this.code = code;
    this.path = fields.path ?? "";
    this.nodes = nodes;
  }
}

/** A node or run that exceeded its time limit. */
export class TimeoutError extends Error {
  readonly code = "timeout" as const;
  readonly path: string;
  readonly limitMs: number;
  constructor(path: string, limitMs: number, fields: { cause?: unknown } = {}) {
    super(formatMessage("timeout", { path, detail: `exceeded ${limitMs} ms` }), {
      cause: fields.cause,
    });
    this.name = "TimeoutError";
    this.path = path;
    this.limitMs = limitMs;
  }
}

/** The reason given to an AbortController when a run cancels its pending work. */
export class AbortError extends Error {
  readonly code = "aborted" as const;
  readonly path: string;
  constructor(
    message = "the operation was aborted",
    options: { cause?: unknown; path?: string } = {},
  ) {
    super(formatMessage("aborted", { path: options.path, detail: message }), {
      cause: options.cause,
    });
    this.name = "AbortError";
    this.path = options.path ?? "";
  }
}

/**
 * The reason a call the JIT started early is aborted when nobody claims it: the call was
 * wasted, not failed (usage and stats count it apart).
 */
export class SpeculationMissed extends AbortError {
  constructor() {
    super("speculation missed");
  }
}

function safeString(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
