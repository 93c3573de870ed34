import { ValidationError } from "../core/errors.js";

/**
 * `{name}` and `{a.b}` are placeholders; `{{` and `}}` are literal braces. Any other brace is
 * left as written, so a JSON example inside a prompt needs no escaping.
 */
const TOKEN = /\{\{|\}\}|\{([A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)*)\}/g;

/** The keys a template reads, in order of first use. */
export function templateKeys(template: string): string[] {
  const keys = new Set<string>();
  for (const match of template.matchAll(TOKEN)) if (match[1]) keys.add(match[1]);
  return [...keys];
}

/**
 * Fills `{key}` placeholders from `input`. Strings go in as they are, other values as JSON.
 * Every missing key is reported at once, before any request could be sent.
 *
 * @example
 * fillTemplate("Q: {question}", { question: "2+2?" }, "qa"); // "Q: 2+2?"
 */
export function fillTemplate(template: string, input: unknown, path: string): string {
  const missing = templateKeys(template).filter((key) => lookup(input, key) === undefined);
  if (missing.length > 0) {
    const available = input !== null && typeof input === "object" ? Object.keys(input) : [];
    throw new ValidationError("missing_template_key", {
      path,
      detail: `prompt needs ${missing.map((k) => `{${k}}`).join(", ")}; input has ${
        available.length > 0 ? available.join(", ") : "no keys"
      }`,
      issues: missing.map((key) => ({
        path: key.split("."),
        message: "missing from input",
        code: "missing_template_key",
      })),
    });
  }
  return template.replace(TOKEN, (token, key: string | undefined) => {
    if (token === "{{") return "{";
    if (token === "}}") return "}";
    return render(lookup(input, key ?? ""));
  });
}

function lookup(input: unknown, key: string): unknown {
  let value: unknown = input;
  for (const part of key.split(".")) {
    if (value === null || typeof value !== "object") return undefined;
    // Own properties only: `{constructor}` must not read Object.prototype.
    if (!Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function render(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") {
    return String(value);
  }
  return JSON.stringify(value) ?? String(value);
}
