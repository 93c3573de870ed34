import { lookupParts, missingKeyError } from "./template-check.js";

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
  if (missing.length > 0) throw missingKeyError(missing, input, path);
  return template.replace(TOKEN, (token, key: string | undefined) => {
    if (token === "{{") return "{";
    if (token === "}}") return "}";
    return render(lookup(input, key ?? ""));
  });
}

function lookup(input: unknown, key: string): unknown {
  return lookupParts(input, key.split("."));
}

function render(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") {
    return String(value);
  }
  return JSON.stringify(value) ?? String(value);
}

/** Characters that cannot be in a placeholder: a brace pair holding one is left as written. */
type NotInKey = " " | '"' | "'" | ":" | "," | "{" | "\n" | "\t" | "(" | ")" | "[" | "]" | "=" | "<";

/** The top-level key a placeholder body reads (`a` for `{a.b}`), or never if it is none. */
type PlaceholderKey<B extends string> = B extends ""
  ? never
  : B extends `${string}${NotInKey}${string}`
    ? never
    : B extends `${infer Top}.${string}`
      ? Top
      : B;

/**
 * The top-level input keys a template literal reads, as a union of string literals:
 * `TemplateKeys<"Q: {question} ({meta.lang})">` is `"question" | "meta"`. `{{` escapes and
 * braces around non-keys (a JSON example) read nothing, as at run time.
 */
export type TemplateKeys<S extends string> = S extends `${string}{${infer Body}}${infer Rest}`
  ? PlaceholderKey<Body> | TemplateKeys<Rest>
  : never;

/**
 * The input a template needs: an object with every key it reads (and any others). For a
 * template only known as `string`, any object.
 */
export type TemplateInput<S extends string> = string extends S
  ? Record<string, unknown>
  : { readonly [K in TemplateKeys<S>]: unknown } & Record<string, unknown>;
