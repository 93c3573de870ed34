/**
 * A custom agent written the plain way: `forward` awaits one call after another, as you
 * would write it without any framework. jit() traces it on its first call (mode "trace":
 * it records which calls it makes and where their inputs come from), then on later calls
 * starts the calls whose inputs are already known while `forward` still runs for real, and
 * hands each one to `forward` when it asks for it with the same input. Nothing is replayed:
 * a call whose input turns out different is simply made again.
 *
 *   npx tsx examples/agent.ts
 */
import {
  type CallContext,
  getJitStats,
  jit,
  LLMOperator,
  MapOperator,
  models,
  Operator,
  SimulatedProvider,
} from "ember-xcs";

models.register("sim", new SimulatedProvider({ seed: 3, latency: 60 }));

interface Trip {
  from: string;
  to: string;
}

/** A weather service: 40 ms a lookup. Pure: the same city gives the same answer here. */
const weather = new MapOperator({
  name: "weather",
  effects: "pure",
  fn: async (i: { city: string }) => {
    await new Promise((resolve) => setTimeout(resolve, 40));
    const celsius = 8 + ([...i.city].reduce((n, c) => n + c.charCodeAt(0), 0) % 20);
    return { city: i.city, celsius };
  },
});

class TripAgent extends Operator<Trip, { plan: string }> {
  readonly weather = weather;
  readonly sights = new LLMOperator({
    model: "sim:fast",
    temperature: 0,
    prompt: "List three sights worth a day in {to}.",
    outputKey: "sights",
  });
  readonly packing = new LLMOperator({
    model: "sim:fast",
    temperature: 0,
    prompt: "What should I pack for {from} at {fromC} °C and {to} at {toC} °C?",
    outputKey: "packing",
  });

  async forward(trip: Trip, ctx: CallContext) {
    const options = { signal: ctx.signal };
    // Three independent calls, awaited in turn: the trace starts all three at once.
    const here = await this.weather({ city: trip.from }, options);
    const there = await this.weather({ city: trip.to }, options);
    const sights = await this.sights({ to: trip.to }, options);
    // This one needs both temperatures, so it waits for them in every mode.
    const packing = await this.packing(
      { from: trip.from, fromC: here.celsius, to: trip.to, toC: there.celsius },
      options,
    );
    return {
      plan: `${trip.from} ${here.celsius} °C → ${trip.to} ${there.celsius} °C. ${sights.sights} ${packing.packing}`,
    };
  }
}

const agent = new TripAgent();
const fast = jit(agent); // mode "auto" picks trace for a custom operator that pays
const trips: Trip[] = [
  { from: "Oslo", to: "Lisbon" },
  { from: "Lima", to: "Quito" },
  { from: "Cairo", to: "Nairobi" },
];

await fast({ from: "Paris", to: "Rome" }); // the first call traces
for (const trip of trips) {
  const t0 = performance.now();
  const eager = await agent(trip);
  const t1 = performance.now();
  const jitted = await fast(trip);
  const t2 = performance.now();
  console.log(`${trip.from} → ${trip.to}: ${jitted.plan}`);
  console.log(
    `  same as eager: ${eager.plan === jitted.plan ? "yes" : "no"} · eager ${(t1 - t0).toFixed(0)} ms, jit ${(t2 - t1).toFixed(0)} ms`,
  );
}
const stats = getJitStats(fast);
console.log(
  `\nstrategy ${stats.strategy}: ${stats.speculationHits} calls started early and used, ${stats.speculationMisses} missed, ${stats.compilations} trace`,
);
console.log(fast.explain().plan);
