import { type CallContext, Operator, type SpeculationInfo } from "../src/index.js";

/** Stands in for the models layer: reports one request's usage to the call making it. */
export class Priced extends Operator<{ q: string }, { a: string }> {
  constructor(
    name: string,
    readonly tokens: number,
  ) {
    super();
    this.name = name;
  }

  forward(input: { q: string }, ctx: CallContext) {
    ctx.observer?.usage?.(ctx.call, {
      model: "sim:fast",
      path: ctx.path,
      ok: true,
      promptTokens: this.tokens,
      completionTokens: 2,
      costUsd: this.tokens / 1000,
      simulated: true,
    });
    return { a: input.q };
  }
}

/**
 * Stands in for the JIT's events: announces `early` and `unused` as started early, runs them,
 * then claims `early` and declares `unused` wasted.
 */
export class Speculating extends Operator<{ q: string }, { a: string }> {
  readonly early = new Priced("early", 10);
  readonly unused = new Priced("unused", 30);

  async forward(input: { q: string }, ctx: CallContext) {
    const spec = (name: string): SpeculationInfo => ({
      site: `spec/${name}#0`,
      path: `${ctx.path}/${name}`,
      name,
    });
    const obs = ctx.observer!;
    obs.speculated?.(spec("early"), performance.now());
    const started = this.early(input);
    obs.speculated?.(spec("unused"), performance.now());
    await this.unused(input);
    const out = await started;
    obs.claimed?.(spec("early"), performance.now());
    obs.wasted?.(spec("unused"), performance.now());
    return out;
  }
}
