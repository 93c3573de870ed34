import { named } from "../core/paths.js";
import { InlineOperator } from "../engine/inline.js";
import { type RunObserver, runGraph } from "../engine/ready-queue.js";
import type { NodeInvoker } from "../engine/run-options.js";
import type { Graph } from "../graph/graph.js";
import { printGraph } from "../graph/render.js";
import type { ChildCallOptions } from "../operator/context.js";
import { type AnyOperator, callOperatorFrom } from "../operator/operator.js";
import { IN, type NodeMeta, type PlanBuilder, precedesInOrder } from "./builder.js";
import type { Plan } from "./plan.js";
import { callPlanned } from "./planned-call.js";
import { type RunEnv, runWithEnv } from "./run-env.js";

/** A plan that is a dataflow graph, run on the engine's ready queue. */
export class GraphPlan implements Plan {
  readonly graph: Graph;
  readonly meta: ReadonlyMap<string, NodeMeta>;
  readonly notes: readonly string[];
  readonly shapeSensitive = false;
  /** The node whose output is the result; IN when the plan returns its input. */
  readonly output: string;
  readonly target: AnyOperator;
  private readonly single: ((input: unknown) => unknown) | undefined;
  private readonly invoke: NodeInvoker;
  private readonly precedes: (a: string, b: string) => boolean;
  private readonly ordered: boolean;

  constructor(
    readonly strategy: string,
    builder: PlanBuilder,
    output: string,
    target: AnyOperator,
    /** Whether failures must be reported in eager order (costs a controller per node). */
    ordered = true,
  ) {
    this.graph = builder.graph;
    this.meta = builder.meta;
    this.notes = builder.notes;
    this.output = output;
    this.target = target;
    // One synchronous node (fused maps, say) needs no scheduler at all.
    const only = this.graph.nodes.size === 1 ? this.graph.nodes.get(output) : undefined;
    this.single = only instanceof InlineOperator ? only.fn : undefined;
    this.ordered = ordered;
    const order = builder.order;
    this.precedes = (a, b) => precedesInOrder(order.get(a) ?? [], order.get(b) ?? []);
    const calls = builder.calls;
    this.invoke = (id, operator, input, signal, scope) => {
      const spec = calls.get(id);
      return spec
        ? callPlanned(spec, input, signal, scope)
        : callOperatorFrom(operator, scope, input, { cancel: signal } as ChildCallOptions);
    };
  }

  async run(input: unknown, env: RunEnv, signal: AbortSignal): Promise<unknown> {
    if (this.output === IN && !this.graph.nodes.has(IN)) return input;
    if (this.single) return this.single(input);
    // A sub-plan may run with its own environment (enhanced mode's key probe).
    const results = await runWithEnv(env, () =>
      runGraph(this.graph, input, {
        errors: "raw",
        outputs: [this.output],
        signal,
        invoke: this.invoke,
        ...(this.ordered ? { precedes: this.precedes } : {}),
        observer: this.observerFor(env),
      }),
    );
    return results[this.output];
  }

  private observerFor(env: RunEnv): RunObserver {
    const labels = this.labels;
    const meta = this.meta;
    return {
      nodeFinished(id, ms, waitMs) {
        const label = labels.get(id);
        if (label === undefined) return;
        const name = meta.get(id)?.label;
        env.stats.nodeRan(label, ms, waitMs, name);
        env.debugNodes?.push(
          `  ${named(name, label)}  ran ${ms.toFixed(2)} ms  wait ${waitMs.toFixed(2)} ms`,
        );
      },
    };
  }

  /** Stats keys of the non-glue nodes, built once rather than per node per call. */
  private get labels(): Map<string, string> {
    if (!this.labelCache) {
      this.labelCache = new Map();
      for (const [id, node] of this.meta) {
        if (node.kind !== "glue") this.labelCache.set(id, this.target.name + node.rel);
      }
    }
    return this.labelCache;
  }

  private labelCache: Map<string, string> | undefined;

  /** Groups of plan calls that can run at the same time (waves with more than one call). */
  parallelGroups(): string[][] {
    return this.graph
      .waves()
      .map((wave) => wave.filter((id) => this.labels.has(id)).map((id) => this.labels.get(id)!))
      .filter((group) => group.length > 1);
  }

  /**
   * One line per node (`n2 = llm[stochastic]  qa/vote/operators[1]  ← n0`), the output, the
   * shape. `strategy`: the name to print, when this plan is another strategy's inner plan.
   */
  toString(strategy = this.strategy): string {
    const meta = this.meta;
    const waves = this.graph.waves();
    const width = Math.max(0, ...waves.map((w) => w.filter((id) => this.labels.has(id)).length));
    return printGraph(this.graph, {
      title: `plan ${strategy} for ${this.target.name}`,
      node: (id) => {
        const node = meta.get(id)!;
        return {
          label: node.label,
          tag: node.kind === "glue" ? "glue" : node.effects,
          where: this.target.name + node.rel,
          note: node.kind === "nested" ? "jitted" : undefined,
        };
      },
      footer: [
        `  out ${this.output === IN ? "input" : this.output}`,
        `  ${this.labels.size} calls · width ${width} · depth ${waves.length}`,
      ],
      notes: this.notes,
    });
  }
}
