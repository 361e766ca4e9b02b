import { describe, expect, it } from 'vitest';
import type { GroupFeedState } from '../../contracts/group-state.ts';
import { ORIGIN_SILENT_MS } from '../../contracts/origin-link.ts';
import { DOWN_AFTER_MS, feedStatus } from './feed-status.ts';

const now = 1_800_000_000_000;
const feed = (state: GroupFeedState['state'], reason?: string): GroupFeedState => ({
  state,
  ...(reason === undefined ? {} : { reason }),
  at: now - 5,
  received_at: now - 4,
});

describe('feedStatus', () => {
  it('is stale while the origin link is reconnecting, and down once it has been away DOWN_AFTER_MS', () => {
    expect(feedStatus(now, { linked: false, disconnectedAt: now - DOWN_AFTER_MS + 1, feed: feed('live') })).toEqual({
      type: 'status',
      state: 'stale',
      reason: 'the origin link dropped; it is reconnecting',
      at: now,
    });
    expect(feedStatus(now, { linked: false, disconnectedAt: now - DOWN_AFTER_MS, feed: feed('live') })).toMatchObject({
      state: 'down',
      reason: 'the origin is not connected',
    });
    expect(feedStatus(now, { linked: false, disconnectedAt: null, feed: null })).toMatchObject({ state: 'down', reason: 'the origin is not connected' });
  });

  it('follows the feed state the origin reports while linked', () => {
    expect(feedStatus(now, { linked: true, disconnectedAt: null, feed: null })).toEqual({ type: 'status', state: 'live', at: now });
    expect(feedStatus(now, { linked: true, disconnectedAt: now - 1, feed: feed('live', 'ignored') })).toEqual({ type: 'status', state: 'live', at: now });
    expect(feedStatus(now, { linked: true, disconnectedAt: null, feed: feed('stale') })).toMatchObject({ state: 'stale', reason: 'Kite is stale' });
    expect(feedStatus(now, { linked: true, disconnectedAt: null, feed: feed('down', 'Kite closed the socket') })).toMatchObject({
      state: 'down',
      reason: 'Kite closed the socket',
    });
    expect(feedStatus(now, { linked: true, disconnectedAt: null, feed: feed('token_expired') })).toMatchObject({
      state: 'down',
      reason: 'the Kite access token expired',
    });
  });

  it('is stale while a linked origin sends nothing for ORIGIN_SILENT_MS (a hung origin keeps its link open), whatever it said last', () => {
    const linked = { linked: true, disconnectedAt: null, feed: feed('live') };
    expect(feedStatus(now, { ...linked, heardAt: now - ORIGIN_SILENT_MS })).toEqual({ type: 'status', state: 'live', at: now });
    expect(feedStatus(now, { ...linked, heardAt: now - ORIGIN_SILENT_MS - 1_000 })).toEqual({
      type: 'status',
      state: 'stale',
      reason: 'the origin has sent nothing for 11 s: it is stuck or cut off',
      at: now,
    });
    expect(feedStatus(now, { ...linked, feed: feed('token_expired'), heardAt: now - 60_000 })).toMatchObject({ state: 'stale' });
    // Unlinked, the link's own state says more.
    expect(feedStatus(now, { linked: false, disconnectedAt: null, feed: null, heardAt: now - 60_000 })).toMatchObject({ state: 'down' });
  });
});
