import assert from "node:assert/strict";
import { test } from "node:test";
import { ContainerOperator } from "../src/operators/container.js";
import { MapOperator } from "../src/operators/map.js";

test("container: pipes each output into the next operator, without merging", async () => {
  const pipe = new ContainerOperator<string, number>({
    operators: [
      new MapOperator({ fn: (s: string) => s.trim() }),
      new MapOperator({ fn: (s: string) => s.length }),
      new MapOperator({ fn: async (n: number) => n * 10 }),
    ],
  });
  assert.equal(await pipe("  abc "), 30);
  assert.equal(pipe.effects, "pure");
});

test("container: object outputs replace, not merge into, the previous value", async () => {
  const pipe = new ContainerOperator({
    operators: [new MapOperator({ fn: (i: { a: number }) => ({ b: i.a + 1 }) })],
  });
  assert.deepEqual(await pipe({ a: 1 }), { b: 2 });
});

test("container: an empty container returns its input", async () => {
  const input = { a: 1 };
  assert.equal(await new ContainerOperator({ operators: [] })(input), input);
});
