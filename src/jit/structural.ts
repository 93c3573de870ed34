import { ValidationError } from "../core/errors.js";
import { may } from "../operator/effects.js";
import { type AnyOperator, childName } from "../operator/operator.js";
import { BranchOperator } from "../operators/branch.js";
import { ContainerOperator } from "../operators/container.js";
import { EnsembleOperator } from "../operators/ensemble.js";
import { MapReduceOperator, mapWithConcurrency } from "../operators/map-reduce.js";
import { ParallelOperator } from "../operators/parallel.js";
import { RetryOperator, runWithRetry } from "../operators/retry.js";
import { SequenceOperator } from "../operators/sequence.js";
import { IN, PlanBuilder, type Source } from "./builder.js";
import { fuseContainerMaps, fuseSequenceMaps, isFusableMap } from "./fuse.js";
import { ensembleGlue, mergeGlue, type RecordCheck, recordGlue } from "./glue.js";
import { GraphPlan } from "./graph-plan.js";
import { KeyProbe } from "./key-probe.js";
import { ALL, type KeySet, overlaps, type StepKeys, stepKeys } from "./keys.js";
import type { ResolvedOptions } from "./options.js";
import { type CallSite, type CallSpec, ControlNode } from "./planned-call.js";

/** What compiling needs besides the target. */
export interface StructuralContext {
  readonly options: ResolvedOptions;
  /** The jitted stand-in for a nested custom operator (used when `recursive`). */
  readonly nested: (op: AnyOperator) => AnyOperator;
  /**
   * Enhanced mode. "record": watch the key reads of unkeyed pure steps. "guard": treat
   * them as reading and writing only the recorded keys, and check that on every run.
   */
  readonly keys?: KeyTracing;
}

export interface KeyTracing {
  readonly mode: "record" | "guard";
  readonly recorded: ReadonlyMap<AnyOperator, StepKeys>;
}

/** Where an operator sits: its own relative path and the call site its parent gives it. */
interface Place {
  readonly rel: string;
  readonly site: CallSite;
}

type Ctor = abstract new (...args: never[]) => { forward: unknown };

/** A built-in composite whose own `forward` runs (not a subclass's), with nothing to validate. */
function isPlain(op: AnyOperator, ctor: Ctor): boolean {
  return (
    op instanceof ctor &&
    op.forward === (ctor.prototype as { forward: unknown }).forward &&
    op.specification === undefined
  );
}

const COMPOSITES: readonly Ctor[] = [
  SequenceOperator,
  ParallelOperator,
  EnsembleOperator,
  ContainerOperator,
  BranchOperator,
  RetryOperator,
  MapReduceOperator,
];

/** Whether the structural compiler sees inside `op` (rather than calling it as one node). */
export function isKnownComposite(op: AnyOperator): boolean {
  return COMPOSITES.some((ctor) => isPlain(op, ctor));
}

/** A segment of a Sequence's accumulator: the input, a fused full state, or a step's output. */
interface Segment {
  readonly ref: string;
  readonly full: boolean;
  readonly writes: KeySet;
  readonly barrier: boolean;
}

/**
 * Compiles an operator tree into a plan without running it: nested composites flattened,
 * ensemble and parallel children side by side, runs of pure sync maps fused, Sequence steps
 * whose declared keys prove them independent run together, identical pure calls made once.
 */
export class StructuralCompiler {
  private readonly b = new PlanBuilder();
  /** What the plan gains over eager execution; `auto` scores structural by these. */
  readonly gains = { fusedMaps: 0, independentSteps: 0, maxFanOut: 0 };

  constructor(
    private readonly ctx: StructuralContext,
    /** Inside a guarded sequence's fast path: use the recorded keys, probe, do not guard again. */
    private readonly guarded?: SequenceOperator,
  ) {}

  static compile(target: AnyOperator, ctx: StructuralContext, place?: Place): GraphPlan {
    return new StructuralCompiler(ctx).compileTarget(target, place);
  }

  compileTarget(target: AnyOperator, place?: Place): GraphPlan {
    const at = place ?? { rel: "", site: { parent: undefined, parentRel: "" } };
    const out = this.emit(target, IN, at, undefined);
    // Failures need ordering only where steps written in order may now run together.
    const ordered = this.gains.independentSteps > 0;
    return new GraphPlan("structural", this.b, out, target, ordered);
  }

