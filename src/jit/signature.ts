/**
 * The shape of an input (keys, types, array lengths), never its values. Bounded: past a
 * depth or a number of keys the rest is summarised, so a huge input costs a bounded walk.
 */
const MAX_DEPTH = 4;
const MAX_KEYS = 32;

export function signatureOf(value: unknown, depth = 0): string {
  if (value === null) return "null";
  const type = typeof value;
  if (type !== "object") return type;
  if (depth >= MAX_DEPTH) return Array.isArray(value) ? "array" : "object";
  if (Array.isArray(value)) {
    const shown = value.slice(0, MAX_KEYS).map((v) => signatureOf(v, depth + 1));
    return `[${value.length}:${shown.join(",")}]`;
  }
  const keys = Object.keys(value as object);
  const parts: string[] = [];
  for (let i = 0; i < keys.length && i < MAX_KEYS; i++) {
    const key = keys[i]!;
    parts.push(`${key}:${signatureOf((value as Record<string, unknown>)[key], depth + 1)}`);
  }
  if (keys.length > MAX_KEYS) parts.push(`…+${keys.length - MAX_KEYS}`);
  return `{${parts.join(",")}}`;
}
