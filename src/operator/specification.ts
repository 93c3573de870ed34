import type { z } from "zod";
import { type Issue, ValidationError } from "../core/errors.js";

/** Zod schemas for an operator's input and output, checked on every call. */
export interface Specification<I = unknown, O = unknown> {
  input?: z.ZodType<I>;
  output?: z.ZodType<O>;
}

/** Parses `value` with `schema`, throwing a ValidationError that names the operator path. */
export function checkSchema<T>(
  schema: z.ZodType<T>,
  value: unknown,
  code: "invalid_input" | "invalid_output",
  path: string,
  name?: string,
): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new ValidationError(code, {
    path,
    name,
    issues: issuesOf(parsed.error),
    cause: parsed.error,
  });
}

/** Zod's issues in our shape: code, message, and the key path inside the value. */
export function issuesOf(error: z.ZodError): Issue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map((key) => (typeof key === "symbol" ? String(key) : key)),
    message: issue.message,
    code: issue.code,
  }));
}

/**
 * The top-level keys a schema declares, when it is a plain (key-stripping) zod object.
 * Such a schema proves which keys an operator reads or writes; anything else proves nothing.
 */
export function declaredKeys(schema: z.ZodType | undefined): string[] | undefined {
  if (!schema) return undefined;
  const def = (schema as unknown as { def?: { type?: string; shape?: object; catchall?: unknown } })
    .def;
  if (def?.type !== "object" || !def.shape) return undefined;
  if (def.catchall !== undefined) return undefined;
  return Object.keys(def.shape);
}
