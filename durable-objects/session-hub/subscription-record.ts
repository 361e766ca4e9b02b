import type { GroupKey } from '../../contracts/instrument-group.ts';
import type { TickMode } from '../../contracts/origin-link.ts';
import type { Subscription } from './subscription-index.ts';

/**
 * A session's whole subscription set as the hub stores it: one SQLite value
 * per session, rewritten once per control message, not a row per
 * instrument, which would cost a statement per instrument while sessions
 * open in bursts (README, Benchmarks).
 *
 * The encoding is JSON of group → mode → tokens:
 *
 *     {"cash:NSE:00":{"ltp":[408065,738561],"full":[884737]}}
 *
 * Each group key and mode is written once, not once per instrument, so an
 * instrument costs its token's digits and a comma: 20,000 instruments (the
 * most WS_MAX_INSTRUMENTS allows) of ten-digit tokens are about 220 KB, far
 * under the 2 MB a Durable Object's SQLite value may hold, so one value per
 * session needs no chunking.
 */
type Stored = { [group: GroupKey]: { [mode in TickMode]?: number[] } };

export function encodeSubscriptions(subscriptions: Iterable<Subscription>): string {
  const stored: Stored = {};
  for (const { token, mode, group } of subscriptions) {
    let modes = stored[group];
    if (!modes) {
      modes = {};
      stored[group] = modes;
    }
    const tokens = modes[mode];
    if (tokens) tokens.push(token);
    else modes[mode] = [token];
  }
  return JSON.stringify(stored);
}

export function decodeSubscriptions(text: string): Subscription[] {
  const out: Subscription[] = [];
  for (const [group, modes] of Object.entries(JSON.parse(text) as Stored)) {
    for (const [mode, tokens] of Object.entries(modes) as [TickMode, number[]][]) {
      for (const token of tokens) out.push({ token, mode, group });
    }
  }
  return out;
}
