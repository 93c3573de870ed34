/** Workloads 3, 4 and 5: DAGs of model calls whose bound is the critical path. */
import { type Dag, type DagOutput, diamondDag, evaluateDag, nDag, randomDag } from "./dag.js";
import type { WorkloadSpec } from "./workload.js";

export interface DagContext {
  readonly dag: Dag;
}

type DagSpec = WorkloadSpec<DagContext, { question: string }, DagOutput>;

const reference: DagSpec["reference"] = (ctx, input) => evaluateDag(ctx.dag, input.question);

export const diamond: DagSpec = {
  id: "3-asymmetric-diamond",
  title: "Asymmetric diamond",
  detail: "A(20) → B(100) → E(20) and A → C(40) → D(40) → E; latencies in ms",
  boundLabel: "critical path A→B→E",
  plan: { variants: 1, warmup: 3, runs: 21, callsPerRun: 1 },
  context: (meter) => ({ dag: diamondDag(meter) }),
  input: (_v, i) => ({ question: `w3 question ${i}` }),
  reference,
};

export const nShape: DagSpec = {
  id: "4-n-dag",
  title: '"N" DAG',
  detail:
    "A → C, A → D, B → D with A 20, B 80, C 100, D 40 ms; best series-parallel nesting 140 ms, level by level 180 ms",
  boundLabel: "critical path A→C, B→D",
  plan: { variants: 1, warmup: 3, runs: 21, callsPerRun: 1 },
  context: (meter) => ({ dag: nDag(meter) }),
  input: (_v, i) => ({ question: `w4 question ${i}` }),
  reference,
};

export const randomDags: DagSpec = {
  id: "5-random-dags",
  title: "Random layered DAGs",
  detail:
    "20 seeds × 200 nodes in 8–14 layers, up to 3 parents each, log-normal latency (median 10 ms, sigma 0.5) per call",
  boundLabel: "critical path, per input",
  plan: { variants: 20, warmup: 1, runs: 1, callsPerRun: 1 },
  context: (meter, variant) => ({ dag: randomDag(meter, variant + 1) }),
  input: (v, i) => ({ question: `w5 seed ${v + 1} question ${i}` }),
  reference,
};
