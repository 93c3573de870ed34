/** A set of item indexes as a growable bitset: a million finished items cost 125 KB, not a Set. */
export class IndexSet {
  private bits = new Uint32Array(1024);
  size = 0;

  has(index: number): boolean {
    const word = index >>> 5;
    return word < this.bits.length && (this.bits[word]! & (1 << (index & 31))) !== 0;
  }

  /** Adds `index`; returns false when it was already there. */
  add(index: number): boolean {
    const word = index >>> 5;
    if (word >= this.bits.length) {
      const grown = new Uint32Array(Math.max(word + 1, this.bits.length * 2));
      grown.set(this.bits);
      this.bits = grown;
    }
    const mask = 1 << (index & 31);
    if ((this.bits[word]! & mask) !== 0) return false;
    this.bits[word]! |= mask;
    this.size++;
    return true;
  }
}