  /** Compiles a sub-plan (a Branch arm, a Retry body) and adds its gains to this one's. */
  private subPlan(op: AnyOperator, place: Place): GraphPlan {
    const inner = new StructuralCompiler(this.ctx);
    const plan = inner.compileTarget(op, place);
    this.gains.fusedMaps += inner.gains.fusedMaps;
    this.gains.independentSteps += inner.gains.independentSteps;
    this.gains.maxFanOut = Math.max(this.gains.maxFanOut, inner.gains.maxFanOut);
    return plan;
  }

  private emit(
    op: AnyOperator,
    src: string,
    at: Place,
    check: RecordCheck | undefined,
    probe = false,
  ): string {
    if (isPlain(op, SequenceOperator))
      return this.guard(this.sequence(op as SequenceOperator, src, at), check);
    if (isPlain(op, ParallelOperator))
      return this.guard(this.parallel(op as ParallelOperator, src, at), check);
    if (isPlain(op, EnsembleOperator))
      return this.guard(this.ensemble(op as EnsembleOperator, src, at), check);
    if (isPlain(op, ContainerOperator))
      return this.guard(this.container(op as ContainerOperator, src, at), check);
    if (isPlain(op, BranchOperator))
      return this.guard(this.branch(op as BranchOperator, src, at), check);
    if (isPlain(op, RetryOperator))
      return this.guard(this.retry(op as RetryOperator, src, at), check);
    if (isPlain(op, MapReduceOperator))
      return this.guard(this.mapReduce(op as MapReduceOperator, src, at), check);
    return this.call(op, src, at, check, probe);
  }

  /** An unkeyed pure step of an all-pure sequence: enhanced mode may trace its key reads. */
  private probes(seq: SequenceOperator, step: AnyOperator): boolean {
    const keys = this.ctx.keys;
    if (!keys || !may(seq.effects, "rerun") || !may(step.effects, "rerun")) return false;
    if (isFusableMap(step) || isKnownComposite(step) || stepKeys(step).reads !== ALL) return false;
    return keys.mode === "record" || (this.guarded === seq && keys.recorded.has(step));
  }

  private keysOf(seq: SequenceOperator, step: AnyOperator): StepKeys {
    const recorded = this.guarded === seq ? this.ctx.keys?.recorded.get(step) : undefined;
    return recorded ?? stepKeys(step);
  }

  /**
   * A sequence whose unkeyed steps run by their recorded key reads. Each run checks what
   * they really read and wrote; if any went outside the record, the result is dropped and
   * the sequence runs again in order (its steps are all pure, so that is safe).
   */
  private guardedSequence(seq: SequenceOperator, src: string, at: Place, keys: KeyTracing): string {
    const place = { rel: at.rel, site: at.site };
    const fast = new StructuralCompiler(this.ctx, seq).compileTarget(seq, place);
    const ordered = new StructuralCompiler({ ...this.ctx, keys: undefined }).compileTarget(
      seq,
      place,
    );
    const node = new ControlNode("guarded_sequence", seq, async (input, signal, env) => {
      const probe = new KeyProbe();
      const output = await fast.run(input, { ...env, keyProbe: probe }, signal);
      const broken = probe.violations(keys.recorded);
      const checked = probe.stepsSeen - broken.length;
      if (checked > 0) env.stats.speculated(true, checked);
      if (broken.length === 0) return output;
      env.stats.speculated(false, broken.length);
      env.keyViolation?.(`${env.basePath}${at.rel}/${broken[0]!.name}`);
      return ordered.run(input, env, signal);
    });
    return this.control(node, src, at, [fast]);
  }

  /** Adds the object check eager execution makes on a composite's output, where needed. */
  private guard(ref: string, check: RecordCheck | undefined): string {
    if (!check || this.b.recordRefs.has(ref)) return ref;
    const id = this.b.add(recordGlue("check", check), glueMeta(check.rel, "check"), [{ ref }]);
    this.b.recordRefs.add(id);
    return id;
  }

