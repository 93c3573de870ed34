import { hotpotQA, PAPER_SCALE } from "../../examples/papers/llmcompiler.js";
import type { Anchor } from "./anchor.js";

const { thoughtMs, searchMs, finishMs } = PAPER_SCALE.hotpotqa;

export const llmcompilerHotpotQA: Anchor = {
  id: "llmcompiler-hotpotqa",
  title: "LLMCompiler · HotpotQA comparison",
  citation: "Kim et al. 2023, An LLM Compiler for Parallel Function Calling",
  paper: { low: 1.8, high: 1.8, text: "1.80×", baseline: "ReAct" },
  detail: `ReAct-style loop: 2 × (thought ${thoughtMs} ms + search ${searchMs} ms), then the answer ${finishMs} ms`,
  scaling: "per-call latencies at the paper's scale in seconds, divided by 25",
  shows:
    "two look-ups awaited in turn run side by side: the trace strategy starts both thoughts at once and each search as soon as its thought is back",
  create() {
    const task = hotpotQA();
    return {
      operator: task.agent,
      input: task.input,
      boundMs: task.boundMs,
      sequentialMs: task.sequentialMs,
      requests: () => task.provider.requests,
    };
  },
};
