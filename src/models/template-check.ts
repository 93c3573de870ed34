import { ValidationError } from "../core/errors.js";
import { type CallContext, type CallOptions, cancelOf } from "../operator/context.js";
import type { AnyOperator } from "../operator/operator.js";

/**
 * The check that every `{key}` a template reads is in the input, and the error when one is
 * not. The error lists the keys the input has and, for a missing key, a key the input has
 * under a near-miss name (`ctx` for `{context}`): the usual cause of the error.
 */
export class TemplateReads {
  /** Each key a template reads, split at its dots once, so a check allocates nothing. */
  private readonly parts: readonly (readonly string[])[];

  constructor(readonly keys: readonly string[]) {
    this.parts = keys.map((key) => key.split("."));
  }

  /** Whether `input` has every key (own properties only, as the template reads them). */
  has(input: unknown): boolean {
    for (const parts of this.parts) if (lookupParts(input, parts) === undefined) return false;
    return true;
  }

  /**
   * The error a call of `op` with `input` must fail with before it is made (a key missing),
   * or undefined. Not for an aborted call (its abort wins) nor one a worker runs (the
   * worker checks the input it is sent).
   */
  refusal(
    op: AnyOperator,
    input: unknown,
    path: string,
    parent: CallContext | undefined,
    options: CallOptions | undefined,
  ): ValidationError | undefined {
    if (this.has(input)) return undefined;
    // However the call is cancelled: a signal, or a composite's controller (cancelOf).
    if (cancelOf(options, parent).aborted) return undefined;
    if (parent?.executor?.accepts(op)) return undefined;
    return this.error(input, path);
  }

  /**
   * `run()` (the operator's own `execute`), unless `refusal` says the call is refused: then
   * that error, as a rejection. What an operator with a template adds to `execute`.
   */
  guard<T>(
    op: AnyOperator,
    input: unknown,
    path: string,
    parent: CallContext | undefined,
    options: CallOptions | undefined,
    run: () => Promise<T>,
  ): Promise<T> {
    const refused = this.refusal(op, input, path, parent, options);
    return refused ? Promise.reject(refused) : run();
  }

  /** The missing_template_key error for `input`, which lacks at least one key. */
  error(input: unknown, path: string): ValidationError {
    return missingKeyError(
      this.keys.filter((_, i) => lookupParts(input, this.parts[i]!) === undefined),
      input,
      path,
    );
  }
}

/** Reads `a.b.c` from `input`, own properties only: `{constructor}` must not read a prototype. */
export function lookupParts(input: unknown, parts: readonly string[]): unknown {
  let value: unknown = input;
  for (const part of parts) {
    if (value === null || typeof value !== "object") return undefined;
    if (!Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** Every missing key named at once, the input's keys beside them, and a near miss if any. */
export function missingKeyError(
  missing: readonly string[],
  input: unknown,
  path: string,
): ValidationError {
  const available = isObject(input) ? Object.keys(input) : [];
  const hints = missing
    .map((key) => hintFor(key, input))
    .filter((hint): hint is string => hint !== undefined);
  const has = available.length > 0 ? available.join(", ") : "no keys";
  return new ValidationError("missing_template_key", {
    path,
    detail: `prompt needs ${missing.map((k) => `{${k}}`).join(", ")}; input has ${has}${
      hints.length > 0 ? `; ${hints.join("; ")}` : ""
    }`,
    issues: missing.map((key) => ({
      path: key.split("."),
      message: "missing from input",
      code: "missing_template_key",
    })),
  });
}

/**
 * "did you mean `context`? (the input has `ctx`)" when the object that lacks the key's next
 * part holds a key close to it; undefined when none is close.
 */
function hintFor(key: string, input: unknown): string | undefined {
  const parts = key.split(".");
  let value: unknown = input;
  let at = 0;
  while (at < parts.length - 1 && isObject(value) && Object.hasOwn(value, parts[at]!)) {
    value = (value as Record<string, unknown>)[parts[at]!];
    at++;
  }
  if (!isObject(value)) return undefined;
  const wanted = parts[at]!;
  const near = nearest(wanted, Object.keys(value));
  if (near === undefined) return undefined;
  const prefix = parts.slice(0, at).join(".");
  const had = prefix === "" ? near : `${prefix}.${near}`;
  return `did you mean \`${parts.slice(0, at + 1).join(".")}\`? (the input has \`${had}\`)`;
}

/**
 * The candidate closest to `wanted` that counts as a near miss, by one small rule: the same
 * ignoring case, within 1 edit (an adjacent swap is one; 2 for keys of 6 or more characters), a prefix of it or it a
 * prefix of the candidate (2 characters at least), or an abbreviation (the shorter's letters in
 * order inside the longer, same first letter: `ctx` for `context`). Ties go to fewer edits.
 */
export function nearest(wanted: string, candidates: readonly string[]): string | undefined {
  const w = wanted.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const c = candidate.toLowerCase();
    if (c === w && candidate === wanted) continue;
    const distance = editDistance(w, c);
    const close =
      distance <= (Math.max(w.length, c.length) >= 6 ? 2 : 1) ||
      (Math.min(w.length, c.length) >= 2 && (c.startsWith(w) || w.startsWith(c))) ||
      isAbbreviation(w, c);
    if (close && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function isAbbreviation(a: string, b: string): boolean {
  const [short, long] = a.length <= b.length ? [a, b] : [b, a];
  if (short.length < 2 || short[0] !== long[0]) return false;
  let i = 0;
  for (const ch of long) if (ch === short[i]) i++;
  return i === short.length;
}

/** Edits between two strings: insertions, deletions, substitutions and adjacent swaps. */
function editDistance(a: string, b: string): number {
  const rows: number[][] = [Array.from({ length: b.length + 1 }, (_, j) => j)];
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, row[j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      }
      row.push(d);
    }
    rows.push(row);
  }
  return rows[a.length]![b.length]!;
}

function isObject(value: unknown): value is object {
  return value !== null && typeof value === "object";
}
