import { PAPER_SCALE, ragPipeline } from "../../examples/papers/teola-rag.js";
import type { Anchor } from "./anchor.js";

const l = PAPER_SCALE;

export const teolaRag: Anchor = {
  id: "teola-rag",
  title: "Teola · document QA, advanced RAG",
  citation: "Tan et al. 2024, Teola: Towards End-to-End Optimization of LLM-based Applications",
  paper: {
    low: 1.89,
    high: 2.33,
    text: "1.89–2.33×",
    baseline: "the same app run module by module",
  },
  detail: `SequenceOperator of modules: split, index (4 × embed ${l.embedBatchMs} ms), expand ${l.expandMs} ms, retrieve (3 × (embed ${l.embedQueryMs} + search ${l.searchMs} ms)), rerank ${l.rerankMs} ms, generate ${l.generateMs} ms`,
  scaling: "per-call latencies at the paper's scale in seconds, divided by 10",
  shows:
    "a module chain runs as a graph: indexing beside query expansion (their declared keys do not meet), and inside the traced modules every batch and every query at once",
  create() {
    const task = ragPipeline();
    return {
      operator: task.pipeline,
      input: task.input,
      boundMs: task.boundMs,
      sequentialMs: task.sequentialMs,
      requests: () => task.provider.requests,
    };
  },
};
