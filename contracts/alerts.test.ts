import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { AlertCreate, AlertFrame, AlertTrigger, alertCreateSchema, alertProblem, alertUpdateSchema } from './alerts.ts';

const NOW = Date.parse('2026-01-05T10:00:00Z');
const create = alertCreateSchema({ now: () => NOW });
const update = alertUpdateSchema({ now: () => NOW });

/** The 400 a body would get: `param` and message, or 'ok'. */
function problem(schema: z.ZodType, body: unknown): { param: string; message: string } | 'ok' {
  const result = schema.safeParse(body);
  return result.success ? 'ok' : alertProblem(result.error);
}

const base = { instrument: 'NSE:INFY', condition: { type: 'price_above', price: 1500 } };

describe('AlertCreate', () => {
  it('fills the defaults: one-shot, to the sessions', () => {
    expect(create.parse(base)).toEqual({ ...base, repeat: { type: 'once' }, channels: { sessions: true } });
  });

  it('takes every condition type with its bound', () => {
    for (const condition of [
      { type: 'price_above', price: 1 },
      { type: 'price_below', price: 0.05 },
      { type: 'crosses_up', price: 24_500.5 },
      { type: 'crosses_down', price: 24_500.5 },
      { type: 'change_pct_above', percent: 2.5 },
      { type: 'change_pct_below', percent: -2.5 },
      { type: 'volume_above', volume: 1_000_000 },
      { type: 'oi_above', oi: 5_000_000 },
    ]) {
      expect(create.parse({ ...base, condition }).condition).toEqual(condition);
    }
  });

  it('names instruments by token or EXCHANGE:TRADINGSYMBOL', () => {
    for (const instrument of [256265, 'NSE:NIFTY 50', 'NSE:M&M', 'NSE:BAJAJ-AUTO', 'NFO:NIFTY26JAN25000CE']) {
      expect(problem(create, { ...base, instrument })).toBe('ok');
    }
    const message = 'must be EXCHANGE:TRADINGSYMBOL such as NSE:INFY (exchange in capitals, then the symbol as Kite lists it)';
    expect(problem(create, { ...base, instrument: 'INFY' })).toEqual({ param: 'instrument', message });
    expect(problem(create, { ...base, instrument: 'nse:infy' })).toEqual({ param: 'instrument', message });
    expect(problem(create, { ...base, instrument: 'NSE: INFY' })).toEqual({ param: 'instrument', message });
    expect(problem(create, { ...base, instrument: 0 })).toEqual({ param: 'instrument', message: 'must be a positive instrument token' });
    expect(problem(create, { ...base, instrument: 1.5 })).toEqual({
      param: 'instrument',
      message: 'must be an instrument token or EXCHANGE:TRADINGSYMBOL such as NSE:INFY',
    });
    expect(problem(create, { ...base, instrument: null })).toEqual({
      param: 'instrument',
      message: 'must be an instrument token or EXCHANGE:TRADINGSYMBOL such as NSE:INFY',
    });
  });

  it('refuses bounds that cannot be met, naming the field and the rule', () => {
    expect(problem(create, { ...base, condition: { type: 'price_above', price: 0 } })).toEqual({ param: 'condition.price', message: 'must be greater than 0' });
    expect(problem(create, { ...base, condition: { type: 'crosses_down', price: -5 } })).toEqual({
      param: 'condition.price',
      message: 'must be greater than 0',
    });
    expect(problem(create, { ...base, condition: { type: 'crosses_up', price: '100' } })).toEqual({ param: 'condition.price', message: 'must be a number' });
    expect(problem(create, { ...base, condition: { type: 'volume_above', volume: 10.5 } })).toEqual({
      param: 'condition.volume',
      message: 'must be a whole number',
    });
    expect(problem(create, { ...base, condition: { type: 'oi_above', oi: 0 } })).toEqual({ param: 'condition.oi', message: 'must be greater than 0' });
    expect(problem(create, { ...base, condition: { type: 'price_above' } })).toEqual({ param: 'condition.price', message: 'must be a number' });
    expect(problem(create, { ...base, condition: { type: 'price_over', price: 1 } })).toEqual({
      param: 'condition.type',
      message:
        'must be an object whose type is one of price_above, price_below, crosses_up, crosses_down, change_pct_above, change_pct_below, volume_above, oi_above',
    });
    expect(problem(create, { ...base, condition: { type: 'price_above', price: 1, percent: 2 } })).toEqual({
      param: 'condition.percent',
      message: 'is not a field here',
    });
  });

  it('refuses a percent change of the wrong sign, saying which type was meant', () => {
    const below = problem(create, { ...base, condition: { type: 'change_pct_below', percent: 5 } });
    expect(below).toMatchObject({ param: 'condition.percent', message: expect.stringMatching(/^must be less than 0: .*for a rise use change_pct_above$/) });
    const above = problem(create, { ...base, condition: { type: 'change_pct_above', percent: -5 } });
    expect(above).toMatchObject({ param: 'condition.percent', message: expect.stringMatching(/^must be greater than 0: .*for a fall use change_pct_below/) });
    expect(problem(create, { ...base, condition: { type: 'change_pct_above', percent: 0 } })).toMatchObject({ param: 'condition.percent' });
    expect(problem(create, { ...base, condition: { type: 'change_pct_below', percent: -101 } })).toEqual({
      param: 'condition.percent',
      message: 'must be at least -100: a price cannot fall more than 100%',
    });
  });

  it('takes a recurring alert with a cool-down of at least 10 s', () => {
    expect(create.parse({ ...base, repeat: { type: 'recurring', cooldown_s: 10 } }).repeat).toEqual({ type: 'recurring', cooldown_s: 10 });
    expect(problem(create, { ...base, repeat: { type: 'recurring', cooldown_s: 9 } })).toEqual({
      param: 'repeat.cooldown_s',
      message: 'must be at least 10 seconds',
    });
    expect(problem(create, { ...base, repeat: { type: 'recurring' } })).toEqual({ param: 'repeat.cooldown_s', message: 'must be a number of seconds' });
    // A server that sets ALERTS_MIN_COOLDOWN_S lowers (or raises) the floor.
    const quick = alertCreateSchema({ minCooldownS: 2 });
    expect(quick.parse({ ...base, repeat: { type: 'recurring', cooldown_s: 2 } }).repeat).toEqual({ type: 'recurring', cooldown_s: 2 });
    expect(problem(quick, { ...base, repeat: { type: 'recurring', cooldown_s: 1 } })).toEqual({
      param: 'repeat.cooldown_s',
      message: 'must be at least 2 seconds',
    });
    // A misspelt field is answered with the one that is missing, which names the right spelling.
    expect(problem(create, { ...base, repeat: { type: 'recurring', cooldown: 60 } })).toEqual({
      param: 'repeat.cooldown_s',
      message: 'must be a number of seconds',
    });
  });

  it('takes an expiry in the future only, and a note up to 500 characters', () => {
    expect(problem(create, { ...base, expires_at: '2026-01-05T15:30:00+05:30' })).toEqual({ param: 'expires_at', message: 'must be in the future' });
    expect(problem(create, { ...base, expires_at: '2026-01-05T16:30:00+05:30' })).toBe('ok');
    expect(problem(create, { ...base, expires_at: 'tomorrow' })).toEqual({
      param: 'expires_at',
      message: 'must be an ISO 8601 time with a zone, such as 2026-01-05T15:30:00+05:30',
    });
    expect(problem(create, { ...base, note: 'x'.repeat(500) })).toBe('ok');
    expect(problem(create, { ...base, note: 'x'.repeat(501) })).toEqual({ param: 'note', message: 'must be at most 500 characters' });
  });

  it('hands the expiry on in UTC, whatever zone it was written in, up to the end of year 9999', () => {
    // ISO 8601 allows offsets up to ±23:59; Postgres refuses those past ±15:59, so the expiry goes on in UTC.
    expect(create.parse({ ...base, expires_at: '2026-01-05T16:30:00+05:30' }).expires_at).toBe('2026-01-05T11:00:00.000Z');
    expect(create.parse({ ...base, expires_at: '2026-01-05T16:30:00-23:59' }).expires_at).toBe('2026-01-06T16:29:00.000Z');
    expect(problem(create, { ...base, expires_at: '9999-12-31T23:59:59Z' })).toBe('ok');
    // Its UTC time falls in year 10000, which no four-digit year writes.
    expect(problem(create, { ...base, expires_at: '9999-12-31T23:59:59-23:59' })).toEqual({
      param: 'expires_at',
      message: 'must be no later than 9999-12-31T23:59:59Z',
    });
    expect(update.parse({ expires_at: '2026-01-05T16:30:00-23:59' }).expires_at).toBe('2026-01-06T16:29:00.000Z');
  });

  it('checks the webhook URL, refusing private networks unless the server allows them', () => {
    const hook = (url: string) => ({ ...base, channels: { sessions: false, webhook: { url } } });
    expect(create.parse(hook('https://Hooks.example.com/a')).channels).toEqual({ sessions: false, webhook: { url: 'https://hooks.example.com/a' } });
    expect(problem(create, hook('http://127.0.0.1:9000/hook'))).toEqual({
      param: 'channels.webhook.url',
      message: 'must not point into a private network: 127.0.0.1 is loopback',
    });
    expect(problem(create, hook('http://hooks.example.com/a'))).toEqual({ param: 'channels.webhook.url', message: 'must use https' });
    const local = alertCreateSchema({ now: () => NOW, allowPrivateWebhooks: true });
    expect(problem(local, hook('http://127.0.0.1:9000/hook'))).toBe('ok');
    expect(problem(create, { ...base, channels: { sessions: false } })).toEqual({
      param: 'channels',
      message: 'must enable sessions or give a webhook: an alert nobody hears is a mistake',
    });
  });

  it('refuses unknown fields by name', () => {
    expect(problem(create, { ...base, expiry: '2027-01-01T00:00:00Z' })).toEqual({ param: 'expiry', message: 'is not a field here' });
    expect(problem(AlertCreate, 'not an object')).toMatchObject({ param: '(body)' });
  });
});

