import { describe, expect, it } from 'vitest';
import type { ChainDefinition } from '../../contracts/fno-chain.ts';
import { instrumentToken } from '../../contracts/kite-instrument.ts';
import { fullPacket } from '../../test/workers/test-origin.ts';
import { CHAIN_INTERVAL_MS, ChainBook } from './chain-book.ts';

/** The chain book on its own, at fixed times: the once-a-second gate, idleness, OI change's reference, refusals. */
const NOW = Date.parse('2026-01-05T10:00:00+05:30');
const token = (n: number) => instrumentToken(n, 'NFO');
const DEF: ChainDefinition = {
  name: 'NIFTY',
  expiry: '2026-01-27',
  rate: 0.065,
  price_decimals: 2,
  options: [
    { instrument_token: token(1), tradingsymbol: 'NIFTY26JAN26000CE', strike: 26_000, type: 'CE' },
    { instrument_token: token(2), tradingsymbol: 'NIFTY26JAN26000PE', strike: 26_000, type: 'PE' },
    { instrument_token: token(3), tradingsymbol: 'NIFTY26JAN26100CE', strike: 26_100, type: 'CE' },
  ],
  future: { instrument_token: token(4), tradingsymbol: 'NIFTY26JANFUT' },
  spot: { instrument_token: 256_265, tradingsymbol: 'NIFTY 50', group: 'index:NSE' },
};

function started(): ChainBook {
  const book = new ChainBook();
  book.start(DEF, NOW);
  return book;
}

describe('ChainBook', () => {
  it('has nothing to say before a tick, then computes from the packets', () => {
    const book = started();
    expect(book.read(DEF.expiry, NOW)).toBeNull();
    expect(book.tokens(DEF.expiry)).toEqual([token(1), token(2), token(3), token(4)]);
    book.onPackets([fullPacket(token(4), { last: 26_050 }), fullPacket(token(1), { last: 300, close: 280, bid: 299.5, ask: 300.5, volume: 10, oi: 50 })], NOW);
    book.setSpot(256_265, 26_000);
    const chain = book.read(DEF.expiry, NOW);
    expect(chain).toMatchObject({ spot: 26_000, forward: 26_050, forward_source: 'future', basis: 50, as_of: new Date(NOW).toISOString() });
    expect(chain?.strikes[0]?.CE).toMatchObject({ last_price: 300, change: 20, bid: 299.5, ask: 300.5, volume: 10, oi: 50, oi_change: 0 });
    expect(chain?.strikes[0]?.PE).toMatchObject({ last_price: null, iv: null });
  });

  it('recomputes at most once every CHAIN_INTERVAL_MS, and only when something changed', () => {
    const book = started();
    book.onPackets([fullPacket(token(4), { last: 26_050 })], NOW);
    expect(book.round(NOW)).toEqual([DEF.expiry]);
    book.onPackets([fullPacket(token(4), { last: 26_060 })], NOW + 10);
    expect(book.round(NOW + 10)).toEqual([]);
    expect(book.read(DEF.expiry, NOW + 999)?.forward).toBe(26_050);
    expect(book.round(NOW + CHAIN_INTERVAL_MS)).toEqual([DEF.expiry]);
    expect(book.last(DEF.expiry)?.forward).toBe(26_060);
    // Nothing new: a quiet chain is not recomputed.
    expect(book.round(NOW + 5 * CHAIN_INTERVAL_MS)).toEqual([]);
  });

  it('measures OI change from the first OI of the IST day', () => {
    const book = started();
    book.onPackets([fullPacket(token(1), { last: 300, oi: 1_000 })], NOW);
    book.onPackets([fullPacket(token(1), { last: 301, oi: 1_250 })], NOW + 60_000);
    expect(book.read(DEF.expiry, NOW + 60_000)?.strikes[0]?.CE?.oi_change).toBe(250);
    const nextDay = NOW + 86_400_000;
    book.onPackets([fullPacket(token(1), { last: 302, oi: 1_300 })], nextDay);
    expect(book.read(DEF.expiry, nextDay)?.strikes[0]?.CE?.oi_change).toBe(0);
  });

  it('names the chains nobody asked for in a while; a read or a subscriber counts as asking', () => {
    const book = started();
    book.start(
      { ...DEF, expiry: '2026-02-24', options: [{ ...(DEF.options[0] as ChainDefinition['options'][number]), instrument_token: token(9) }], future: null },
      NOW,
    );
    const idleMs = 600_000;
    expect(book.nextIdleAt(idleMs)).toBe(NOW + idleMs);
    book.read(DEF.expiry, NOW + 300_000);
    book.touch('2026-02-24', NOW + 100_000);
    expect(book.idle(NOW + idleMs + 100_000, idleMs)).toEqual(['2026-02-24']);
    book.stop('2026-02-24');
    expect(book.has('2026-02-24')).toBe(false);
    expect(book.has(DEF.expiry)).toBe(true);
    expect(book.nextIdleAt(idleMs)).toBe(NOW + 300_000 + idleMs);
  });

  it('counts the contracts the origin refused, and lists the spots by group', () => {
    const book = started();
    expect(book.refused(DEF.expiry, new Set([token(2), token(4), 999]))).toBe(2);
    expect(book.spots()).toEqual(new Map([['index:NSE', new Set([256_265])]]));
  });

  it('gives the term structure of the chains computed', () => {
    const book = started();
    book.onPackets([fullPacket(token(4), { last: 26_050 })], NOW);
    const summary = book.summary('NIFTY', NOW);
    expect(summary.expiries).toEqual([expect.objectContaining({ expiry: DEF.expiry, forward: 26_050 })]);
  });
});
