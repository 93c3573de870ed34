/**
 * How a child call's input is built from the parent's input and the outputs of earlier
 * calls: found by object identity first, then by paths into those values, field by field
 * for objects built from paths (`{ q: input.q }`), and constants for the rest. A
 * derivation is wiring: evaluated on a new call's values, it predicts the new input.
 */
export type Derivation =
  | {
      readonly kind: "source";
      readonly source: number;
      readonly path: readonly (string | number)[];
    }
  | { readonly kind: "const"; readonly value: unknown }
  | { readonly kind: "object"; readonly fields: readonly (readonly [string, Derivation])[] }
  | { readonly kind: "array"; readonly items: readonly Derivation[] };

const MAX_SEARCH_DEPTH = 3;
const MAX_SEARCH_KEYS = 64;
const MAX_BUILD_DEPTH = 4;
/** Wider objects and arrays are not rebuilt field by field: each field costs a search. */
const MAX_BUILD_KEYS = 256;

/**
 * Sources: index 0 is the parent's input, index j + 1 the output of traced call j (or
 * undefined while that call has not finished). Returns undefined when the value cannot be
 * predicted (a class instance built in the parent, a function).
 */
export function deriveInput(value: unknown, sources: readonly unknown[]): Derivation | undefined {
  return derive(value, sources, 0);
}

function derive(
  value: unknown,
  sources: readonly unknown[],
  depth: number,
): Derivation | undefined {
  const found = findPath(value, sources);
  if (found) return found;
  if (value === null || typeof value !== "object") {
    return typeof value === "function" || typeof value === "symbol"
      ? undefined
      : { kind: "const", value };
  }
  if (depth >= MAX_BUILD_DEPTH) return undefined;
  if (Array.isArray(value)) {
    if (value.length > MAX_BUILD_KEYS) return undefined;
    const items: Derivation[] = [];
    for (const item of value) {
      const d = derive(item, sources, depth + 1);
      if (!d) return undefined;
      items.push(d);
    }
    return { kind: "array", items };
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return undefined;
  const keys = Object.keys(value);
  if (keys.length > MAX_BUILD_KEYS) return undefined;
  const fields: [string, Derivation][] = [];
  for (const key of keys) {
    const d = derive((value as Record<string, unknown>)[key], sources, depth + 1);
    if (!d) return undefined;
    fields.push([key, d]);
  }
  return { kind: "object", fields };
}

/** The first path (parent input first, then outputs) whose value is `value` itself. */
function findPath(value: unknown, sources: readonly unknown[]): Derivation | undefined {
  // Booleans, undefined and null say nothing about where a value came from.
  if (value === undefined || value === null || typeof value === "boolean") return undefined;
  for (let s = 0; s < sources.length; s++) {
    const path = search(sources[s], value, [], 0);
    if (path) return { kind: "source", source: s, path };
  }
  return undefined;
}

function search(
  where: unknown,
  value: unknown,
  path: (string | number)[],
  depth: number,
): (string | number)[] | undefined {
  if (where === value) return [...path];
  if (where === null || typeof where !== "object" || depth >= MAX_SEARCH_DEPTH) return undefined;
  if (Array.isArray(where)) {
    for (let i = 0; i < where.length && i < MAX_SEARCH_KEYS; i++) {
      path.push(i);
      const found = search(where[i], value, path, depth + 1);
      path.pop();
      if (found) return found;
    }
    return undefined;
  }
  // The first keys only, without listing them all: a source may have 100,000.
  let seen = 0;
  for (const key in where) {
    if (!Object.hasOwn(where, key)) continue;
    if (seen++ >= MAX_SEARCH_KEYS) break;
    path.push(key);
    const found = search(readSafely(where, key), value, path, depth + 1);
    path.pop();
    if (found) return found;
  }
  return undefined;
}

function readSafely(object: object, key: string): unknown {
  try {
    return (object as Record<string, unknown>)[key];
  } catch {
    return undefined;
  }
}

/**
 * Whether a derivation holds a constant: a literal of forward's, or a value computed in
 * forward from earlier results that no path leads to (`a.join("\n")`, `n * 2`). The trace
 * cannot tell the two apart, so such a call is started early only once a run has shown the
 * constant holds (see Speculation).
 */
export function hasConstant(d: Derivation): boolean {
  if (d.kind === "const") return true;
  if (d.kind === "object") return d.fields.some(([, f]) => hasConstant(f));
  if (d.kind === "array") return d.items.some(hasConstant);
  return false;
}

/** The calls (traced indices) a derivation reads outputs of. */
export function dependencies(d: Derivation, into = new Set<number>()): Set<number> {
  if (d.kind === "source" && d.source > 0) into.add(d.source - 1);
  else if (d.kind === "object") for (const [, f] of d.fields) dependencies(f, into);
  else if (d.kind === "array") for (const item of d.items) dependencies(item, into);
  return into;
}

/** The input a derivation predicts for this call's sources. */
export function evaluate(d: Derivation, sources: readonly unknown[]): unknown {
  switch (d.kind) {
    case "const":
      return d.value;
    case "source": {
      let at: unknown = sources[d.source];
      for (const key of d.path) {
        if (at === null || typeof at !== "object") return undefined;
        at = readSafely(at, String(key));
      }
      return at;
    }
    case "array":
      return d.items.map((item) => evaluate(item, sources));
    case "object": {
      const out: Record<string, unknown> = {};
      for (const [key, f] of d.fields)
        Object.defineProperty(out, key, {
          value: evaluate(f, sources),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      return out;
    }
  }
}

/** Short printed form: `input.q`, `#2.text`, `{q: input.q, n: 3}`. */
export function formatDerivation(d: Derivation): string {
  switch (d.kind) {
    case "const":
      // Constants are primitives; JSON.stringify throws on a BigInt and prints NaN as null.
      if (typeof d.value === "string") return JSON.stringify(d.value);
      return typeof d.value === "bigint" ? `${d.value}n` : String(d.value);
    case "source": {
      const root = d.source === 0 ? "input" : `#${d.source - 1}`;
      return root + d.path.map((k) => (typeof k === "number" ? `[${k}]` : `.${k}`)).join("");
    }
    case "array":
      return `[${d.items.map(formatDerivation).join(", ")}]`;
    case "object":
      return `{${d.fields.map(([k, f]) => `${k}: ${formatDerivation(f)}`).join(", ")}}`;
  }
}
