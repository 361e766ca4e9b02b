import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { BackfillAsk } from '../../contracts/candle-backfill.ts';
import { TestOrigin } from '../../test/workers/test-origin.ts';

/** This file's FeedControl is its own (each test file starts with no objects: test/workers/fresh-objects.ts). */
const feed = () => env.FEED_CONTROL.getByName('feed');
const settle = async <T>(call: PromiseLike<T>): Promise<T> => await call;
const ask: BackfillAsk = { token: 408_065, exchange: 'NSE', interval: 'minute', from: 1_796_358_600_000, to: 1_796_381_100_000 };

describe('FeedControl: backfill requests over the feed link', () => {
  it('refuses at once without an origin link, saying so', async () => {
    await expect(settle(feed().backfill(ask))).rejects.toThrow('the origin is not linked to the edge');
  });

  it('sends the request down the link, shares it between callers, and resolves with the origin’s answer', async () => {
    const origin = await TestOrigin.connect('/origin/feed');
    expect(await origin.next()).toMatchObject({ type: 'groups' });
    const first = settle(feed().backfill(ask));
    const second = settle(feed().backfill(ask));
    const request = await origin.next<{ type: string; id: string }>();
    expect(request).toMatchObject({ type: 'backfill', ...ask });
    origin.sendJson({ type: 'backfill_done', id: request.id, minutes: 375, days: 1 });
    expect(await first).toEqual({ minutes: 375, days: 1 });
    expect(await second).toEqual({ minutes: 375, days: 1 });
    expect(origin.pending).toBe(0);

    const failing = settle(feed().backfill({ ...ask, interval: 'day' }));
    const next = await origin.next<{ id: string }>();
    origin.sendJson({ type: 'backfill_failed', id: next.id, message: 'Kite answered 429' });
    await expect(failing).rejects.toThrow('the origin could not fetch the history from Kite: Kite answered 429');

    const lost = settle(feed().backfill({ ...ask, token: 1 }));
    await origin.next();
    origin.close();
    await expect(lost).rejects.toThrow('the origin link dropped before the backfill was answered');
  });
});
