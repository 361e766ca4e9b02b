import { describe, expect, it } from 'vitest';
import { afterAttempt, classify, type Delivery, newDelivery, WEBHOOK_RETRY, webhookRetryPolicy } from './webhook-retry.ts';

const NOW = Date.parse('2026-01-05T04:00:00Z');
const fail500 = { kind: 'response', status: 500 } as const;

describe('webhook delivery', () => {
  it('sorts outcomes: 2xx delivered; 408, 429, 5xx, timeouts and network errors retried; other answers final', () => {
    expect([200, 201, 204].map((status) => classify({ kind: 'response', status }))).toEqual(['success', 'success', 'success']);
    expect([408, 429, 500, 502, 503].map((status) => classify({ kind: 'response', status }))).toEqual(Array(5).fill('retry'));
    expect([301, 302, 400, 401, 403, 404, 410, 422].map((status) => classify({ kind: 'response', status }))).toEqual(Array(8).fill('permanent'));
    expect(classify({ kind: 'timeout' })).toBe('retry');
    expect(classify({ kind: 'network', error: 'connection refused' })).toBe('retry');
    expect(classify({ kind: 'refused', reason: 'must not point into a private network: 10.0.0.5 is RFC 1918 private network' })).toBe('permanent');
  });

  it('fails twice, then succeeds: one delivery, three attempts, the last code kept', () => {
    let delivery = newDelivery(NOW);
    delivery = afterAttempt(delivery, fail500, { now: NOW, random: 0.5 });
    expect(delivery).toMatchObject({ status: 'pending', attempts: 1, next_attempt_at: NOW + 3_750, response_code: 500, last_error: 'HTTP 500' });
    delivery = afterAttempt(delivery, { kind: 'timeout' }, { now: NOW + 3_750, random: 0.5 });
    expect(delivery).toMatchObject({
      status: 'pending',
      attempts: 2,
      next_attempt_at: NOW + 3_750 + 7_500,
      response_code: null,
      last_error: 'no answer within 10 s',
    });
    delivery = afterAttempt(delivery, { kind: 'response', status: 204 }, { now: NOW + 20_000, random: 0.5 });
    expect(delivery).toEqual({
      status: 'delivered',
      attempts: 3,
      next_attempt_at: null,
      last_attempt_at: NOW + 20_000,
      response_code: 204,
      last_error: null,
      delivered_at: NOW + 20_000,
    });
    expect(() => afterAttempt(delivery, fail500, { now: NOW, random: 0 })).toThrow('a delivered delivery is not attempted again');
  });

  it('gives up at once on a permanent refusal', () => {
    expect(afterAttempt(newDelivery(NOW), { kind: 'response', status: 404 }, { now: NOW, random: 0 })).toMatchObject({
      status: 'failed',
      attempts: 1,
      next_attempt_at: null,
      response_code: 404,
      last_error: 'HTTP 404',
    });
  });

  it(`is dead after ${WEBHOOK_RETRY.maxAttempts} failed attempts, on the documented schedule`, () => {
    let delivery: Delivery = newDelivery(NOW);
    const waits: number[] = [];
    while (delivery.status === 'pending') {
      const at = delivery.next_attempt_at as number;
      delivery = afterAttempt(delivery, { kind: 'network', error: 'connect ECONNREFUSED' }, { now: at, random: 1 - Number.EPSILON });
      if (delivery.next_attempt_at !== null) waits.push((delivery.next_attempt_at - at) / 1000);
    }
    expect(waits).toEqual([5, 10, 20, 40, 80, 160, 320, 640, 1280]);
    expect(delivery).toMatchObject({ status: 'dead', attempts: 10, last_error: 'connect ECONNREFUSED; gave up after 10 attempts' });
  });

  it('honours Retry-After when it asks for longer, within the cap', () => {
    const asked = afterAttempt(newDelivery(NOW), { kind: 'response', status: 429, retryAfterS: 120 }, { now: NOW, random: 0 });
    expect(asked.next_attempt_at).toBe(NOW + 120_000);
    const greedy = afterAttempt(newDelivery(NOW), { kind: 'response', status: 503, retryAfterS: 86_400 }, { now: NOW, random: 0 });
    expect(greedy.next_attempt_at).toBe(NOW + WEBHOOK_RETRY.maxMs);
  });

  it('takes its first delay from ALERT_WEBHOOK_RETRY_BASE_MS and keeps the cap and the number of attempts', () => {
    let delivery: Delivery = newDelivery(NOW);
    const policy = webhookRetryPolicy(200);
    const waits: number[] = [];
    while (delivery.status === 'pending') {
      const at = delivery.next_attempt_at as number;
      delivery = afterAttempt(delivery, fail500, { now: at, random: 0, policy });
      if (delivery.next_attempt_at !== null) waits.push(delivery.next_attempt_at - at);
    }
    expect(waits).toEqual([100, 200, 400, 800, 1_600, 3_200, 6_400, 12_800, 25_600]);
    expect(delivery).toMatchObject({ status: 'dead', attempts: WEBHOOK_RETRY.maxAttempts });
    const greedy = afterAttempt(newDelivery(NOW), { kind: 'response', status: 503, retryAfterS: 86_400 }, { now: NOW, random: 0, policy });
    expect(greedy.next_attempt_at).toBe(NOW + WEBHOOK_RETRY.maxMs);
  });
});
