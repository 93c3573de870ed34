import assert from "node:assert/strict";
import { test } from "node:test";
import { realClock } from "../src/core/clock.js";
import { OptionError } from "../src/core/errors.js";
import type { CallContext } from "../src/operator/context.js";
import { Operator } from "../src/operator/operator.js";
import {
  type Backoff,
  backoffDelayMs,
  RetryOperator,
  retryPolicy,
  runWithRetry,
} from "../src/operators/retry.js";
import { rejectionOf } from "./fakes.js";

/** Fails its first `failures` calls with errors it keeps, then returns the call number. */
class Flaky extends Operator<unknown, number> {
  override readonly effects = "effectful";
  calls = 0;
  readonly errors: Error[] = [];
  constructor(private readonly failures: number) {
    super();
  }
  forward(_input: unknown, _ctx: CallContext): number {
    this.calls++;
    if (this.calls <= this.failures) {
      const err = new Error(`failure ${this.calls}`);
      this.errors.push(err);
      throw err;
    }
    return this.calls;
  }
}

test("retry: succeeds after failures, calling the operator once per attempt", async () => {
  const flaky = new Flaky(2);
  const retry = new RetryOperator({ operator: flaky, maxAttempts: 3, retryDelayMs: 1 });
  assert.equal(await retry({}), 3);
  assert.equal(flaky.calls, 3);
  assert.equal(retry.effects, "effectful");
});

test("retry: gives up after maxAttempts with the original last error", async () => {
  const flaky = new Flaky(Number.POSITIVE_INFINITY);
  const retry = new RetryOperator({
    operator: flaky,
    maxAttempts: 4,
    retryDelayMs: 1,
    backoff: "constant",
  });
  const err = await rejectionOf(retry({}));
  assert.equal(err, flaky.errors[3]);
  assert.equal(flaky.calls, 4);
});

test("retry: no retry when shouldRetry says no; it sees the error and attempt number", async () => {
  const flaky = new Flaky(Number.POSITIVE_INFINITY);
  const asked: [unknown, number][] = [];
  const retry = new RetryOperator({
    operator: flaky,
    maxAttempts: 5,
    retryDelayMs: 1,
    shouldRetry: (error, attempt) => {
      asked.push([error, attempt]);
      return attempt < 2;
    },
  });
  assert.equal(await rejectionOf(retry({})), flaky.errors[1]);
  assert.equal(flaky.calls, 2);
  assert.deepEqual(asked, [
    [flaky.errors[0], 1],
    [flaky.errors[1], 2],
  ]);
});

test("retry: backoffDelayMs gives each backoff's delay sequence", () => {
  const sequence = (backoff: Backoff, maxDelayMs?: number) =>
    [1, 2, 3, 4, 5, 6].map((n) =>
      backoffDelayMs(retryPolicy({ retryDelayMs: 10, backoff, maxDelayMs }), n),
    );
  assert.deepEqual(sequence("exponential"), [10, 20, 40, 80, 160, 320]);
  assert.deepEqual(sequence("linear"), [10, 20, 30, 40, 50, 60]);
  assert.deepEqual(sequence("fibonacci"), [10, 10, 20, 30, 50, 80]);
  assert.deepEqual(sequence("constant"), [10, 10, 10, 10, 10, 10]);
  assert.deepEqual(sequence("exponential", 50), [10, 20, 40, 50, 50, 50]);
});

test("retry: jitter scales the capped delay by a random factor in [0, 1]", () => {
  const policy = retryPolicy({ retryDelayMs: 10, jitter: true, maxDelayMs: 30 });
  assert.equal(
    backoffDelayMs(policy, 3, () => 0.5),
    15,
  );
  assert.equal(
    backoffDelayMs(policy, 1, () => 0),
    0,
  );
  assert.equal(
    backoffDelayMs(policy, 2, () => 1),
    20,
  );
});

test("retry: nested retries keep separate counts", async () => {
  const always = new Flaky(Number.POSITIVE_INFINITY);
  const inner = new RetryOperator({ operator: always, maxAttempts: 2, retryDelayMs: 1 });
  const outer = new RetryOperator({ operator: inner, maxAttempts: 3, retryDelayMs: 1 });
  assert.equal(await rejectionOf(outer({})), always.errors[5]);
  assert.equal(always.calls, 6);

  // The inner count restarts on each outer attempt: fails 1-3, succeeds on call 4.
  const flaky = new Flaky(3);
  const nested = new RetryOperator({
    operator: new RetryOperator({ operator: flaky, maxAttempts: 2, retryDelayMs: 1 }),
    maxAttempts: 3,
    retryDelayMs: 1,
  });
  assert.equal(await nested({}), 4);
});

test("retry: concurrent calls of one RetryOperator do not share attempts", async () => {
  let calls = 0;
  const attempts: number[] = [];
  const policy = retryPolicy({ maxAttempts: 2, retryDelayMs: 1 });
  const run = () =>
    runWithRetry(async (n) => {
      attempts.push(n);
      calls++;
      if (n === 1) throw new Error("first attempt fails");
      return n;
    }, policy);
  assert.deepEqual(await Promise.all([run(), run(), run()]), [2, 2, 2]);
  assert.equal(calls, 6);
  assert.deepEqual(attempts.sort(), [1, 1, 1, 2, 2, 2]);
});

test("retry: an abort while waiting stops at once with the abort reason", async () => {
  const controller = new AbortController();
  const reason = new Error("stop");
  let attempts = 0;
  const run = runWithRetry(
    async () => {
      attempts++;
      setImmediate(() => controller.abort(reason)); // lands during the 60 s wait
      throw new Error("fails");
    },
    retryPolicy({ retryDelayMs: 60_000 }),
    controller.signal,
  );
  assert.equal(await rejectionOf(run), reason);
  assert.equal(attempts, 1);
});

test("retry: options are validated at construction", () => {
  const operator = new Flaky(0);
  const code = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      return err instanceof OptionError ? err.code : "not an OptionError";
    }
    return "no error";
  };
  assert.equal(
    code(() => new RetryOperator({ operator, maxAttempts: 0 })),
    "invalid_option",
  );
  assert.equal(
    code(() => new RetryOperator({ operator, maxAttempts: 1.5 })),
    "invalid_option",
  );
  assert.equal(
    code(() => new RetryOperator({ operator, retryDelayMs: -1 })),
    "invalid_option",
  );
  assert.equal(
    code(() => new RetryOperator({ operator, backoff: "quadratic" as Backoff })),
    "invalid_option",
  );
  assert.equal(
    code(() => new RetryOperator({ operator, maxAttempt: 2 } as never)),
    "unknown_option",
  );
  assert.equal(
    code(() => new RetryOperator({ operator: {} as never })),
    "not an OptionError",
  );
  assert.throws(() => new RetryOperator({ operator, backoff: "quadratic" as Backoff }), {
    message:
      '[invalid_option] RetryOperator: backoff is "quadratic"; expected one of "exponential" | "linear" | "fibonacci" | "constant"',
  });
});

test("retry: the policy is public and filled with defaults", () => {
  const retry = new RetryOperator({ operator: new Flaky(0) });
  assert.deepEqual(retry.policy, {
    maxAttempts: 3,
    retryDelayMs: 1000,
    backoff: "exponential",
    jitter: false,
    maxDelayMs: undefined,
    shouldRetry: undefined,
    clock: realClock,
  });
  assert.equal(retry.name, "retry");
  assert.deepEqual(
    retry.children().map((c) => c.name),
    ["operator"],
  );
});
