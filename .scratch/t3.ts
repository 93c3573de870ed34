import { jit, MapOperator, SequenceOperator } from "../src/index.js";

const mk = () =>
  new SequenceOperator({
    operators: [
      new MapOperator({ fn: async (i: { a: number }) => ({ copy: structuredClone(i).a }) }),
      new MapOperator({ fn: async (i: { a: number }) => ({ b: i.a + 1 }) }),
      new MapOperator({ fn: async (i: { b: number }) => ({ c: i.b * 2 }) }),
    ],
  });
console.log(await mk()({ a: 1 }).catch((e) => e.message));
for (const mode of ["auto", "structural", "trace", "enhanced"] as const) {
  const f = jit(mk(), { mode });
  for (const a of [1, 2, 3]) console.log(mode, await f({ a }).catch((e) => e.message));
}
