import { movieRecommendation, PAPER_SCALE } from "../../examples/papers/llmcompiler.js";
import type { Anchor } from "./anchor.js";

const { thoughtMs, searchMs, finishMs } = PAPER_SCALE.movie;

export const llmcompilerMovie: Anchor = {
  id: "llmcompiler-movie",
  title: "LLMCompiler · Movie Recommendation",
  citation: "Kim et al. 2023, An LLM Compiler for Parallel Function Calling",
  paper: { low: 3.74, high: 3.74, text: "3.74×", baseline: "ReAct" },
  detail: `ReAct-style loop: 8 × (thought ${thoughtMs} ms + search ${searchMs} ms), then the pick ${finishMs} ms`,
  scaling: "per-call latencies at the paper's scale in seconds, divided by 25",
  shows:
    "eight independent look-ups in a loop become one wave of eight, then the final pick: the loop's cost no longer grows with its length",
  create() {
    const task = movieRecommendation();
    return {
      operator: task.agent,
      input: task.input,
      boundMs: task.boundMs,
      sequentialMs: task.sequentialMs,
      requests: () => task.provider.requests,
    };
  },
};
