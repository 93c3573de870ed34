import { writeResults } from "./harness.js";
import { runJitBenchmarks } from "./jit.bench.js";

console.log(`ember-xcs benchmarks · node ${process.version} · ${process.platform}/${process.arch}`);
console.log("simulated calls are sleeps; bounds are what any scheduler could do at best");
writeResults("jit.json", await runJitBenchmarks());
