/**
 * Every error ember-xcs throws is one of a few classes, each extending the built-in it
 * refines, with a `code`, the operator `path` and the original `cause`. The message is built
 * from those fields here, in one place.
 */

export type ErrorCode =
  | "invalid_input"
  | "invalid_output"
  | "not_an_operator"
  | "not_an_object"
  | "step_returned_non_object"
  | "unknown_mode"
  | "unknown_option"
  | "invalid_option"
  | "node_failed"
  | "duplicate_node"
  | "missing_node"
  | "graph_cycle"
  | "timeout"
  | "aborted"
  | "missing_template_key"
  | "invalid_model_output"
  | "provider_error"
  | "tool_failed"
  | "max_steps_exceeded";

/** One problem found by a specification, with the key path inside the value. */
export interface Issue {
  path: (string | number)[];
  message: string;
  code: string;
}

interface ErrorFields {
  path?: string;
  cause?: unknown;
  detail?: string;
}

/** Joins operator path segments: `pipeline/operators[1]/judge`. */
export function formatPath(segments: readonly string[]): string {
  return segments.join("/");
}

/** Formats a key path inside a value: `responses[1].text`. */
export function formatKeyPath(keys: readonly (string | number | symbol)[]): string {
  let out = "";
  for (const key of keys) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out === "" ? "(root)" : out;
}

function compose(code: string, fields: ErrorFields): string {
  const where = fields.path ? ` at ${fields.path}` : "";
  const detail = fields.detail ?? (fields.cause instanceof Error ? fields.cause.message : "");
  return `[${code}]${where}${detail ? `: ${detail}` : ""}`;
}

/** A failure inside an operator or graph node, with the path of the node that failed. */
export class OperatorError extends Error {
  readonly code: ErrorCode;
  readonly path: string;
  constructor(code: ErrorCode, fields: ErrorFields = {}) {
    super(compose(code, fields), { cause: fields.cause });
    this.name = "OperatorError";
    this.code = code;
    this.path = fields.path ?? "";
  }
}

/** Input or output that breaks a specification (or a template, or a Sequence contract). */
export class ValidationError extends TypeError {
  readonly code: ErrorCode;
  readonly path: string;
  readonly issues: Issue[];
  constructor(code: ErrorCode, fields: ErrorFields & { issues?: Issue[] } = {}) {
    const issues = fields.issues ?? [];
    const listed = issues.map((i) => `${formatKeyPath(i.path)}: ${i.message}`).join("; ");
    const detail = fields.detail ?? listed;
    super(compose(code, { ...fields, detail }), { cause: fields.cause });
    this.name = "ValidationError";
    this.code = code;
    this.path = fields.path ?? "";
    this.issues = issues;
  }
}

/** A bad argument to `jit()` or `configure()`: names what was given and what is valid. */
export class OptionError extends TypeError {
  readonly code: ErrorCode;
  readonly got: unknown;
  readonly valid: readonly string[];
  constructor(
    code: ErrorCode,
    fields: { got: unknown; valid: readonly string[]; where: string; what: string },
  ) {
    const valid = fields.valid.map((v) => JSON.stringify(v)).join(" | ");
    super(`${fields.where}: ${fields.what} ${safeString(fields.got)}; expected one of ${valid}`);
    this.name = "OptionError";
    this.code = code;
    this.got = fields.got;
    this.valid = fields.valid;
  }
}

/** A graph that cannot run: duplicate ids, missing nodes, cycles. */
export class GraphError extends Error {
  readonly code: ErrorCode;
  readonly nodes: string[];
  constructor(code: ErrorCode, nodes: string[], detail: string) {
    super(`[${code}] ${detail}`);
    this.name = "GraphError";
    this.code = code;
    this.nodes = nodes;
  }
}

/** A node or run that exceeded its time limit. */
export class TimeoutError extends Error {
  readonly code = "timeout" as const;
  readonly path: string;
  readonly limitMs: number;
  constructor(path: string, limitMs: number) {
    super(`[timeout]${path ? ` at ${path}` : ""}: exceeded ${limitMs} ms`);
    this.name = "TimeoutError";
    this.path = path;
    this.limitMs = limitMs;
  }
}

/** The reason given to an AbortController when a run cancels its pending work. */
export class AbortError extends Error {
  readonly code = "aborted" as const;
  constructor(message = "the operation was aborted", options?: { cause?: unknown }) {
    super(message, options);
    this.name = "AbortError";
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
