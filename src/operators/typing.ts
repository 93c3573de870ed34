import type { PlainObject } from "../operator/objects.js";
import type { Operator } from "../operator/operator.js";

/**
 * Types that composites compute from their children, so that a sequence of typed steps has
 * a typed input and output. Untyped children (`AnyOperator`, a plain array) give plain
 * objects, as before.
 */

/** An operator's input type (`unknown` when it cannot be read). */
export type InputOf<Op> = Op extends Operator<infer I, unknown> ? I : unknown;

/** An operator's output type. */
export type OutputOf<Op> = Op extends Operator<never, infer O> ? O : unknown;

/** Flattens an intersection into one object type, for readable hovers and errors. */
export type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** `T` without the keys of `D`, keeping an index signature (unlike `Omit`, which keeps only it). */
export type Without<T, D> = { [K in keyof T as K extends keyof D ? never : K]: T[K] };

/** A step's output as the object merged into the accumulator. */
type AsObject<O> = unknown extends O ? PlainObject : O extends object ? O : never;

/** `T`'s named keys only: an index signature means "other keys are welcome", not a need. */
type KnownKeys<T> = {
  [K in keyof T as string extends K ? never : number extends K ? never : K]: T[K];
};

/** A step's input as what it requires of the accumulator (nothing, for an untyped step). */
type Requires<I> = [I] extends [never] ? {} : unknown extends I ? {} : KnownKeys<I>;

/** `{ ...A, ...B }` as a type: B's keys win. */
export type Merge<A, B> = Simplify<Without<A, B> & B>;

/** What a sequence's steps need from its input: each step's input less what earlier steps gave. */
export type SequenceInput<Ops extends readonly unknown[], Given = {}> = Ops extends readonly [
  infer Head,
  ...infer Rest,
]
  ? Simplify<
      Without<Requires<InputOf<Head>>, Given> &
        SequenceInput<Rest, Given & AsObject<OutputOf<Head>>>
    >
  : number extends Ops["length"]
    ? PlainObject
    : {};

/** The accumulator after every step: the input merged with each step's output in order. */
export type SequenceOutput<Acc, Ops extends readonly unknown[]> = Ops extends readonly [
  infer Head,
  ...infer Rest,
]
  ? SequenceOutput<Merge<Acc, AsObject<OutputOf<Head>>>, Rest>
  : number extends Ops["length"]
    ? PlainObject
    : Acc;

/** Every child's input at once: the intersection of their inputs. */
export type AllInputs<Ops extends readonly unknown[]> = Ops extends readonly [
  infer Head,
  ...infer Rest,
]
  ? Simplify<Requires<InputOf<Head>> & AllInputs<Rest>>
  : number extends Ops["length"]
    ? PlainObject
    : {};
