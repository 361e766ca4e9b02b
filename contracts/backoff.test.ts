import { describe, expect, it } from 'vitest';
import { DEFAULT_RECONNECT, reconnectPolicy } from '../client/kite-edge-client.ts';
import { WEBHOOK_RETRY } from '../durable-objects/webhook-dispatcher/webhook-retry.ts';
import { EDGE_RECONNECT } from '../origin-ticker/feed/edge-socket.ts';
import { KITE_RECONNECT } from '../origin-ticker/kite/ticker-connection.ts';
import { Backoff, type BackoffPolicy, backoffCeilingMs, backoffDelayMs } from './backoff.ts';

/**
 * The one backoff schedule, and each caller's policy: the typed client's
 * reconnects, webhook retries, the origin's Kite sockets and edge links.
 * Randomness is a function argument, so every delay here is exact.
 */
const always = (r: number) => () => r;

describe('backoffDelayMs', () => {
  it('grows by the factor from the base up to the cap, the first retry being attempt 1', () => {
    const policy: BackoffPolicy = { baseMs: 100, maxMs: 1_000, jitter: 'none' };
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelayMs(n, policy))).toEqual([100, 200, 400, 800, 1_000, 1_000]);
    expect([1, 2, 3].map((n) => backoffDelayMs(n, { ...policy, factor: 3 }))).toEqual([100, 300, 900]);
    expect(backoffDelayMs(0, policy)).toBe(100);
  });

  it('stays at the cap however long the outage (no overflow to Infinity or NaN)', () => {
    expect(backoffDelayMs(5_000, { baseMs: 100, maxMs: 1_000, factor: 10, jitter: 'none' })).toBe(1_000);
    expect(backoffDelayMs(5_000, { baseMs: 0, maxMs: 1_000, jitter: 'none' })).toBe(0);
    expect(backoffCeilingMs(5_000, { baseMs: 500, maxMs: 30_000, jitter: 'full' })).toBe(30_000);
  });

  it('draws full jitter anywhere from 0 to the ceiling', () => {
    const policy: BackoffPolicy = { baseMs: 500, maxMs: 30_000, jitter: 'full' };
    expect(backoffDelayMs(3, policy, always(0))).toBe(0);
    expect(backoffDelayMs(3, policy, always(0.5))).toBe(1_000);
    expect(backoffDelayMs(3, policy, always(0.999_999))).toBe(2_000);
  });

  it('draws equal jitter from half the ceiling to the ceiling', () => {
    const policy: BackoffPolicy = { baseMs: 100, maxMs: 5_000, jitter: 'equal' };
    expect([1, 2, 3].map((n) => backoffDelayMs(n, policy, always(0)))).toEqual([50, 100, 200]);
    expect([1, 2, 3].map((n) => backoffDelayMs(n, policy, always(0.999_999)))).toEqual([100, 200, 400]);
  });

  it('takes a jitter fraction off the ceiling, never more (out-of-range fractions are clamped)', () => {
    const policy: BackoffPolicy = { baseMs: 1_000, maxMs: 1_000, jitter: 0.25 };
    expect(backoffDelayMs(1, policy, always(0))).toBe(1_000);
    expect(backoffDelayMs(1, policy, always(0.999_999))).toBe(750);
    expect(backoffDelayMs(1, { ...policy, jitter: 1 }, always(0.5))).toBe(500);
    expect(backoffDelayMs(1, { ...policy, jitter: 2 }, always(0.999_999))).toBe(0);
    expect(backoffDelayMs(1, { ...policy, jitter: -1 }, always(0.5))).toBe(1_000);
  });
});

describe('Backoff', () => {
  it('counts failures until a reset, and starts over from the base after it', () => {
    const backoff = new Backoff({ baseMs: 250, maxMs: 2_000, jitter: 'full' }, always(0.999_999));
    expect([backoff.next(), backoff.next(), backoff.next(), backoff.next(), backoff.next()]).toEqual([250, 500, 1_000, 2_000, 2_000]);
    expect(backoff.attempts).toBe(5);
    backoff.reset();
    expect(backoff.attempts).toBe(0);
    expect(backoff.next()).toBe(250);
  });

  it('keeps counting past any cap of the exponent (a log every tenth attempt keeps coming)', () => {
    const backoff = new Backoff({ baseMs: 1, maxMs: 10, jitter: 'none' });
    for (let i = 0; i < 45; i++) backoff.next();
    expect(backoff.attempts).toBe(45);
    expect(backoff.next()).toBe(10);
  });
});

describe('the typed client’s reconnect schedule (client/kite-edge-client.ts)', () => {
  it('doubles from the initial delay up to the cap', () => {
    const noJitter = reconnectPolicy({ ...DEFAULT_RECONNECT, jitter: 0 });
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffDelayMs(n, noJitter))).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  });

  it('takes up to the jitter fraction off each delay, never more', () => {
    expect(backoffDelayMs(3, reconnectPolicy(DEFAULT_RECONNECT), () => 0)).toBe(2000);
    expect(backoffDelayMs(3, reconnectPolicy(DEFAULT_RECONNECT), () => 0.999999)).toBe(1000);
    expect(backoffDelayMs(20, reconnectPolicy(DEFAULT_RECONNECT), () => 0.5)).toBe(22500);
  });
});

describe('webhook retries (durable-objects/webhook-dispatcher/webhook-retry.ts)', () => {
  it('backs off exponentially with equal jitter, capped', () => {
    expect([1, 2, 3, 4].map((n) => backoffDelayMs(n, WEBHOOK_RETRY, always(0)))).toEqual([2_500, 5_000, 10_000, 20_000]);
    expect([1, 2, 3, 4].map((n) => backoffDelayMs(n, WEBHOOK_RETRY, always(0.999_999)))).toEqual([5_000, 10_000, 20_000, 40_000]);
    expect(backoffDelayMs(20, WEBHOOK_RETRY, always(0.5))).toBe(0.75 * WEBHOOK_RETRY.maxMs);
  });
});

describe('the origin’s redials (origin-ticker/)', () => {
  it('redials Kite with full jitter, 0.5 s doubling to 30 s (docs/origin.md)', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffCeilingMs(n, KITE_RECONNECT))).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    expect(backoffDelayMs(4, KITE_RECONNECT, always(0.25))).toBe(1_000);
  });

  it('redials the edge with full jitter, 0.25 s doubling to 2 s', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffCeilingMs(n, EDGE_RECONNECT))).toEqual([250, 500, 1000, 2000, 2000]);
    expect(backoffDelayMs(1, EDGE_RECONNECT, always(0))).toBe(0);
  });
});
