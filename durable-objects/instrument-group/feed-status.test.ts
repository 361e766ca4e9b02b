import { describe, expect, it } from 'vitest';
import type { GroupFeedState } from '../../contracts/group-state.ts';
import { ORIGIN_SILENT_MS } from '../../contracts/origin-link.ts';
import { DOWN_AFTER_MS, type FeedFacts, feedStatus, KITE_TOKEN_EXPIRED, type OriginView } from './feed-status.ts';

const now = 1_800_000_000_000;
const feed = (state: GroupFeedState['state'], reason?: string): GroupFeedState => ({
  state,
  ...(reason === undefined ? {} : { reason }),
  at: now - 5,
  received_at: now - 4,
});
const facts = (fields: Partial<FeedFacts>): FeedFacts => ({ linked: false, feed: null, droppedAt: null, origin: null, ...fields });
const asked = (fields: Partial<OriginView> = {}): OriginView => ({ linked: true, state: 'live', at: now - 10, ...fields });

describe('feedStatus', () => {
  it('is stale while the origin link is reconnecting, and down once it has been away DOWN_AFTER_MS', () => {
    expect(feedStatus(now, facts({ droppedAt: now - DOWN_AFTER_MS + 1 }))).toEqual({
      type: 'status',
      state: 'stale',
      reason: 'the origin link dropped; it is reconnecting',
      at: now,
    });
    expect(feedStatus(now, facts({ droppedAt: now - DOWN_AFTER_MS }))).toMatchObject({ state: 'down', reason: 'the origin is not connected' });
  });

  it('follows the feed state the origin reports on the link', () => {
    expect(feedStatus(now, facts({ linked: true, feed: feed('live') }))).toEqual({ type: 'status', state: 'live', at: now });
    expect(feedStatus(now, facts({ linked: true, feed: feed('live', 'ignored'), droppedAt: now - 1 }))).toEqual({ type: 'status', state: 'live', at: now });
    expect(feedStatus(now, facts({ linked: true, feed: feed('stale') }))).toMatchObject({ state: 'stale', reason: 'Kite is stale' });
    expect(feedStatus(now, facts({ linked: true, feed: feed('down', 'Kite closed the socket') }))).toMatchObject({
      state: 'down',
      reason: 'Kite closed the socket',
    });
  });

  it('says a Kite token expired as such, with what to do (issue 21, defect 9c)', () => {
    expect(feedStatus(now, facts({ linked: true, feed: feed('token_expired') }))).toMatchObject({ state: 'down', reason: KITE_TOKEN_EXPIRED });
    expect(KITE_TOKEN_EXPIRED).toBe("Kite access token expired: log in at the origin's /login");
  });

  it('says nothing of a link the origin has not reported on yet, instead of the state of its last run (defect 9a)', () => {
    expect(feedStatus(now, facts({ linked: true, feed: null, droppedAt: now - 2_000 }))).toBeUndefined();
  });

  it('gives a group just asked for the feed’s state as FeedControl has it, never a transient down (defect 9b)', () => {
    expect(feedStatus(now, facts({}))).toBeUndefined();
    expect(feedStatus(now, facts({ origin: asked() }))).toEqual({ type: 'status', state: 'live', at: now });
    expect(feedStatus(now, facts({ origin: asked({ state: 'stale', reason: "the origin reports Kite's ticks stale" }) }))).toMatchObject({
      state: 'stale',
      reason: "the origin reports Kite's ticks stale",
    });
    expect(feedStatus(now, facts({ origin: asked({ linked: false, state: 'down' }) }))).toMatchObject({ state: 'down', reason: 'the origin is not connected' });
  });

  it('is down when the origin was asked DOWN_AFTER_MS ago and has not linked the group', () => {
    expect(feedStatus(now, facts({ origin: asked({ at: now - DOWN_AFTER_MS }) }))).toMatchObject({
      state: 'down',
      reason: 'the origin has not linked this group',
    });
  });

  it('is stale while a linked origin sends nothing for ORIGIN_SILENT_MS (a hung origin keeps its link open), whatever it said last', () => {
    const linked = facts({ linked: true, feed: feed('live') });
    expect(feedStatus(now, { ...linked, heardAt: now - ORIGIN_SILENT_MS })).toEqual({ type: 'status', state: 'live', at: now });
    expect(feedStatus(now, { ...linked, heardAt: now - ORIGIN_SILENT_MS - 1_000 })).toEqual({
      type: 'status',
      state: 'stale',
      reason: 'the origin has sent nothing for 11 s: it is stuck or cut off',
      at: now,
    });
    expect(feedStatus(now, { ...linked, feed: feed('token_expired'), heardAt: now - 60_000 })).toMatchObject({ state: 'stale' });
    expect(feedStatus(now, { ...linked, feed: null, heardAt: now - 60_000 })).toMatchObject({ state: 'stale' });
    // Unlinked, the link's own state says more.
    expect(feedStatus(now, facts({ droppedAt: now - 60_000, heardAt: now - 60_000 }))).toMatchObject({ state: 'down' });
  });
});
