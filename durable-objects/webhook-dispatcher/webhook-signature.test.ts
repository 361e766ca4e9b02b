import { describe, expect, it } from 'vitest';
import type { WebhookPayload } from '../../contracts/alerts.ts';
import { ALERT_ID_HEADER, ATTEMPT_HEADER, DELIVERY_HEADER, SIGNATURE_HEADER, signatureHeader, signedWebhook, verifySignature } from './webhook-signature.ts';

const SECRET = 'whsec_test-secret-of-user-a';
const NOW = Date.parse('2026-01-05T04:00:00Z');
const payload: WebhookPayload = {
  event: 'alert.triggered',
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
  note: 'breakout',
};

describe('webhook signatures', () => {
  it('signs the body with a timestamp, and says which alert and delivery it is', async () => {
    const { body, headers } = await signedWebhook(payload, SECRET, NOW + 999, 2);
    expect(JSON.parse(body)).toEqual(payload);
    expect(headers).toMatchObject({
      'Content-Type': 'application/json',
      [ALERT_ID_HEADER]: payload.alert_id,
      [DELIVERY_HEADER]: payload.idempotency_key,
      [ATTEMPT_HEADER]: '2',
      [SIGNATURE_HEADER]: expect.stringMatching(new RegExp(`^t=${NOW / 1000},v1=[0-9a-f]{64}$`)),
    });
    expect(await verifySignature({ secret: SECRET, body, header: headers[SIGNATURE_HEADER] ?? null, nowMs: NOW + 60_000 })).toEqual({
      ok: true,
      timestamp: NOW / 1000,
    });
  });

  it('is HMAC-SHA256 over "<t>.<body>", as the Node receiver in docs/alerts.md computes it', async () => {
    // Expected value from node:crypto: createHmac('sha256', secret).update(`${t}.${body}`).digest('hex').
    expect(await signatureHeader(SECRET, '{"event":"alert.triggered","value":1500.05}', 1767585600)).toBe(
      't=1767585600,v1=ccc8b9786661561b684dd16120dc528830b0ae6690a88d49f8882508d12a7e58',
    );
  });

  it('rejects a tampered body, a wrong secret, a stale or future timestamp, and a missing or malformed header', async () => {
    const { body, headers } = await signedWebhook(payload, SECRET, NOW, 1);
    const header = headers[SIGNATURE_HEADER] ?? null;
    const check = (overrides: Partial<Parameters<typeof verifySignature>[0]>) => verifySignature({ secret: SECRET, body, header, nowMs: NOW, ...overrides });
    expect(await check({ body: body.replace('1500.05', '1600.05') })).toEqual({ ok: false, reason: 'signature does not match the body and secret' });
    expect(await check({ secret: 'whsec_someone-else' })).toEqual({ ok: false, reason: 'signature does not match the body and secret' });
    expect(await check({ nowMs: NOW + 301_000 })).toEqual({ ok: false, reason: `timestamp ${NOW / 1000} is more than 300 s from now` });
    expect(await check({ nowMs: NOW - 301_000 })).toMatchObject({ ok: false });
    expect(await check({ nowMs: NOW + 300_000 })).toMatchObject({ ok: true });
    expect(await check({ header: null })).toEqual({ ok: false, reason: `no ${SIGNATURE_HEADER} header` });
    expect(await check({ header: 'v1=abc' })).toEqual({ ok: false, reason: 'no timestamp (t=) in the signature header' });
    expect(await check({ header: `t=${NOW / 1000}` })).toEqual({ ok: false, reason: 'no v1= signature in the signature header' });
    // The timestamp is signed: moving it forward to pass the window breaks the signature.
    expect(await check({ header: (header ?? '').replace(`t=${NOW / 1000}`, `t=${NOW / 1000 + 1}`) })).toMatchObject({
      ok: false,
      reason: 'signature does not match the body and secret',
    });
  });

  it('accepts any of several v1 signatures (a secret being rotated)', async () => {
    const body = JSON.stringify(payload);
    const old = await signatureHeader('whsec_old', body, NOW / 1000);
    const fresh = await signatureHeader(SECRET, body, NOW / 1000);
    const both = `${old},${fresh.split(',')[1]}`;
    expect(await signatureHeader(['whsec_old', SECRET], body, NOW / 1000)).toBe(both);
    expect(await verifySignature({ secret: SECRET, body, header: both, nowMs: NOW })).toMatchObject({ ok: true });
    expect(await verifySignature({ secret: 'whsec_old', body, header: both, nowMs: NOW })).toMatchObject({ ok: true });
  });
});