  private call(
    op: AnyOperator,
    src: string,
    at: Place,
    check: RecordCheck | undefined,
    probe: boolean,
  ): string {
    const { options } = this.ctx;
    // The target itself is never replaced by its own jitted form (that would call itself).
    const custom = !op.isLeaf() && !isPlannedOperator(op) && at.rel !== "";
    let target = op;
    let kind: "call" | "nested" = "call";
    if (custom && options.recursive) {
      target = this.ctx.nested(op);
      kind = "nested";
    } else if (custom) {
      this.b.notes.push(
        `${at.rel || "(target)"}: custom operator ${op.name} runs unoptimized (recursive: false)`,
      );
    }
    const memoize = op.isLeaf() && !isFusableMap(op) && may(op.effects, "memoize", options);
    const call: CallSpec = {
      target,
      site: at.site,
      memoize: memoize && !probe,
      ...(memoize && !probe ? { memoUse: { lookups: 0, hits: 0 } } : {}),
      probe,
      recordCheck: check ? { rel: check.rel, what: check.what, name: check.name } : undefined,
    };
    const meta = { kind, rel: at.rel, label: op.name, effects: op.effects };
    const id = this.b.add(op, meta, [{ ref: src }], call);
    if (check) this.b.recordRefs.add(id);
    return id;
  }

  private requireInput(src: string, rel: string, what: string, name: string): string {
    if (this.b.recordRefs.has(src)) return src;
    const at: RecordCheck = { rel, what, code: "not_an_object", name };
    const id = this.b.add(recordGlue("check", at), glueMeta(rel, "check"), [{ ref: src }]);
    this.b.recordRefs.add(id);
    return id;
  }

  private merge(parts: readonly string[], rel: string): string {
    if (parts.length === 1) return parts[0]!;
    const sources: Source[] = parts.map((ref, i) => ({ ref, toKey: String(i) }));
    const id = this.b.add(
      mergeGlue(
        "merge",
        parts.map(() => undefined),
      ),
      glueMeta(rel),
      sources,
    );
    this.b.recordRefs.add(id);
    return id;
  }

  private sequence(seq: SequenceOperator, src: string, at: Place): string {
    const steps = seq.operators;
    // An empty sequence still refuses a non-object input, as its forward does.
    if (steps.length === 0) return this.requireInput(src, at.rel, "sequence input", seq.name);
    const keys = this.ctx.keys;
    if (keys?.mode === "guard" && this.guarded !== seq && steps.some((s) => keys.recorded.has(s))) {
      return this.guardedSequence(seq, src, at, keys);
    }
    // A leading run of fused maps checks the input itself: one node instead of two.
    const leadingFused = isFusableMap(steps[0]!) && !this.b.recordRefs.has(src);
    const input = leadingFused ? src : this.requireInput(src, at.rel, "sequence input", seq.name);
    const segments: Segment[] = [{ ref: input, full: true, writes: ALL, barrier: false }];
    // A step's own path is the one eager execution gives it (its first field, should the
    // same operator be a step twice); the Sequence's check of its output names the index.
    const child = (i: number): Place => ({
      rel: `${at.rel}/${childName(seq, steps[i]!)}`,
      site: { parent: seq, parentRel: at.rel },
    });
    let i = 0;
    while (i < steps.length) {
      const start = i;
      while (i < steps.length && isFusableMap(steps[i]!)) i++;
      if (i > start) {
        const inputCheck: RecordCheck | undefined =
          start === 0 && leadingFused
            ? { rel: at.rel, what: "sequence input", code: "not_an_object", name: seq.name }
            : undefined;
        const from = start;
        this.b.within(`s${from}`, () => this.sequenceFused(seq, from, i, segments, at, inputCheck));
        continue;
      }
      const step = steps[i]!;
      const keys = this.keysOf(seq, step);
      const barrier = !may(step.effects, "reorder");
      const { ref: stepInput, full } = this.stepInput(segments, barrier ? ALL : keys.reads, at.rel);
      if (!full) this.gains.independentSteps++;
      const check: RecordCheck = {
        rel: `${at.rel}/operators[${i}]`,
        what: "step output",
        code: "step_returned_non_object",
        name: step.name,
      };
      const probe = this.probes(seq, step);
      const ref = this.b.within(`s${i}`, () => this.emit(step, stepInput, child(i), check, probe));
      segments.push({ ref, full: false, writes: keys.writes, barrier });
      i++;
    }
    const last = lastFull(segments);
    const parts = segments.slice(last).map((s) => s.ref);
    return this.b.within(`s${steps.length}`, () => this.merge(parts, at.rel));
  }

