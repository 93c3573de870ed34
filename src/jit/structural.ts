import { may } from "../operator/effects.js";
import {
  type ChildOptions,
  type Lowering,
  lowerableOf,
  type Ref,
  type RunChild,
  type StepChecks,
} from "../operator/lowering.js";
import { type AnyOperator, childName } from "../operator/operator.js";
import { IN, PlanBuilder, type Source } from "./builder.js";
import { fuseContainerMaps, fuseSequenceMaps, isFusableMap } from "./fuse.js";
import { collectGlue, mergeGlue, type RecordCheck, recordGlue } from "./glue.js";
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

/** Whether the structural compiler sees inside `op` (rather than calling it as one node). */
export function isKnownComposite(op: AnyOperator): boolean {
  return lowerableOf(op) !== undefined;
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
  readonly b = new PlanBuilder();
  /** What the plan gains over eager execution; `auto` scores structural by these. */
  readonly gains = { fusedMaps: 0, independentSteps: 0, maxFanOut: 0 };

  constructor(
    private readonly ctx: StructuralContext,
    /** Inside a guarded sequence's fast path: use the recorded keys, probe, do not guard again. */
    private readonly guarded?: AnyOperator,
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

  emit(op: AnyOperator, src: string, at: Place, check: RecordCheck | undefined, probe = false) {
    // A composite says what its forward does (lower); the compiler decides how to run it.
    const composite = lowerableOf(op);
    if (composite) return this.guard(composite.lower(new Scope(this, op, at), src), check);
    return this.call(op, src, at, check, probe);
  }

  /** An unkeyed pure step of an all-pure sequence: enhanced mode may trace its key reads. */
  private probes(seq: AnyOperator, step: AnyOperator): boolean {
    const keys = this.ctx.keys;
    if (!keys || !may(seq.effects, "rerun") || !may(step.effects, "rerun")) return false;
    if (isFusableMap(step) || isKnownComposite(step) || stepKeys(step).reads !== ALL) return false;
    return keys.mode === "record" || (this.guarded === seq && keys.recorded.has(step));
  }

  private keysOf(seq: AnyOperator, step: AnyOperator): StepKeys {
    const recorded = this.guarded === seq ? this.ctx.keys?.recorded.get(step) : undefined;
    return recorded ?? stepKeys(step);
  }

  /**
   * A sequence whose unkeyed steps run by their recorded key reads. Each run checks what
   * they really read and wrote; if any went outside the record, the result is dropped and
   * the sequence runs again in order (its steps are all pure, so that is safe).
   */
  private guardedSequence(seq: AnyOperator, src: string, at: Place, keys: KeyTracing): string {
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

  requireInput(src: string, rel: string, what: string, name: string): string {
    if (this.b.recordRefs.has(src)) return src;
    const at: RecordCheck = { rel, what, code: "not_an_object", name };
    const id = this.b.add(recordGlue("check", at), glueMeta(rel, "check"), [{ ref: src }]);
    this.b.recordRefs.add(id);
    return id;
  }

  merge(parts: readonly string[], rel: string): string {
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

  sequence(
    seq: AnyOperator,
    steps: readonly AnyOperator[],
    src: string,
    at: Place,
    checks: StepChecks,
  ): string {
    // An empty sequence still refuses a non-object input, as its forward does.
    if (steps.length === 0) return this.requireInput(src, at.rel, checks.input, seq.name);
    const keys = this.ctx.keys;
    if (keys?.mode === "guard" && this.guarded !== seq && steps.some((s) => keys.recorded.has(s))) {
      return this.guardedSequence(seq, src, at, keys);
    }
    // A leading run of fused maps checks the input itself: one node instead of two.
    const leadingFused = isFusableMap(steps[0]!) && !this.b.recordRefs.has(src);
    const input = leadingFused ? src : this.requireInput(src, at.rel, checks.input, seq.name);
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
            ? { rel: at.rel, what: checks.input, code: "not_an_object", name: seq.name }
            : undefined;
        const from = start;
        this.b.within(`s${from}`, () =>
          this.sequenceFused(steps, from, i, segments, at, inputCheck),
        );
        continue;
      }
      const step = steps[i]!;
      const keys = this.keysOf(seq, step);
      const barrier = !may(step.effects, "reorder");
      const { ref: stepInput, full } = this.stepInput(segments, barrier ? ALL : keys.reads, at.rel);
      if (!full) this.gains.independentSteps++;
      const check: RecordCheck = {
        rel: `${at.rel}/operators[${i}]`,
        what: checks.step,
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
    steps: readonly AnyOperator[],
    start: number,
    end: number,
    segments: Segment[],
    at: Place,
    inputCheck: RecordCheck | undefined,
  ): void {
    const maps = steps.slice(start, end) as unknown as Parameters<typeof fuseSequenceMaps>[1];
    const rels = maps.map((_m, k) => `${at.rel}/operators[${start + k}]`);
    const keys = fusedKeys(steps.slice(start, end).map((m) => stepKeys(m)));
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

  pipe(box: AnyOperator, steps: readonly AnyOperator[], src: string, at: Place): string {
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

  /** A run-time decision over sub-plans of `children`, compiled now, as one node. */
  decide(
    parent: AnyOperator,
    name: string,
    src: string,
    at: Place,
    children: readonly AnyOperator[],
    run: (input: unknown, signal: AbortSignal, child: RunChild, path: string) => Promise<unknown>,
  ): string {
    const plans = children.map((op) =>
      this.subPlan(op, {
        rel: `${at.rel}/${childName(parent, op)}`,
        site: { parent, parentRel: at.rel },
      }),
    );
    const node = new ControlNode(name, parent, (input, signal, env) =>
      run(input, signal, (i, value, s) => plans[i]!.run(value, env, s), env.basePath + at.rel),
    );
    return this.control(node, src, at, plans);
  }

  collect(
    parts: readonly Ref[],
    rel: string,
    combine: (values: unknown[]) => unknown,
    record: boolean,
  ): string {
    const sources = parts.map((ref, i) => ({ ref, toKey: String(i) }));
    const glue = collectGlue("collect", parts.length, combine);
    const id = this.b.add(glue, glueMeta(rel, record ? "collect" : "aggregate"), sources);
    if (record) this.b.recordRefs.add(id);
    return id;
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

/** The compiler as one composite sees it while it lowers itself (lowering.ts). */
class Scope implements Lowering {
  private members = 0;

  constructor(
    private readonly c: StructuralCompiler,
    private readonly parent: AnyOperator,
    private readonly at: Place,
  ) {}

  child(op: AnyOperator, input: Ref, options: ChildOptions): Ref {
    const { rel } = this.at;
    if (options.order.startsWith("p")) {
      this.c.gains.maxFanOut = Math.max(this.c.gains.maxFanOut, ++this.members);
    }
    const place = {
      rel: `${rel}/${childName(this.parent, op)}`,
      site: { parent: this.parent, parentRel: rel },
    };
    const { check } = options;
    const recordCheck: RecordCheck | undefined = check && {
      rel: `${rel}/${check.field}`,
      what: check.what,
      code: "step_returned_non_object",
      name: op.name,
    };
    return this.c.b.within(options.order, () => this.c.emit(op, input, place, recordCheck));
  }

  requireRecord(input: Ref, what: string): Ref {
    return this.c.requireInput(input, this.at.rel, what, this.parent.name);
  }

  merge(parts: readonly Ref[]): Ref {
    return this.c.merge(parts, this.at.rel);
  }

  collect(parts: readonly Ref[], combine: (values: unknown[]) => unknown, record: boolean): Ref {
    return this.c.collect(parts, this.at.rel, combine, record);
  }

  accumulate(steps: readonly AnyOperator[], input: Ref, checks: StepChecks): Ref {
    return this.c.sequence(this.parent, steps, input, this.at, checks);
  }

  pipe(steps: readonly AnyOperator[], input: Ref): Ref {
    return this.c.pipe(this.parent, steps, input, this.at);
  }

  control(
    name: string,
    input: Ref,
    children: readonly AnyOperator[],
    run: (input: unknown, signal: AbortSignal, child: RunChild, path: string) => Promise<unknown>,
  ): Ref {
    return this.c.decide(this.parent, name, input, this.at, children, run);
  }
}
