/**
 * Effect (effect 3.x), written as an Effect user would: each model call an
 * `Effect.promise`, fan-out with `Effect.all(…, { concurrency: "unbounded" })`, DAGs as
 * forked fibers joined by their dependants, `Effect.forEach` with `concurrency: 16` for the
 * capped map, and one `Semaphore` for the global cap. Each run is `Effect.runPromise`.
 */
import { Effect, Fiber, Queue } from "effect";
import { callNode, type Dag, type DagNode, type DagOutput } from "../dag.js";
import type { Contender } from "../workloads.js";
import type { DatasetContext } from "../workloads-dataset.js";
import type { EnsembleContext } from "../workloads-llm.js";

const range = (n: number) => Array.from({ length: n }, (_, k) => k);
const unbounded = { concurrency: "unbounded" } as const;

const node = (n: DagNode, question: string, parents: readonly string[]) =>
  Effect.promise(() => callNode(n, question, parents));

/** Every node a fiber that joins its parents' fibers first: each starts when its inputs exist. */
function runDag(dag: Dag, question: string): Effect.Effect<DagOutput> {
  return Effect.gen(function* () {
    const fibers = new Map<string, Fiber.RuntimeFiber<string>>();
    for (const n of dag.nodes) {
      const parents = Effect.all(
        n.parents.map((p) => Fiber.join(fibers.get(p)!)),
        unbounded,
      );
      fibers.set(n.id, yield* Effect.fork(Effect.flatMap(parents, (ts) => node(n, question, ts))));
    }
    const out: DagOutput = {};
    for (const sink of dag.sinks) out[sink] = yield* Fiber.join(fibers.get(sink)!);
    return out;
  });
}

/** K samples at once, then the judge; `limit` wraps each model call (identity when uncapped). */
function sampleAndJudge(
  ctx: EnsembleContext,
  question: string,
  limit: <A>(e: Effect.Effect<A>) => Effect.Effect<A> = (e) => e,
): Effect.Effect<string> {
  return Effect.all(
    range(ctx.samples).map((k) => limit(Effect.promise(() => ctx.ask(question, k)))),
    unbounded,
  ).pipe(Effect.flatMap((answers) => limit(Effect.promise(() => ctx.judge(question, answers)))));
}

export const contender: Contender = {
  "ensemble-judge": (ctx) => ({
    run: (input) => Effect.runPromise(sampleAndJudge(ctx, input.question)),
  }),

  "deep-sequence": (ctx) => ({
    run: (input) =>
      Effect.runPromise(
        Effect.gen(function* () {
          let text = input.text;
          for (let k = 0; k < ctx.steps; k++) {
            const prev = text;
            text = yield* Effect.promise(() => ctx.step(k, prev));
          }
          return text;
        }),
      ),
  }),

  diamond: ({ dag }) => {
    const [A, B, C, D, E] = ["A", "B", "C", "D", "E"].map((id) => dag.node(id)) as DagNode[];
    return {
      run: ({ question: q }) =>
        Effect.runPromise(
          node(A!, q, []).pipe(
            Effect.flatMap((a) =>
              Effect.all(
                [node(B!, q, [a]), node(C!, q, [a]).pipe(Effect.flatMap((c) => node(D!, q, [c])))],
                unbounded,
              ),
            ),
            Effect.flatMap(([b, d]) => node(E!, q, [b, d])),
            Effect.map((e) => ({ E: e })),
          ),
        ),
    };
  },

  "n-dag": ({ dag }) => {
    const [A, B, C, D] = ["A", "B", "C", "D"].map((id) => dag.node(id)) as DagNode[];
    return {
      run: ({ question: q }) =>
        Effect.runPromise(
          Effect.gen(function* () {
            const a = yield* Effect.fork(node(A!, q, []));
            const b = yield* Effect.fork(node(B!, q, []));
            const [c, d] = yield* Effect.all(
              [
                Fiber.join(a).pipe(Effect.flatMap((x) => node(C!, q, [x]))),
                Effect.all([Fiber.join(a), Fiber.join(b)], unbounded).pipe(
                  Effect.flatMap((xy) => node(D!, q, xy)),
                ),
              ],
              unbounded,
            );
            return { C: c, D: d };
          }),
        ),
    };
  },

  "random-dags": ({ dag }) => ({
    run: (input) => Effect.runPromise(runDag(dag, input.question)),
  }),

  "capped-map": (ctx) => ({
    run: (input) =>
      Effect.runPromise(
        Effect.forEach(input.items, (text) => Effect.promise(() => ctx.item(text)), {
          concurrency: ctx.cap,
        }),
      ),
  }),

  "global-cap": (ctx) => {
    // Effect's documented tool for a shared limit. With ~280 fibers waiting, each release
    // wakes every waiter to re-check (effect 3.22 Semaphore), which is a real cost of this
    // idiom, so it is measured as is.
    const semaphore = Effect.runSync(Effect.makeSemaphore(ctx.cap));
    const limit = <A>(e: Effect.Effect<A>) => semaphore.withPermits(1)(e);
    return {
      run: (input) =>
        Effect.runPromise(
          Effect.forEach(input.questions, (q) => sampleAndJudge(ctx, q, limit), unbounded),
        ),
    };
  },

  "custom-operator": (ctx) => ({
    run: ({ question: q }) =>
      Effect.runPromise(
        Effect.all(
          [Effect.promise(() => ctx.draft(q)), Effect.promise(() => ctx.critique(q))],
          unbounded,
        ).pipe(Effect.flatMap(([d, c]) => Effect.promise(() => ctx.revise(q, d, c)))),
      ),
  }),

  "dataset-2k": (ctx) => datasetForEach(ctx),
  "dataset-10k": (ctx) => datasetForEach(ctx),
};

/**
 * `Effect.forEach` over the items (`cap` at a time), every model call taking a permit from one
 * bounded `Queue` of `cap` tokens. Not `Semaphore.withPermits`: with ~800 fibers waiting, each
 * release of effect 3.22's Semaphore wakes every waiter to re-check, and one 2,000-item run took
 * 361 s (CPU 19 ms per call). A Queue hands a freed token to one waiting taker.
 */
function datasetForEach(ctx: DatasetContext) {
  const tokens = Effect.runSync(Queue.bounded<void>(ctx.cap));
  Effect.runSync(
    Queue.offerAll(
      tokens,
      Array.from({ length: ctx.cap }, () => undefined),
    ),
  );
  const limit = <A>(e: Effect.Effect<A>) =>
    Effect.acquireUseRelease(
      Queue.take(tokens),
      () => e,
      () => Queue.offer(tokens, undefined),
    );
  const perItem: EnsembleContext = {
    samples: ctx.samples,
    ask: ctx.ask,
    judge: ctx.judge,
    expected: () => {
      throw new Error("not used");
    },
  };
  return {
    run: ({ questions }: { questions: string[] }) =>
      Effect.runPromise(
        Effect.forEach(questions, (q) => sampleAndJudge(perItem, q, limit), {
          concurrency: ctx.cap,
        }),
      ),
  };
}
