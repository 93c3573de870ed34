import { getJitStats, jit, Operator } from "../src/index.js";

class Append extends Operator<any, unknown> {
  forward(s: any) {
    s.history.push(s.msg);
    return { appended: true };
  }
}
class Reply extends Operator<any, any> {
  override readonly effects = "stochastic";
  forward(s: any) {
    return { reply: `saw ${s.history.join("|")}` };
  }
}
class Chat extends Operator<any, unknown> {
  readonly append = new Append();
  readonly reply = new Reply();
  async forward(s: any) {
    await this.append(s);
    return this.reply(s);
  }
}
const f = jit(new Chat(), { mode: "trace" });
for (const i of [
  { history: [], msg: "hi" },
  { history: ["a"], msg: "b" },
  { history: ["x"], msg: "z" },
])
  console.log(await f(i));
console.log(getJitStats(f), f.explain().text);
