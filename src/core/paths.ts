/**
 * The one formatter for operator paths (`pipeline/operators[1]/judge`) and for key paths
 * inside a value (`responses[1].text`). Errors, usage records, stats and debug output all
 * print paths through these, so one path reads the same everywhere.
 */

/** A segment for an element of a list- or map-valued field: `operators[1]`, `routes[fast]`. */
export function indexed(field: string, key: string | number): string {
  return `${field}[${key}]`;
}

/** The path of `segment` under `parentPath`; a root (empty parent) is the segment alone. */
export function childPath(parentPath: string, segment: string): string {
  if (parentPath === "") return segment;
  if (segment === "") return parentPath;
  return `${parentPath}/${segment}`;
}

/** Joins operator path segments, skipping empty ones: `pipeline/operators[1]/judge`. */
export function formatPath(segments: readonly string[]): string {
  return segments.reduce(childPath, "");
}

/** Formats a key path inside a value: `responses[1].text`; the value itself is `(root)`. */
export function formatKeyPath(keys: readonly (string | number | symbol)[]): string {
  let out = "";
  for (const key of keys) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out === "" ? "(root)" : out;
}

/**
 * How a node is named wherever it is shown: `judge (rag/operators[2])` — the operator's own
 * name first, then where it sits. Just the path when the name adds nothing (a root call, or
 * a field named like its operator).
 */
export function named(name: string | undefined, path: string): string {
  if (!name) return path;
  if (path === "") return name;
  const last = path.slice(path.lastIndexOf("/") + 1);
  return last === name ? path : `${name} (${path})`;
}
