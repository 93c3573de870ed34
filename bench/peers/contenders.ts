/**
 * The contenders, in table order. Each lives in its own module, loaded only by the process
 * that runs it, so no process pays for (or warms up) another library.
 */
import type { Contender, WorkloadName } from "./workloads.js";

export interface ContenderEntry {
  readonly label: string;
  /** What the row is for: the row the ember-xcs targets apply to, or a peer. */
  readonly role: "target" | "reference" | "peer";
  /** The workloads it implements, when not all: the others get no process and no row. */
  readonly only?: readonly WorkloadName[];
  load(): Promise<Contender>;
}

export const CONTENDERS = {
  "ember-xcs": {
    label: "ember-xcs jit",
    role: "target",
    load: async () => (await import("./contenders/ember.js")).contender,
  },
  "ember-eager": {
    label: "ember-xcs eager (no jit)",
    role: "reference",
    only: ["dataset-2k", "dataset-10k"],
    load: async () => (await import("./contenders/ember-eager.js")).contender,
  },
  "ember-timeline": {
    label: "ember-xcs jit + timeline recorder",
    role: "reference",
    only: ["dataset-2k", "dataset-10k"],
    load: async () => (await import("./contenders/ember-timeline.js")).contender,
  },
  "ember-graph": {
    label: "ember-xcs Graph (no jit)",
    role: "reference",
    only: ["diamond", "n-dag", "random-dags"],
    load: async () => (await import("./contenders/ember-graph.js")).contender,
  },
  lcel: {
    label: "LangChain LCEL",
    role: "peer",
    load: async () => (await import("./contenders/lcel.js")).contender,
  },
  langgraph: {
    label: "LangGraph StateGraph",
    role: "peer",
    load: async () => (await import("./contenders/langgraph.js")).contender,
  },
  "langgraph-fn": {
    label: "LangGraph Functional",
    role: "peer",
    load: async () => (await import("./contenders/langgraph-fn.js")).contender,
  },
  effect: {
    label: "Effect",
    role: "peer",
    load: async () => (await import("./contenders/effect.js")).contender,
  },
  promise: {
    label: "Promise.all by hand",
    role: "peer",
    load: async () => (await import("./contenders/promise.js")).contender,
  },
} as const satisfies Record<string, ContenderEntry>;

export type ContenderName = keyof typeof CONTENDERS;

export const CONTENDER_NAMES = Object.keys(CONTENDERS) as ContenderName[];

export function isContenderName(name: string): name is ContenderName {
  return Object.hasOwn(CONTENDERS, name);
}
