import { jit, MapReduceOperator, Operator } from "../src/index.js";
import { Probe } from "../test/fakes.js";

const probe = new Probe();
const ticks = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise<void>((r) => setImmediate(r));
};
class Leaf extends Operator<any, any> {
  override readonly effects = "pure";
  async forward(x: any) {
    const t = probe.enter("l");
    await ticks(2);
    probe.exit("l", t);
    return x;
  }
}
const mr = () =>
  new MapReduceOperator({
    map: (i: any) => i.items.map((n: number) => ({ i: n })),
    operator: new Leaf(),
    reduce: (o: unknown[]) => ({ n: o.length }),
    maxConcurrency: 2,
  });
for (const mode of ["structural", "trace"] as const) {
  probe.reset();
  const f = jit(mr(), { mode });
  for (let k = 0; k < 3; k++) await f({ items: [1, 2, 3, 4, 5, 6, 7, 8] });
  console.log(mode, probe.peakInFlight, probe.calls, f.explain().text.slice(0, 600));
}
class Holder extends Operator<any, any> {
  readonly m = mr();
  async forward(i: any) {
    return this.m(i);
  }
}
probe.reset();
const h = jit(new Holder(), { mode: "trace" });
for (let k = 0; k < 3; k++) await h({ items: [1, 2, 3, 4, 5, 6, 7, 8] });
console.log("holder", probe.peakInFlight, probe.calls);
