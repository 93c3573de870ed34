import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

test("npm start writes the timeline of its run and prints where", async () => {
  const cwd = mkdtempSync(join(tmpdir(), "ember-quickstart-"));
  try {
    const env = { ...process.env };
    // The simulated model, whatever the machine has configured.
    delete env.OPENAI_API_KEY;
    delete env.OPENAI_BASE_URL;
    // Run from another folder, "ember-xcs" resolves to src/ through the checkout's tsconfig paths.
    env.TSX_TSCONFIG_PATH = join(root, "tsconfig.json");
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [join(root, "node_modules/tsx/dist/cli.mjs"), join(root, "examples/quickstart.ts")],
      { cwd, env, timeout: 120_000 },
    );
    const file = join(cwd, "quickstart-timeline.html");
    assert.ok(existsSync(file));
    assert.match(stdout, new RegExp(`timeline: ${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
    const calls = Number(/(\d+) calls, wall/.exec(stdout)?.[1]);
    const html = readFileSync(file, "utf8");
    assert.equal(html.match(/class="bar /g)?.length, calls);
    assert.ok(calls > 0);
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
});
