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

/** Seeds one stream from a seed and a key, decorrelated by murmur3's finalizer. */
export function mix(seed: number, key: number): number {
  let h = (Math.imul(seed | 0, 0x9e3779b1) ^ key) | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

/** FNV-1a, to key a stream by a name. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h | 0;
}
