/**
 * The simulator's one source of randomness: mulberry32, tiny, fast and
 * plenty for a simulation. Seeded, so the universe and the market are the
 * same run after run for the same SIM_SEED.
 */

/** A stream's 32-bit state, kept on whatever object owns the stream (no closure per stream). */
export type Rng = { rng: number };

/** Advances the stream; uniform on [0, 1). */
export function uniform(r: Rng): number {
  r.rng = (r.rng + 0x6d2b79f5) | 0;
  let t = r.rng;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/** A stream as a plain function, for code that draws from one stream only. */
export function seededRandom(seed: number): () => number {
  const r: Rng = { rng: seed | 0 };
  return () => uniform(r);
}
