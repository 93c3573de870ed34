import assert from "node:assert/strict";
import { test } from "node:test";
import { OptionError } from "../src/core/errors.js";
import { FakeClock } from "../src/core/fake-clock.js";
import { jit } from "../src/jit/jit.js";
import type { CallContext } from "../src/operator/context.js";
import { Operator } from "../src/operator/operator.js";
import { RetryOperator, retryPolicy, runWithRetry } from "../src/operators/retry.js";

/** Fails its first `failures` calls, recording the fake time of every attempt. */
class Flaky extends Operator<unknown, number> {
  override readonly effects = "effectful";
  readonly attemptsAt: number[] = [];
  constructor(
    private readonly failures: number,
    private readonly clock: FakeClock,
  ) {
    super();
  }
  forward(_input: unknown, _ctx: CallContext): number {
    this.attemptsAt.push(this.clock.now());
    if (this.attemptsAt.length <= this.failures)
      throw new Error(`failure ${this.attemptsAt.length}`);
    return this.attemptsAt.length;
  }
}

test("RetryOperator on a fake clock: exponential backoff waits 100, 200, 400 ms exactly", async () => {
  const clock = new FakeClock();
  const flaky = new Flaky(3, clock);
  const retry = new RetryOperator({ operator: flaky, maxAttempts: 4, retryDelayMs: 100, clock });
  assert.equal(retry.policy.clock, clock);
  const result = retry({});
  await clock.advance(299);
  assert.deepEqual(flaky.attemptsAt, [0, 100], "the third attempt is due at 300");
  await clock.advance(1);
  assert.deepEqual(flaky.attemptsAt, [0, 100, 300]);
  assert.equal(await clock.runAll(), 1);
  assert.equal(await result, 4);
  assert.deepEqual(flaky.attemptsAt, [0, 100, 300, 700]);
  assert.equal(clock.pending, 0);
});

test("runWithRetry on a fake clock: fibonacci waits, and an abort mid-wait clears the timer", async () => {
  const clock = new FakeClock();
  const attemptsAt: number[] = [];
  const controller = new AbortController();
  const policy = retryPolicy({ maxAttempts: 10, retryDelayMs: 10, backoff: "fibonacci", clock });
  const run = runWithRetry(
    async () => {
      attemptsAt.push(clock.now());
      throw new Error("again");
    },
    policy,
    controller.signal,
  );
  await clock.advance(45);
  // Waits of 10, 10, 20 put the attempts at 0, 10, 20, 40; the next is due at 70.
  assert.deepEqual(attemptsAt, [0, 10, 20, 40]);
  assert.equal(clock.pending, 1);
  const reason = new Error("cancelled");
  controller.abort(reason);
  await assert.rejects(run, (err) => err === reason);
  assert.equal(clock.pending, 0);
});

test("a jitted RetryOperator waits on the same fake clock (the clock is part of the policy)", async () => {
  for (const mode of ["structural", "trace", "enhanced", "auto"] as const) {
    const clock = new FakeClock();
    const flaky = new Flaky(2, clock);
    const retry = new RetryOperator({
      operator: flaky,
      retryDelayMs: 50,
      backoff: "linear",
      clock,
    });
    const result = jit(retry, { mode })({});
    await clock.advance(149);
    assert.deepEqual(flaky.attemptsAt, [0, 50], mode);
    await clock.advance(1);
    assert.equal(await result, 3, mode);
    assert.deepEqual(flaky.attemptsAt, [0, 50, 150], mode);
    assert.equal(clock.pending, 0, mode);
  }
});

test("RetryOperator refuses a clock that is not a Clock", () => {
  const operator = new Flaky(0, new FakeClock());
  assert.throws(
    () => new RetryOperator({ operator, clock: { now: () => 0 } as never }),
    (err: unknown) =>
      err instanceof OptionError &&
      err.code === "invalid_option" &&
      /RetryOperator: clock is \[object Object\]; expected one of "a Clock/.test(err.message),
  );
});
