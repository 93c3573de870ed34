/** The eight workloads of issue 6 and the dataset workload of issue 11, in order, and the shape a contender module exports. */

import type { BuildOf } from "./workload.js";
import { diamond, nShape, randomDags } from "./workloads-dag.js";
import { dataset2k, dataset10k } from "./workloads-dataset.js";
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
  "dataset-2k": dataset2k,
  "dataset-10k": dataset10k,
} as const;

/** `--workload dataset` names both sizes of the dataset workload. */
export const WORKLOAD_GROUPS: Readonly<Record<string, readonly WorkloadName[]>> = {
  dataset: ["dataset-2k", "dataset-10k"],
};

export type Workloads = typeof WORKLOADS;
export type WorkloadName = keyof Workloads;

export const WORKLOAD_NAMES = Object.keys(WORKLOADS) as WorkloadName[];

/** A contender: one build per workload it implements (a missing one is reported as such). */
export type Contender = { readonly [W in WorkloadName]?: BuildOf<Workloads[W]> };

export function isWorkloadName(name: string): name is WorkloadName {
  return Object.hasOwn(WORKLOADS, name);
}
