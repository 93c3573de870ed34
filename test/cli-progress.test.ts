import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { BIN, readRecords, runCli, SRC, workDir, writeLines } from "./cli-helpers.js";

function slowModule(dir: string): string {
  const path = join(dir, "slow.ts");
  writeFileSync(
    path,
    `import { MapOperator } from ${JSON.stringify(SRC)};
export default new MapOperator({ fn: async (i: { n: number }) => {
  await new Promise((r) => setTimeout(r, 2));
  return { n: i.n };
} });
`,
  );
  return path;
}

const hasScript = spawnSync("script", ["--version"]).status === 0;

test("on a terminal, progress is a bar on stderr with items, calls in flight, tokens, cost and ETA", {
  skip: hasScript ? false : "util-linux `script` (a pseudo-terminal) is not installed",
}, async () => {
  const dir = workDir();
  const input = join(dir, "in.jsonl");
  writeLines(
    input,
    Array.from({ length: 40 }, (_, n) => ({ n })),
  );
  const out = join(dir, "out.jsonl");
  const command = [process.execPath, BIN, "run", slowModule(dir), "--input", input, "--output", out]
    .map((a) => `'${a}'`)
    .join(" ");
  // `script` runs the command on a pseudo-terminal, so stderr.isTTY is true as for a user.
  const screen = await new Promise<string>((resolve) => {
    const child = spawn("script", ["-qec", command, "/dev/null"], {
      cwd: dir,
      env: { ...process.env, EMBER_XCS_FROM_SOURCE: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let text = "";
    child.stdout.on("data", (c: Buffer) => {
      text += c.toString();
    });
    child.on("close", () => resolve(text));
  });
  assert.match(screen, /40\/40 items \| 0 failed \| \d+ in flight \| 0 tokens \| \$0\.0000 \| ETA/);
  assert.match(screen, /ember-xcs run: 40 ok/);
  assert.equal(readRecords(out).length, 40);
});

test("off a terminal, progress is plain periodic lines; --no-progress prints only the summary", async () => {
  const dir = workDir();
  const input = join(dir, "in.jsonl");
  writeLines(
    input,
    Array.from({ length: 100 }, (_, n) => ({ n })),
  );
  const env = { EMBER_PROGRESS_INTERVAL_MS: "5" };
  const withLines = await runCli(
    [
      "run",
      slowModule(dir),
      "--input",
      input,
      "--output",
      join(dir, "a.jsonl"),
      "--concurrency",
      "2",
    ],
    { cwd: dir, env },
  );
  assert.equal(withLines.code, 0, withLines.stderr);
  assert.match(
    withLines.stderr,
    /^progress: \d+\/100 items \(0 failed\) · \d+ calls in flight · 0 tokens · \$0\.0000 · [\d.]+ s$/m,
  );
  const quiet = await runCli(
    ["run", slowModule(dir), "--input", input, "--output", join(dir, "b.jsonl"), "--no-progress"],
    { cwd: dir, env },
  );
  assert.equal(quiet.code, 0);
  assert.doesNotMatch(quiet.stderr, /progress:/);
  assert.match(quiet.stderr, /^ember-xcs run: 100 ok/m);
});