  private sequenceFused(
    seq: SequenceOperator,
    start: number,
    end: number,
    segments: Segment[],
    at: Place,
    inputCheck: RecordCheck | undefined,
  ): void {
    const maps = seq.operators.slice(start, end) as unknown as Parameters<
      typeof fuseSequenceMaps
    >[1];
    const rels = maps.map((_m, k) => `${at.rel}/operators[${start + k}]`);
    const keys = fusedKeys(maps.map((m) => stepKeys(m)));
    const { ref: input, full } = this.stepInput(segments, keys.reads, at.rel);
    // A fused run that need not wait for the steps before it is an independent step too:
    // it may fail before them, so the plan must order failures.
    if (!full) this.gains.independentSteps++;
    if (maps.length > 1) this.gains.fusedMaps += maps.length;
    const names = maps.map((m) => m.name).join("+");
    const node = fuseSequenceMaps(
      `fused(${names})`,
      maps,
      rels,
      full ? "full" : "delta",
      inputCheck,
    );
    const label = maps.length === 1 ? names : `fused ${maps.length} maps`;
    const id = this.b.add(node, { kind: "fused", rel: rels[0]!, label, effects: "pure" }, [
      { ref: input },
    ]);
    this.b.recordRefs.add(id);
    segments.push({ ref: id, full, writes: keys.writes, barrier: false });
  }

  /**
   * The input a step reading `reads` needs: the last full state merged with every later
   * segment that may write one of those keys (and every effectful step, which nothing
   * overtakes). `full` says whether that is the whole accumulator.
   */
  private stepInput(segments: Segment[], reads: KeySet, rel: string) {
    const last = lastFull(segments);
    const after = segments.slice(last + 1);
    const deps = after.filter((s) => s.barrier || overlaps(reads, s.writes));
    const parts = [segments[last]!.ref, ...deps.map((s) => s.ref)];
    const ref = this.merge(parts, rel);
    const full = deps.length === after.length;
    // A merge of everything so far is the whole accumulator: later steps start from it, so
    // a chain of n steps costs n small merges, not n merges of every earlier output.
    if (full && parts.length > 1) segments.push({ ref, full: true, writes: ALL, barrier: false });
    return { ref, full };
  }

  private parallel(par: ParallelOperator, src: string, at: Place): string {
    const input = this.requireInput(src, at.rel, "parallel input", par.name);
    this.gains.maxFanOut = Math.max(this.gains.maxFanOut, par.operators.length);
    const outputs = par.operators.map((op, i) => {
      const rel = `${at.rel}/operators[${i}]`;
      const check: RecordCheck = {
        rel,
        what: "output",
        code: "step_returned_non_object",
        name: op.name,
      };
      const place = {
        rel: `${at.rel}/${childName(par, op)}`,
        site: { parent: par, parentRel: at.rel },
      };
      return this.b.within(`p${i}`, () => this.emit(op, input, place, check));
    });
    return this.merge([input, ...outputs], at.rel);
  }

  private ensemble(ens: EnsembleOperator, src: string, at: Place): string {
    this.gains.maxFanOut = Math.max(this.gains.maxFanOut, ens.operators.length);
    const outputs = ens.operators.map((op, i) =>
      this.b.within(`p${i}`, () =>
        this.emit(op as AnyOperator, src, memberPlace(ens, at, i), undefined),
      ),
    );
    const sources = outputs.map((ref, i) => ({ ref, toKey: String(i) }));
    const aggregate = ens.aggregate as ((outputs: unknown[]) => unknown) | undefined;
    const glue = ensembleGlue("collect", outputs.length, aggregate);
    const id = this.b.add(glue, glueMeta(at.rel, aggregate ? "aggregate" : "collect"), sources);
    if (!aggregate) this.b.recordRefs.add(id);
    return id;
  }

  private container(box: ContainerOperator, src: string, at: Place): string {
    const steps = box.operators;
    let ref = src;
    let i = 0;
    while (i < steps.length) {
      const start = i;
      while (i < steps.length && isFusableMap(steps[i]!)) i++;
      if (i > start) {
        const maps = steps.slice(start, i) as unknown as Parameters<typeof fuseContainerMaps>[1];
        const rels = maps.map((m) => `${at.rel}/${childName(box, m)}`);
        if (maps.length > 1) this.gains.fusedMaps += maps.length;
        const label = maps.length === 1 ? maps[0]!.name : `fused ${maps.length} maps`;
        const node = fuseContainerMaps(`fused(${label})`, maps, rels);
        const meta = { kind: "fused" as const, rel: rels[0]!, label, effects: "pure" as const };
        const from = ref;
        ref = this.b.within(`s${start}`, () => this.b.add(node, meta, [{ ref: from }]));
        continue;
      }
      const place = {
        rel: `${at.rel}/${childName(box, steps[i]!)}`,
        site: { parent: box, parentRel: at.rel },
      };
      const [step, from] = [steps[i]!, ref];
      ref = this.b.within(`s${i}`, () => this.emit(step, from, place, undefined));
      i++;
    }
    return ref;
  }

