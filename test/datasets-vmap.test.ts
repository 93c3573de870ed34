import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import {
  configure,
  MapOperator,
  type Operator,
  OptionError,
  ValidationError,
  vmap,
} from "../src/index.js";
import { FakeLeaf, Probe, rejectionOf } from "./fakes.js";

afterEach(() => configure({ maxConcurrency: 64 }));

type Row = Record<string, unknown>;
const seen: Row[] = [];
const echo = new MapOperator({
  fn: (i: Row) => {
    seen.push(i);
    return { q: i.q, tags: i.tags, len: String(i.q).length };
  },
}) as unknown as Operator<Row, Row>;

test("item i gets element i of each batched key and every other key whole; outputs stack per key", async () => {
  seen.length = 0;
  const out = await vmap(echo, { inAxes: { q: 0 } })({ q: ["a", "bb", "ccc"], tags: ["x", "y"] });
  assert.deepEqual(out, {
    q: ["a", "bb", "ccc"],
    // An array under an unnamed key is never split: every item got it whole, and it is stacked.
    tags: [
      ["x", "y"],
      ["x", "y"],
      ["x", "y"],
    ],
    len: [1, 2, 3],
  });
  assert.deepEqual(
    seen.map((i) => i.tags),
    [
      ["x", "y"],
      ["x", "y"],
      ["x", "y"],
    ],
  );
});

test("several batched keys advance together; array elements are stacked, never flattened", async () => {
  const pair = new MapOperator({
    fn: (i: Row) => ({ both: [i.a, i.b], a: i.a }),
  }) as unknown as Operator<Row, Row>;
  const out = await vmap(pair, { inAxes: { a: 0, b: 0 } })({ a: [[1], [2]], b: ["x", "y"] });
  assert.deepEqual(out, {
    both: [
      [[1], "x"],
      [[2], "y"],
    ],
    a: [[1], [2]],
  });
});

test("batched keys of different lengths are a ValidationError naming the keys and lengths", async () => {
  const err = await rejectionOf(vmap(echo, { inAxes: { q: 0, r: 0 } })({ q: [1, 2, 3], r: [1] }));
  assert.ok(err instanceof ValidationError);
  assert.match(err.message, /q has 3, r has 1/);
});

test("a batched key that is missing or not an array is a ValidationError naming it", async () => {
  const err = await rejectionOf(vmap(echo, { inAxes: { q: 0 } })({ q: "abc" }));
  assert.ok(err instanceof ValidationError);
  assert.match(err.message, /q: inAxes key must hold an array, got string/);
  const missing = await rejectionOf(vmap(echo, { inAxes: { q: 0 } })({}));
  assert.match((missing as Error).message, /got missing/);
});

test("a key named __proto__ is data, never a prototype", async () => {
  const input = JSON.parse('{"q": ["a"], "__proto__": {"polluted": true}}') as Row;
  const out = await vmap(echo, { inAxes: { q: 0 } })(input);
  assert.deepEqual(out.q, ["a"]);
  assert.equal(({} as Row).polluted, undefined);
  assert.equal(Object.getPrototypeOf(seen.at(-1)), Object.prototype);
});

test("items run concurrently under maxConcurrency; an item that returns a non-object is named", async () => {
  const probe = new Probe();
  const leaf = new FakeLeaf({ probe, delayMs: 2, fn: (i: { n: number }) => ({ sq: i.n * i.n }) });
  const out = await vmap(leaf as unknown as Operator<Row, Row>, {
    inAxes: { n: 0 },
    maxConcurrency: 2,
  })({ n: [1, 2, 3, 4, 5] });
  assert.deepEqual(out, { sq: [1, 4, 9, 16, 25] });
  assert.equal(probe.peakInFlight, 2);
  const scalar = new MapOperator({ fn: (i: Row) => i.n }) as unknown as Operator<Row, Row>;
  const err = await rejectionOf(vmap(scalar, { inAxes: { n: 0 } })({ n: [1] }));
  assert.match((err as Error).message, /item 0 returned number/);
});

test("bad options are OptionErrors listing what is valid", () => {
  assert.throws(() => vmap(echo, { inAxes: { q: 1 as 0 } }), /axis is 1; expected one of "0"/);
  assert.throws(() => vmap(echo, { inAxes: {} }), OptionError);
  assert.throws(
    () => vmap(echo, { inAxes: { q: 0 }, axes: 1 } as never),
    /unknown option "axes"; expected one of "inAxes" \| "maxConcurrency" \| "name"/,
  );
});
