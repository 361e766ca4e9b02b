/**
 * Which rounds of each instrument reached at least one session (in full
 * mode, where a tick names its round): a round one session lost and
 * another received was lost on the way to that session (its hub, its
 * socket); one that reached nobody was lost before the hubs (Kite, the
 * origin, the group object). A bit per instrument and second: about
 * 400 instruments over half an hour is under 100 KB.
 */
export class RoundsSeen {
  readonly #bits = new Map<number, { base: number; bits: Uint8Array }>();

  mark(token: number, second: number): void {
    let entry = this.#bits.get(token);
    if (!entry) {
      entry = { base: second, bits: new Uint8Array(64) };
      this.#bits.set(token, entry);
    }
    const at = second - entry.base;
    if (at < 0) return; // older than the instrument's first round seen: nothing to tell a loss from
    if (at >= entry.bits.length * 8) {
      const grown = new Uint8Array(Math.max(entry.bits.length * 2, (at >> 3) + 1));
      grown.set(entry.bits);
      entry.bits = grown;
    }
    entry.bits[at >> 3] = (entry.bits[at >> 3] as number) | (1 << (at & 7));
  }

  has(token: number, second: number): boolean {
    const entry = this.#bits.get(token);
    if (!entry) return false;
    const at = second - entry.base;
    return at >= 0 && at < entry.bits.length * 8 && ((entry.bits[at >> 3] as number) & (1 << (at & 7))) !== 0;
  }
}
