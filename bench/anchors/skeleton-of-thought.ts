import { PAPER_SCALE, skeletonOfThought } from "../../examples/papers/skeleton-of-thought.js";
import type { Anchor } from "./anchor.js";

const { skeletonMs, expandMs } = PAPER_SCALE;

export const skeletonOfThoughtAnchor: Anchor = {
  id: "skeleton-of-thought",
  title: "Skeleton-of-Thought",
  citation:
    "Ning et al. 2023, Skeleton-of-Thought: Prompting LLMs for Efficient Parallel Generation",
  paper: { low: 2.39, high: 2.39, text: "up to 2.39×", baseline: "normal generation" },
  detail: `skeleton ${skeletonMs} ms, then 5 point expansions of ${expandMs} ms awaited in turn`,
  scaling: "per-call latencies at the paper's scale in seconds, divided by 10",
  shows:
    "expansions that read only the skeleton start together the moment it arrives, while forward still awaits them one by one",
  create() {
    const task = skeletonOfThought();
    return {
      operator: task.operator,
      input: task.input,
      boundMs: task.boundMs,
      sequentialMs: task.sequentialMs,
      requests: () => task.provider.requests,
    };
  },
};
