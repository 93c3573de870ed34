/**
 * A child process for test/datasets-cache.test.ts: writes many replies into one cache
 * directory while another process does the same, then exits.
 *
 *   node --import tsx test/datasets-cache-writer.ts <dir> <writer-name> <count>
 */
import { DiskCache } from "../src/datasets/disk-cache.js";

const [dir = "", writer = "", count = "0"] = process.argv.slice(2);
const cache = new DiskCache(dir);
const n = Number(count);
const writes: Promise<void>[] = [];
for (let i = 0; i < n; i++) {
  // "shared" keys are written by both processes at once; "own" keys by this one only.
  const text = `${writer} ${i} ${"x".repeat(200)}`;
  writes.push(cache.set(`shared-${i}`, { text, usage: { promptTokens: i, completionTokens: 1 } }));
  writes.push(
    cache.set(`${writer}-${i}`, { text, usage: { promptTokens: i, completionTokens: 2 } }),
  );
}
await Promise.all(writes);
process.stdout.write("done\n");
