/**
 * A distributed run: the leaf calls of a pipeline run as BullMQ jobs on a worker, through
 * Redis. The worker registers this module's operators by name (it never receives code); the
 * driver keeps the scheduler, the budget and every effectful call. Needs Redis and the
 * optional peers: `npm install bullmq@^6.7 ioredis@^6 rate-limiter-flexible@^11.4`.
 *
 *   redis-server --port 6379 --bind 127.0.0.1 &
 *   REDIS_URL=redis://127.0.0.1:6379 npx tsx examples/distributed.ts
 *
 * Here the worker runs in this process, for a self-contained example; on other machines it
 * would be `npx ember-xcs worker examples/distributed.ts --redis $REDIS_URL`. Without a
 * reachable Redis the example says so and exits 0.
 */
import { connect } from "node:net";
import { pathToFileURL } from "node:url";
import { LLMOperator, MapOperator, SequenceOperator } from "ember-xcs";

// The module's default export: the operator a worker registers and the driver runs.
const pipeline = new SequenceOperator({
  name: "triage",
  operators: [
    new MapOperator({
      name: "normalize",
      effects: "pure",
      fn: (i: { ticket: string }) => ({ ticket: i.ticket.trim() }),
    }),
    new LLMOperator({
      name: "summarize",
      model: "sim:fast",
      temperature: 0,
      prompt: "Summarize this support ticket: {ticket}",
      outputKey: "summary",
    }),
    new LLMOperator({
      name: "reply",
      model: "sim:fast",
      temperature: 0,
      prompt: "Suggest a first reply to: {summary}",
      outputKey: "reply",
    }),
  ],
});
export default pipeline;

/** Whether something answers a Redis PING at `url` within a second. */
function redisAnswers(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port || 6379) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once("error", () => done(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (data) => done(data.toString().startsWith("+PONG")));
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const redis = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
  if (!(await redisAnswers(redis))) {
    console.log(
      `distributed: skipped, no Redis answers at ${redis} (start one with redis-server, or set REDIS_URL)`,
    );
    process.exit(0);
  }
  // Loaded only now: bullmq and ioredis are optional peers, needed for this part only.
  const { collectOperators, startWorker, withBullMQ } = await import("ember-xcs/distributed");
  // What `ember-xcs worker` does with a module's default export: register its leaves by name.
  const worker = await startWorker({
    redis,
    operators: collectOperators(pipeline),
    concurrency: 16,
  });

  const tickets = [
    "  My invoice shows the wrong VAT number  ",
    "The app logs me out every few minutes",
    "How do I export my data to CSV?",
    "Password reset email never arrives",
  ];
  const { outputs, jobs } = await withBullMQ({ redis, operators: pipeline }, async (executor) => {
    const outputs = await Promise.all(tickets.map((ticket) => pipeline({ ticket })));
    return { outputs, jobs: executor.stats.completed };
  });
  for (const out of outputs) console.log(`- ${out.ticket}\n  reply: ${out.reply}`);
  console.log(
    `distributed: ${tickets.length} tickets, ${jobs} leaf calls ran as BullMQ jobs on worker ${worker.name}`,
  );
  await worker.close();
}
