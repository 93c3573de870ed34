/**
 * Values of fuzzed programs. Steps return strings built from a hash of what they read, so
 * results are deterministic; a stochastic leaf appends a sample token `§<leaf>#<n>@<call>§`
 * that no step hashes (`stableKey` strips tokens), so a comparison sees where samples land,
 * never their numbers.
 */

const TOKEN = /§[^§]*§/g;

/** Canonical JSON (sorted keys) with sample tokens reduced to `~sample~`: what steps hash. */
export function stableKey(value: unknown, depth = 0): string {
  if (value === undefined) return "u";
  if (value === null || typeof value !== "object") {
    return typeof value === "string"
      ? JSON.stringify(value.replace(TOKEN, "~sample~"))
      : String(value);
  }
  if (depth > 32) return "…";
  if (Array.isArray(value)) return `[${value.map((v) => stableKey(v, depth + 1)).join(",")}]`;
  const keys = Object.keys(value).sort();
  const rec = value as Record<string, unknown>;
  return `{${keys.map((k) => `${JSON.stringify(k)}:${stableKey(rec[k], depth + 1)}`).join(",")}}`;
}

/** FNV-1a over the stable key: a small deterministic number for data-dependent choices. */
export function hashOf(value: unknown): number {
  const text = stableKey(value);
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export const digest = (value: unknown) => hashOf(value).toString(36).slice(0, 5);

/**
 * The observable result: canonical JSON where each distinct sample token becomes its order
 * of first appearance, so two results agree when samples sit in the same places.
 */
export function canonical(value: unknown): string {
  const seen = new Map<string, number>();
  const text = canonicalJson(value, 0);
  return text.replace(TOKEN, (token) => {
    let n = seen.get(token);
    if (n === undefined) {
      n = seen.size;
      seen.set(token, n);
    }
    return `§${n}§`;
  });
}

function canonicalJson(value: unknown, depth: number): string {
  if (value === undefined) return "u";
  if (value === null || typeof value !== "object") {
    return typeof value === "string" ? JSON.stringify(value) : String(value);
  }
  if (depth > 32) return "…";
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v, depth + 1)).join(",")}]`;
  const rec = value as Record<string, unknown>;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(rec[k], depth + 1)}`).join(",")}}`;
}

/** The call indices of the sample tokens in `value`. */
export function tokenCalls(value: unknown): number[] {
  return [...canonicalJson(value, 0).matchAll(/§[^§@]*@(\d+)§/g)].map((m) => Number(m[1]));
}

export function read(value: unknown, k: string): unknown {
  return value !== null && typeof value === "object"
    ? (value as Record<string, unknown>)[k]
    : undefined;
}

export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const { code, path } = err as { code?: unknown; path?: unknown };
    const extra = code === undefined ? "" : ` code=${String(code)} path=${String(path)}`;
    return `${err.constructor.name}: ${err.message}${extra}`;
  }
  return `thrown ${canonical(err)}`;
}
