import { describe, expect, it } from 'vitest';
import type { TickMode } from '../../contracts/origin-link.ts';
import type { Subscription } from './subscription-index.ts';
import { decodeSubscriptions, encodeSubscriptions } from './subscription-record.ts';

const byToken = (subscriptions: Subscription[]) => [...subscriptions].sort((a, b) => a.token - b.token);

describe('a session subscription set as the hub stores it', () => {
  it('gives back each token with its own mode and group', () => {
    const set: Subscription[] = [
      { token: 408065, mode: 'ltp', group: 'cash:NSE:00' },
      { token: 884737, mode: 'full', group: 'cash:NSE:00' },
      { token: 738561, mode: 'ltp', group: 'cash:NSE:00' },
      { token: 12345678, mode: 'quote', group: 'fno:NFO:NIFTY:2026-12' },
    ];
    expect(byToken(decodeSubscriptions(encodeSubscriptions(set)))).toEqual(byToken(set));
    expect(decodeSubscriptions(encodeSubscriptions([]))).toEqual([]);
  });

  it('stays far under the 2 MB a Durable Object SQLite value may hold at 20,000 instruments, the most a session may have', () => {
    const modes: TickMode[] = ['ltp', 'quote', 'full'];
    // The longest tokens (uint32), spread over many groups and every mode: the worst case for the encoding.
    const set: Subscription[] = Array.from({ length: 20_000 }, (_, i) => ({
      token: 4_294_967_295 - i,
      mode: modes[i % 3] as TickMode,
      group: `fno:NFO:GROUP${i % 200}:2026-12-31`,
    }));
    const bytes = new TextEncoder().encode(encodeSubscriptions(set)).byteLength;
    expect(bytes).toBeLessThan(512 * 1024);
  });
});