  private branch(br: BranchOperator, src: string, at: Place): string {
    const arm = (field: "ifTrue" | "ifFalse") =>
      this.subPlan(br[field] as AnyOperator, {
        rel: `${at.rel}/${childName(br, br[field])}`,
        site: { parent: br, parentRel: at.rel },
      });
    const yes = arm("ifTrue");
    const no = arm("ifFalse");
    const node = new ControlNode("branch", br, async (input, signal, env) => {
      const chosen = (await br.predicate(input as never)) ? yes : no;
      return chosen.run(input, env, signal);
    });
    return this.control(node, src, at, [yes, no]);
  }

  private retry(retry: RetryOperator, src: string, at: Place): string {
    const inner = this.subPlan(retry.operator as AnyOperator, {
      rel: `${at.rel}/operator`,
      site: { parent: retry, parentRel: at.rel },
    });
    const node = new ControlNode("retry", retry, (input, signal, env) =>
      runWithRetry(
        (_n, attemptSignal) => inner.run(input, env, attemptSignal),
        retry.policy,
        signal,
      ),
    );
    return this.control(node, src, at, [inner]);
  }

  private mapReduce(mr: MapReduceOperator, src: string, at: Place): string {
    const inner = this.subPlan(mr.operator as AnyOperator, {
      rel: `${at.rel}/operator`,
      site: { parent: mr, parentRel: at.rel },
    });
    const node = new ControlNode("map_reduce", mr, async (input, signal, env) => {
      const items: unknown = await mr.map(input as never);
      if (!Array.isArray(items)) {
        throw new ValidationError("invalid_output", {
          path: env.basePath + at.rel,
          detail: `map() must return an array of items, got ${items === null ? "null" : typeof items}`,
        });
      }
      const limit = mr.maxConcurrency ?? Number.POSITIVE_INFINITY;
      const outputs = await mapWithConcurrency(
        items,
        limit,
        (item, _i, s) => inner.run(item, env, s),
        signal,
      );
      return mr.reduce(outputs as never, input as never);
    });
    return this.control(node, src, at, [inner]);
  }

  private control(node: ControlNode, src: string, at: Place, inner: readonly GraphPlan[]): string {
    const id = this.b.add(
      node,
      { kind: "control", rel: at.rel, label: node.name, effects: node.effects },
      [{ ref: src }],
    );
    for (const plan of inner) this.b.notes.push(...plan.notes);
    return id;
  }
}

function memberPlace(ens: EnsembleOperator, at: Place, i: number): Place {
  return {
    rel: `${at.rel}/${childName(ens as AnyOperator, ens.operators[i]!)}`,
    site: { parent: ens as AnyOperator, parentRel: at.rel },
  };
}

function glueMeta(rel: string, label = "merge") {
  return { kind: "glue" as const, rel, label, effects: "pure" as const };
}

function lastFull(segments: readonly Segment[]): number {
  for (let i = segments.length - 1; i >= 0; i--) if (segments[i]!.full) return i;
  return 0;
}

/** Keys of fused maps as one step: reads not satisfied by an earlier map of the run. */
function fusedKeys(keys: readonly { reads: KeySet; writes: KeySet }[]) {
  const reads = new Set<PropertyKey>();
  const writes = new Set<PropertyKey>();
  let readsAll = false;
  let writesAll = false;
  for (const k of keys) {
    if (k.reads === ALL) readsAll = true;
    else for (const r of k.reads) if (writesAll || !writes.has(r)) reads.add(r);
    if (k.writes === ALL) writesAll = true;
    else for (const w of k.writes) writes.add(w);
  }
  return { reads: readsAll ? ALL : reads, writes: writesAll ? ALL : writes } as const;
}

/** Plan nodes and jitted operators run themselves; they are never wrapped again. */
function isPlannedOperator(op: AnyOperator): boolean {
  return op instanceof ControlNode || "original" in op;
}
