import type { WebhookPayload } from '../../contracts/alerts.ts';

/**
 * Webhook signatures: HMAC-SHA256, keyed with the user's webhook secret
 * (its UTF-8 bytes, as shown to the user), over `<timestamp>.<body>`, where
 * the timestamp is Unix seconds and the body the exact bytes POSTed. The
 * timestamp is inside the MAC, so a captured request cannot be replayed
 * later than the receiver's tolerance window; the body is, so no byte of it
 * can change. WebCrypto only, so the worker and the Durable Objects share
 * it; receivers in any language need just HMAC-SHA256 (docs/alerts.md has a
 * Node snippet).
 *
 *   X-Alert-Signature: t=1767585600,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd
 *
 * A header may carry several `v1=` values (one per secret while a secret is
 * being rotated); a receiver accepts the request when any matches.
 */
export const SIGNATURE_HEADER = 'X-Alert-Signature';
/** The alert's id. */
export const ALERT_ID_HEADER = 'X-Alert-Id';
/** The trigger's idempotency key: the same on every retry of one delivery, so a receiver can act once. */
export const DELIVERY_HEADER = 'X-Alert-Delivery';
/** 1 for the first try, then 2, 3, … */
export const ATTEMPT_HEADER = 'X-Alert-Attempt';
/** How far a signature's timestamp may be from the receiver's clock, either way. */
export const SIGNATURE_TOLERANCE_S = 300;

const encoder = new TextEncoder();

/** The body and headers of one delivery attempt of `payload`, signed at `nowMs` with each of `secrets` (the current one first). */
export async function signedWebhook(
  payload: WebhookPayload,
  secrets: string | readonly string[],
  nowMs: number,
  attempt: number,
): Promise<{ body: string; headers: Record<string, string> }> {
  const body = JSON.stringify(payload);
  return {
    body,
    headers: {
      'Content-Type': 'application/json',
      'User-Agent': 'kite-edge-alerts/1',
      [SIGNATURE_HEADER]: await signatureHeader(secrets, body, Math.floor(nowMs / 1000)),
      [ALERT_ID_HEADER]: payload.alert_id,
      [DELIVERY_HEADER]: payload.idempotency_key,
      [ATTEMPT_HEADER]: String(attempt),
    },
  };
}

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, one `v1=` per secret. */
export async function signatureHeader(secrets: string | readonly string[], body: string, timestampS: number): Promise<string> {
  const signed = encoder.encode(`${timestampS}.${body}`);
  const macs = [];
  for (const secret of typeof secrets === 'string' ? [secrets] : secrets) {
    macs.push(`v1=${toHex(new Uint8Array(await crypto.subtle.sign('HMAC', await hmacKey(secret, 'sign'), signed)))}`);
  }
  if (macs.length === 0) throw new RangeError('a webhook is signed with at least one secret');
  return `t=${timestampS},${macs.join(',')}`;
}

export type SignatureCheck = { ok: true; timestamp: number } | { ok: false; reason: string };

/**
 * Checks a received signature header against the body as received, with
 * the timestamp within `toleranceS` of `nowMs`. The MAC comparison is
 * WebCrypto's verify, which takes the same time whatever bytes differ.
 */
export async function verifySignature(options: {
  secret: string;
  body: string;
  header: string | null;
  nowMs: number;
  toleranceS?: number;
}): Promise<SignatureCheck> {
  if (!options.header) return { ok: false, reason: `no ${SIGNATURE_HEADER} header` };
  let timestamp: number | undefined;
  const macs: Uint8Array[] = [];
  for (const part of options.header.split(',')) {
    const [name, value = ''] = part.trim().split('=', 2);
    if (name === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (name === 'v1' && /^[0-9a-f]{64}$/.test(value)) macs.push(fromHex(value));
  }
  if (timestamp === undefined) return { ok: false, reason: 'no timestamp (t=) in the signature header' };
  if (macs.length === 0) return { ok: false, reason: 'no v1= signature in the signature header' };
  const toleranceS = options.toleranceS ?? SIGNATURE_TOLERANCE_S;
  if (Math.abs(options.nowMs / 1000 - timestamp) > toleranceS) {
    return { ok: false, reason: `timestamp ${timestamp} is more than ${toleranceS} s from now` };
  }
  const key = await hmacKey(options.secret, 'verify');
  const signed = encoder.encode(`${timestamp}.${options.body}`);
  for (const mac of macs) {
    if (await crypto.subtle.verify('HMAC', key, mac, signed)) return { ok: true, timestamp };
  }
  return { ok: false, reason: 'signature does not match the body and secret' };
}

function hmacKey(secret: string, use: 'sign' | 'verify'): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [use]);
}

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}
