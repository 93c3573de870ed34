/**
 * Whether one contender is slower than another, decided the way benchmark tools decide it
 * (Criterion's "no change detected" unless the change is significant): a one-sided
 * Mann–Whitney U test over every measured run of both. Two medians alone cannot say it: two
 * processes running the same code differ by more than a constant of 1 µs per item.
 */

/**
 * The exact one-sided p-value that runs `a` are slower (larger) than runs `b`: the chance,
 * were both drawn from one distribution, of a rank sum for `a` at least as large as the one
 * measured. Ties get mid-ranks (doubled, so every rank is an integer).
 */
export function slowerPValue(a: readonly number[], b: readonly number[]): number {
  const all = [...a.map((v) => ({ v, a: true })), ...b.map((v) => ({ v, a: false }))].sort(
    (x, y) => x.v - y.v,
  );
  const ranks2: number[] = new Array(all.length);
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j + 1 < all.length && all[j + 1]!.v === all[i]!.v) j++;
    // Ranks i+1 … j+1 share their mean; twice it is i + j + 2.
    for (let k = i; k <= j; k++) ranks2[k] = i + j + 2;
    i = j + 1;
  }
  let observed = 0;
  all.forEach((x, i) => {
    if (x.a) observed += ranks2[i]!;
  });
  // ways[k][s]: subsets of k of the ranks seen so far with doubled rank sum s.
  const maxSum = ranks2.reduce((s, r) => s + r, 0);
  let ways: number[][] = Array.from({ length: a.length + 1 }, () => new Array(maxSum + 1).fill(0));
  ways[0]![0] = 1;
  for (const r of ranks2) {
    const next = ways.map((row) => [...row]);
    for (let k = 0; k < a.length; k++) {
      for (let s = 0; s + r <= maxSum; s++) next[k + 1]![s + r]! += ways[k]![s]!;
    }
    ways = next;
  }
  const row = ways[a.length]!;
  const total = row.reduce((s, w) => s + w, 0);
  let atLeast = 0;
  for (let s = observed; s <= maxSum; s++) atLeast += row[s]!;
  return atLeast / total;
}