describe('AlertUpdate', () => {
  it('takes any subset of the fields, null clearing expiry and note', () => {
    expect(update.parse({ note: null, expires_at: null })).toEqual({ note: null, expires_at: null });
    expect(update.parse({ condition: { type: 'crosses_down', price: 10 } })).toEqual({ condition: { type: 'crosses_down', price: 10 } });
  });

  it('refuses an empty change and a new instrument', () => {
    expect(problem(update, {})).toEqual({ param: '(body)', message: 'must change at least one of condition, repeat, expires_at, note, channels' });
    expect(problem(update, { instrument: 'NSE:TCS' })).toEqual({
      param: 'instrument',
      message: 'cannot be changed: delete this alert and create one on the other instrument',
    });
    expect(problem(update, { condition: { type: 'change_pct_below', percent: 3 } })).toMatchObject({ param: 'condition.percent' });
  });
});

describe('AlertTrigger and its frame', () => {
  it('is what a session receives, type first', () => {
    const trigger = {
      idempotency_key: '0b9a3c0e-8a3e-4c8e-9f3a-1f2e3d4c5b6a:0',
      alert_id: '0b9a3c0e-8a3e-4c8e-9f3a-1f2e3d4c5b6a',
      user_id: '5f1e2d3c-4b5a-4697-8877-665544332211',
      generation: 0,
      instrument: { instrument_token: 408065, exchange: 'NSE', tradingsymbol: 'INFY' },
      condition: { type: 'crosses_up', price: 1500 },
      value: 1500.05,
      last_price: 1500.05,
      previous_price: 1499.9,
      tick_at: '2026-01-05T04:00:00.000Z',
      triggered_at: '2026-01-05T04:00:00.012Z',
      note: null,
    };
    expect(AlertTrigger.parse(trigger)).toEqual(trigger);
    expect(AlertFrame.parse({ type: 'alert', ...trigger })).toEqual({ type: 'alert', ...trigger });
    expect(AlertFrame.safeParse({ type: 'tick', ...trigger }).success).toBe(false);
  });
});
