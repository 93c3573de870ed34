import { getJitStats, jit, Operator } from "../src/index.js";

let controller = new AbortController();
class First extends Operator<any, any> {
  override readonly effects = "pure";
  forward(i: any) {
    if (i.n > 1) controller.abort(new Error("stopped"));
    return { a: i.n };
  }
}
class Second extends Operator<any, any> {
  override readonly effects = "pure";
  forward(i: any) {
    return { b: i.n * 2 };
  }
}
class Both extends Operator<any, unknown> {
  readonly first = new First();
  readonly second = new Second();
  async forward(i: any) {
    const a = await this.first(i);
    const b = await this.second(i);
    return { ...a, ...b };
  }
}
const f = jit(new Both(), { mode: "trace" });
controller = new AbortController();
console.log(await f({ n: 1 }, { signal: controller.signal }));
controller = new AbortController();
console.log(await f({ n: 2 }, { signal: controller.signal }).catch((e) => "rejected " + e.message));
console.log(getJitStats(f).speculationHits);
