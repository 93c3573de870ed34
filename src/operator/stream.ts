import { linkedController } from "../core/cancel.js";
import { AbortError } from "../core/errors.js";
import { withObserver } from "./context.js";
import type { CallInfo, CallObserver, UsageReport } from "./observer.js";

/**
 * What `op.stream(input)` yields: model text as it arrives, each model request's usage when
 * it ends, and last the call's output. `path` is the operator path of the LLM call that
 * produced the event (`qa/operators[1]`), `callId` its `CallInfo.id`, so the tokens of
 * concurrent calls, which interleave, can be told apart.
 */
export type StreamEvent<O> =
  | {
      readonly type: "token";
      readonly path: string;
      readonly callId: number | undefined;
      readonly text: string;
    }
  | ({
      readonly type: "usage";
      readonly path: string;
      readonly callId: number | undefined;
    } & UsageReport)
  | { readonly type: "output"; readonly value: O };

/**
 * Runs `run` with an observer that turns token and usage reports of every call it makes into
 * events, yielded as they happen. The call starts when iteration starts; its error is thrown
 * from the iterator; ending the iteration early (`break`) aborts it and waits for it to stop.
 */
export function streamCall<O>(
  run: (signal: AbortSignal) => Promise<O>,
  signal: AbortSignal | undefined,
): AsyncIterable<StreamEvent<O>> {
  return { [Symbol.asyncIterator]: () => new EventStream(run, signal) };
}

type Waiter<O> = {
  resolve: (r: IteratorResult<StreamEvent<O>>) => void;
  reject: (e: unknown) => void;
};

class EventStream<O> implements AsyncIterator<StreamEvent<O>> {
  private readonly buffer: StreamEvent<O>[] = [];
  private waiter: Waiter<O> | undefined;
  private failure: { error: unknown } | undefined;
  /** The call is over (its output or error is in). */
  private settled = false;
  /** The consumer is done: nothing more is delivered. */
  private closed = false;
  private running: Promise<void> | undefined;
  private link: { controller: AbortController; dispose: () => void } | undefined;

  constructor(
    private readonly run: (signal: AbortSignal) => Promise<O>,
    private readonly signal: AbortSignal | undefined,
  ) {}

  next(): Promise<IteratorResult<StreamEvent<O>>> {
    if (!this.running && !this.closed) this.start();
    const event = this.buffer.shift();
    if (event) return Promise.resolve({ value: event, done: false });
    if (this.failure) {
      const { error } = this.failure;
      this.failure = undefined;
      this.closed = true;
      return Promise.reject(error);
    }
    if (this.settled || this.closed) {
      this.closed = true;
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  async return(): Promise<IteratorResult<StreamEvent<O>>> {
    this.closed = true;
    this.buffer.length = 0;
    this.failure = undefined;
    if (this.running && !this.settled) {
      this.link?.controller.abort(new AbortError("the stream's consumer stopped reading"));
      await this.running;
    }
    return { value: undefined, done: true };
  }

  private start(): void {
    const link = linkedController(this.signal);
    this.link = link;
    const observer: CallObserver = {
      token: (call, text) =>
        this.push({ type: "token", path: pathOf(call), callId: call?.id, text }),
      usage: (call, report) =>
        this.push({
          type: "usage",
          ...report,
          path: call ? pathOf(call) : report.path,
          callId: call?.id,
        }),
    };
    let call: Promise<O>;
    try {
      call = withObserver(observer, () => this.run(link.controller.signal));
    } catch (error) {
      call = Promise.reject(error);
    }
    this.running = call.then(
      (value) => {
        this.push({ type: "output", value });
        this.settle(undefined);
      },
      (error: unknown) => this.settle({ error }),
    );
  }

  private push(event: StreamEvent<O>): void {
    if (this.closed) return;
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = undefined;
      waiter.resolve({ value: event, done: false });
    } else this.buffer.push(event);
  }

  private settle(failure: { error: unknown } | undefined): void {
    this.settled = true;
    this.link?.dispose();
    if (this.closed) return;
    const waiter = this.waiter;
    this.waiter = undefined;
    // A waiting consumer has drained the buffer: it gets the end (or the error) now.
    if (waiter) {
      this.closed = true;
      if (failure) waiter.reject(failure.error);
      else waiter.resolve({ value: undefined, done: true });
    } else this.failure = failure;
  }
}

function pathOf(call: CallInfo | undefined): string {
  return call?.path ?? "";
}
