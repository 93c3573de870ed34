/**
 * DESIGN §5: each folder of src/ imports only the layers below it. Read from the sources, so
 * an upward import (a type import included) fails here rather than in review.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

const ORDER = [
  "core",
  "operator",
  "graph",
  "engine",
  "operators",
  "jit",
  "models",
  "datasets",
  "observe",
  "distributed",
  "cli",
];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sources(join(dir, e.name))
      : e.name.endsWith(".ts")
        ? [join(dir, e.name)]
        : [],
  );
}

test("layers: no folder of src/ imports a layer above it", () => {
  const upward: string[] = [];
  for (const file of sources("src")) {
    const layer = file.split(/[\\/]/)[1]!;
    const rank = ORDER.indexOf(layer);
    if (rank < 0) continue;
    for (const m of readFileSync(file, "utf8").matchAll(/from "(?:\.\.\/)+([a-z-]+)\//g)) {
      const to = ORDER.indexOf(m[1]!);
      if (to > rank) upward.push(`${file} imports ${m[1]}`);
    }
  }
  assert.deepEqual(upward, []);
});

test("layers: every folder of src/ has its place in the order", () => {
  const folders = readdirSync("src", { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name);
  assert.deepEqual(
    folders.filter((f) => !ORDER.includes(f)),
    [],
  );
});
