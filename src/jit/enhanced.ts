import type { Graph } from "../graph/graph.js";
import { may } from "../operator/effects.js";
import { loweredAs } from "../operator/lowering.js";
import { type AnyOperator, callOperator } from "../operator/operator.js";
import { isFusableMap } from "./fuse.js";
import type { GraphPlan } from "./graph-plan.js";
import { KeyProbe } from "./key-probe.js";
import { ALL, formatKeys, type StepKeys, stepKeys } from "./keys.js";
import { Lifecycle } from "./lifecycle.js";
import type { Plan } from "./plan.js";
import type { RunEnv } from "./run-env.js";
import type { CompileRequest, Strategy, StrategyScore } from "./strategy.js";
import { isKnownComposite, StructuralCompiler } from "./structural.js";
import { structuralStrategy } from "./structural-strategy.js";

/**
 * The enhanced plan: the structural plan, custom operators inside it traced in their own
 * right, and the key reads of unkeyed pure Sequence steps recorded on the first call (per
 * input shape) so that later calls can run those steps by what they really read, under a
 * guard that falls back to running the sequence in order.
 */
export class EnhancedPlan implements Plan {
  readonly strategy = "enhanced";
  readonly shapeSensitive = true;
  readonly compilesOnRun = true;
  readonly notes: string[] = [];
  private compiled: GraphPlan | undefined;
  private recorded = new Map<AnyOperator, StepKeys>();
  private life: Lifecycle | undefined;

  constructor(private readonly request: CompileRequest) {}

  get graph(): Graph | undefined {
    return this.compiled?.graph;
  }

  async run(input: unknown, env: RunEnv, signal: AbortSignal): Promise<unknown> {
    this.life ??= new Lifecycle(this.request.target.name, env.stats, env.options.maxRecompiles);
    const life = this.life;
    const step = life.next(env.options.forceTrace);
    if (step === "capture") return this.record(input, env, signal, life);
    if (step === "speculate" && this.compiled) {
      // A step that strays from its recorded keys makes the sequence run in order this time
      // (guarded-sequence in structural.ts) and asks the lifecycle for a new capture.
      const missed = (site: string) => {
        life.miss("key_violation", site);
        if (life.fallbackReason && !this.notes.includes(life.fallbackReason))
          this.notes.push(life.fallbackReason);
      };
      return this.compiled.run(input, { ...env, keyViolation: missed }, signal);
    }
    return callOperator(this.request.target, input, { signal });
  }

  /** A capture: the structural plan, watching unkeyed steps' key reads as it runs. */
  private async record(
    input: unknown,
    env: RunEnv,
    signal: AbortSignal,
    life: Lifecycle,
  ): Promise<unknown> {
    const { target } = this.request;
    const probe = new KeyProbe();
    const recording = StructuralCompiler.compile(target, {
      ...this.request,
      keys: { mode: "record", recorded: new Map() },
    });
    try {
      return await recording.run(input, { ...env, keyProbe: probe }, signal);
    } finally {
      // A failed run still shows the keys of the steps it reached; the others stay unproven.
      const startedAt = performance.now();
      this.recorded = probe.keys();
      this.compiled = StructuralCompiler.compile(target, {
        ...this.request,
        keys: { mode: "guard", recorded: this.recorded },
      });
      life.captured({
        calls: probe.stepsSeen,
        early: this.recorded.size,
        ms: performance.now() - startedAt,
        strategy: "enhanced",
      });
    }
  }

  parallelGroups(): string[][] {
    return this.compiled?.parallelGroups() ?? [];
  }

  guards(): string[] {
    return [...this.recorded].map(
      ([step, keys]) =>
        `${step.name}: reads within ${formatKeys(keys.reads)} and writes within ${formatKeys(keys.writes)}, else the sequence runs in order`,
    );
  }

  toString(): string {
    if (!this.compiled) return `plan enhanced for ${this.request.target.name} · not traced yet`;
    const lines = [this.compiled.toString("enhanced")];
    for (const [step, keys] of this.recorded) {
      lines.push(
        `  guard ${step.name}: reads ${formatKeys(keys.reads)} writes ${formatKeys(keys.writes)}`,
      );
    }
    return lines.join("\n");
  }
}

function customInside(op: AnyOperator): number {
  if (!isKnownComposite(op)) return op.isLeaf() ? 0 : 1;
  return op.children().reduce((n, c) => n + customInside(c.operator), 0);
}

/** Unkeyed pure steps of all-pure sequences: the steps whose key reads a run can prove. */
function unkeyedPureSteps(op: AnyOperator): number {
  if (!isKnownComposite(op)) return 0;
  let n = 0;
  const pureSequence = loweredAs(op) === "accumulate" && may(op.effects, "rerun");
  for (const { operator } of op.children()) {
    n += unkeyedPureSteps(operator);
    const unkeyed = !isFusableMap(operator) && stepKeys(operator).reads === ALL;
    if (pureSequence && unkeyed && !isKnownComposite(operator)) n++;
  }
  return n;
}

/**
 * Enhanced pays where structural alone cannot see: custom operators inside built-in
 * composites (traced), and unkeyed pure steps whose reads only a run can tell.
 */
export const enhancedStrategy: Strategy & { readonly shapeSensitive: true } = {
  name: "enhanced",
  shapeSensitive: true,
  score(target, options): StrategyScore {
    if (!isKnownComposite(target)) {
      return {
        score: 0,
        rationale: "not a built-in composite",
        features: { knownComposite: false },
      };
    }
    const custom = customInside(target);
    const unkeyed = unkeyedPureSteps(target);
    const features = { knownComposite: true, customInside: custom, unkeyedPureSteps: unkeyed };
    if (custom === 0 && unkeyed < 2) {
      return { score: 0.1, rationale: "nothing inside that only a run can reveal", features };
    }
    const base = structuralStrategy.score(target, options).score;
    const parts = [
      custom && `${custom} custom operators to trace`,
      unkeyed && `${unkeyed} unkeyed pure steps`,
    ];
    return {
      score: Math.min(
        0.95,
        Math.max(base, 0.5) + 0.1 * Math.min(3, custom + (unkeyed > 1 ? 1 : 0)),
      ),
      rationale: parts.filter(Boolean).join(", "),
      features,
    };
  },
  compile(request: CompileRequest) {
    return new EnhancedPlan(request);
  },
};
