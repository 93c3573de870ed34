import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";
import {
  collectOperators,
  DistributedError,
  mayRunRemotely,
  registerOperators,
} from "../src/distributed/index.js";
import { decodeFailure, encodeFailure, isWireSafe, jobIdFor } from "../src/distributed/job.js";
import { EnsembleOperator, jit, MapOperator, SequenceOperator } from "../src/index.js";
import build from "./fixtures/distributed-module.js";

test("registerOperators: leaves that may run remotely, by name, from the default export (an operator or a function)", async () => {
  const registry = await registerOperators({ default: build });
  assert.deepEqual([...registry.keys()].sort(), [
    "answer",
    "count",
    "critic",
    "measure",
    "normalize",
    "tag",
  ]);
  // The effectful stamp stays in the driver; composites are never jobs.
  assert.ok(!registry.has("stamp"));
  assert.ok(!registry.has("sequence"));
  for (const op of registry.values()) assert.ok(mayRunRemotely(op));
  await assert.rejects(registerOperators({ default: 42 }), /default export/);
});

test("registerOperators: one instance reached twice counts once; two instances under one name are an error naming both", () => {
  const shared = new MapOperator({ name: "double", fn: (x: number) => x * 2 });
  const ok = collectOperators(
    jit(new EnsembleOperator({ operators: [shared, shared] }), { mode: "structural" }) as never,
  );
  assert.deepEqual([...ok.keys()], ["double"]);
  const twice = new SequenceOperator({
    operators: [
      new MapOperator({ fn: (x: object) => x }),
      new MapOperator({ fn: (x: object) => x }),
    ],
  });
  assert.throws(
    () => collectOperators(twice as never),
    (e: unknown) =>
      e instanceof DistributedError &&
      e.code === "duplicate_operator_name" &&
      /"map" at sequence\/operators\[0\], sequence\/operators\[1\]/.test(e.message),
  );
});

test("jobs: ids avoid ':' (BullMQ reserves it), keep paths apart, and failures keep the worker's code", () => {
  assert.equal(jobIdFor("r1", "qa/llm:fast#x", 3), "r1|qa/llm%3Afast#x#3");
  assert.notEqual(jobIdFor("r", "a%3Ab", 0), jobIdFor("r", "a:b", 0));
  const err = decodeFailure(
    encodeFailure({
      code: "provider_error",
      message: "[provider_error] boom",
      name: "ProviderError",
      worker: "w1",
    }),
    "r|p#0",
    "p",
  );
  assert.equal(err.code, "provider_error");
  assert.equal(err.worker, "w1");
  assert.equal(err.message, "[provider_error] boom");
  assert.equal(
    decodeFailure("job stalled more than allowable limit", "j", "p").code,
    "job_stalled",
  );
  assert.ok(isWireSafe({ a: [1, "x", null, { b: true }] }));
  assert.ok(!isWireSafe({ d: new Date() }));
  assert.ok(!isWireSafe({ u: undefined }));
  assert.ok(!isWireSafe({ n: Number.NaN }));
});

test("layers: nothing below src/distributed imports it, and the core entry does not load bullmq", () => {
  const offenders: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!["distributed", "cli"].includes(entry.name)) walk(path);
      } else if (path.endsWith(".ts")) {
        const text = readFileSync(path, "utf8");
        if (
          /from "(\.\.?\/)+distributed\/|from "\.\/distributed\/|from "(bullmq|ioredis|rate-limiter-flexible)"/.test(
            text,
          )
        )
          offenders.push(path);
      }
    }
  };
  walk(new URL("../src", import.meta.url).pathname);
  assert.deepEqual(offenders, []);
});

test("BullMQExecutor.open: bad limits are an OptionError naming the option, before any connection", async () => {
  const { BullMQExecutor } = await import("../src/distributed/index.js");
  const { OptionError } = await import("../src/index.js");
  await assert.rejects(
    BullMQExecutor.open({
      redis: "redis://127.0.0.1:1",
      operators: new Map(),
      limits: { maxConcurrency: 0 },
    }),
    (e: unknown) => e instanceof OptionError && /limits\.maxConcurrency/.test(e.message),
  );
  await assert.rejects(
    BullMQExecutor.open({
      redis: "redis://127.0.0.1:1",
      operators: new Map(),
      limits: { rateLimit: { max: 5, durationMs: 1.5 } },
    }),
    (e: unknown) => e instanceof OptionError && /rateLimit\.durationMs/.test(e.message),
  );
});
