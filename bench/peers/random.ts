/**
 * Seeded, dependency-free randomness for the peer benchmarks. Everything a contender sees
 * (latencies, outputs, DAG shapes) is a pure function of seeds and strings, so every
 * contender, in its own process, gets exactly the same workload.
 */

/** cyrb53: a fast 53-bit string hash; `seed` selects an independent hash function. */
export function hash53(text: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** A uniform number in (0, 1) derived from a string: never exactly 0, so logs stay finite. */
export function uniformOf(text: string, seed: number): number {
  return (hash53(text, seed) + 0.5) / 2 ** 53;
}

/** A standard normal derived from a string (Box–Muller over two independent hashes). */
export function normalOf(text: string, seed: number): number {
  const u1 = uniformOf(text, seed);
  const u2 = uniformOf(text, seed + 0x9e3779b9);
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** A sequential generator (mulberry32), for building random DAG shapes from a seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [lo, hi] from a generator. */
export function intBetween(next: () => number, lo: number, hi: number): number {
  return lo + Math.floor(next() * (hi - lo + 1));
}
