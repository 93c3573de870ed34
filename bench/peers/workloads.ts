/** The eight workloads of issue 6, in order, and the shape a contender module exports. */

import type { BuildOf } from "./workload.js";
import { diamond, nShape, randomDags } from "./workloads-dag.js";
import {
  cappedMap,
  cappedQuestions,
  customOperator,
  deepSequence,
  ensembleJudge,
} from "./workloads-llm.js";

export const WORKLOADS = {
  "ensemble-judge": ensembleJudge,
  "deep-sequence": deepSequence,
  diamond,
  "n-dag": nShape,
  "random-dags": randomDags,
  "capped-map": cappedMap,
  "global-cap": cappedQuestions,
  "custom-operator": customOperator,
} as const;

export type Workloads = typeof WORKLOADS;
export type WorkloadName = keyof Workloads;

export const WORKLOAD_NAMES = Object.keys(WORKLOADS) as WorkloadName[];

/** A contender: one build per workload it implements (a missing one is reported as such). */
export type Contender = { readonly [W in WorkloadName]?: BuildOf<Workloads[W]> };

export function isWorkloadName(name: string): name is WorkloadName {
  return Object.hasOwn(WORKLOADS, name);
}
