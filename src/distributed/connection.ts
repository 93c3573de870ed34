import { Redis } from "ioredis";

/** Reconnect delays: 50 ms, 100 ms, … capped at 2 s, forever (a Redis restart is waited out). */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(attempt * 50, 2_000);
}

/**
 * A connection that survives a Redis restart: commands issued while it is down wait in the
 * offline queue instead of failing (`maxRetriesPerRequest: null`, which BullMQ requires for
 * workers and which keeps the driver from losing an `add`), and reconnects with backoff.
 */
export function connect(url: string, name: string, autoPipelining = false): Redis {
  const client = new Redis(url, {
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
    retryStrategy: reconnectDelayMs,
    connectionName: name,
    enableAutoPipelining: autoPipelining,
  });
  // Errors while Redis is away are retried by ioredis; without a listener they would crash.
  client.on("error", () => {});
  return client;
}

/** A connection given as a URL is ours to close; one given as a client is the caller's. */
export function ownConnection(
  redis: string | Redis,
  name: string,
  autoPipelining = false,
): { client: Redis; owned: boolean } {
  return typeof redis === "string"
    ? { client: connect(redis, name, autoPipelining), owned: true }
    : { client: redis, owned: false };
}
