import type { ClientMode } from '../contracts/client-protocol.ts';
import { seededRandom } from '../kite-sim/seeded-random.ts';

/**
 * The fan-out bench's sessions: what each one subscribes to, drawn the
 * same way run after run (a fixed seed). Like a real user base, a popular
 * few instruments are in many watchlists and the rest form a long tail:
 * each session takes `popularPicks` of its instruments from the `popular`
 * most-watched ones and the rest from all the others, and each instrument
 * in a mode (mostly quote, some with depth, some price only). The soak
 * (bench/soak/) draws its smaller watchlists the same way.
 */
export type Pick = { token: number; mode: ClientMode };

/** How many instruments a session holds, and how many of them come from how many popular ones. */
export type WatchlistShape = { perSession: number; popular: number; popularPicks: number };

export const INSTRUMENTS_PER_SESSION = 100;
const FANOUT_SHAPE: WatchlistShape = { perSession: INSTRUMENTS_PER_SESSION, popular: 200, popularPicks: 20 };
const MODES: [ClientMode, number][] = [
  ['quote', 0.6],
  ['full', 0.25],
  ['ltp', 0.15],
];

/** `sessions` subscription sets over `tokens` (the streaming instruments, popular ones picked from a seeded shuffle). */
export function subscriptionSets(tokens: number[], sessions: number, seed = 7, shape: WatchlistShape = FANOUT_SHAPE): Pick[][] {
  const random = seededRandom(seed);
  const shuffled = [...tokens];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [shuffled[i], shuffled[j]] = [shuffled[j] as number, shuffled[i] as number];
  }
  const popular = shuffled.slice(0, shape.popular);
  const tail = shuffled.slice(shape.popular);
  const mode = (): ClientMode => {
    let r = random();
    for (const [m, share] of MODES) {
      r -= share;
      if (r < 0) return m;
    }
    return 'quote';
  };
  return Array.from({ length: sessions }, () => {
    const picked = new Set<number>();
    const draw = (from: number[], count: number) => {
      while (count > 0) {
        const token = from[Math.floor(random() * from.length)] as number;
        if (!picked.has(token)) {
          picked.add(token);
          count--;
        }
      }
    };
    draw(popular, shape.popularPicks);
    draw(tail, shape.perSession - shape.popularPicks);
    return [...picked].map((token) => ({ token, mode: mode() }));
  });
}

/**
 * Which sessions the bench opens: `long-tail` (the default) draws each
 * session's own watchlist as above; `popular` gives every session the same
 * instruments in the same modes (the first session's draw from the popular
 * set), as when every client watches one index's options.
 */
export type Workload = 'long-tail' | 'popular';

export function workloadSets(workload: Workload, tokens: number[], sessions: number): Pick[][] {
  if (workload === 'long-tail') return subscriptionSets(tokens, sessions);
  const [shared] = subscriptionSets(tokens, 1, 7, { ...FANOUT_SHAPE, popular: FANOUT_SHAPE.perSession, popularPicks: FANOUT_SHAPE.perSession });
  return Array.from({ length: sessions }, () => shared as Pick[]);
}
