import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { nextDailyIst } from '../contracts/ist-clock.ts';
import { Sessions } from './sessions.ts';

const app = { apiKey: 'kitesim', apiSecret: 'kitesim-secret', userId: 'SM0001', userName: 'Sim' };
const at = (iso: string) => Date.parse(iso);

describe('access token lifetimes', () => {
  it('end at the next 06:00 IST, as Kite’s do', () => {
    expect(nextDailyIst(at('2026-11-23T10:00:00+05:30'), 360)).toBe(at('2026-11-24T06:00:00+05:30'));
    expect(nextDailyIst(at('2026-11-23T05:59:00+05:30'), 360)).toBe(at('2026-11-23T06:00:00+05:30'));
    expect(nextDailyIst(at('2026-11-23T06:00:00+05:30'), 360)).toBe(at('2026-11-24T06:00:00+05:30'));
  });

  it('stop verifying once the expiry passes', () => {
    let now = at('2026-11-23T15:00:00+05:30');
    const sessions = new Sessions({ apps: [app], expiryMinuteIst: 360, now: () => now });
    const session = sessions.issueSession(app);
    expect(sessions.verify('kitesim', session.accessToken)).toBe(session);
    now = at('2026-11-24T05:59:59+05:30');
    expect(sessions.verify('kitesim', session.accessToken)).toBe(session);
    now = at('2026-11-24T06:00:00+05:30');
    expect(sessions.verify('kitesim', session.accessToken)).toBeUndefined();
  });

  it('let a request token expire unused after its time to live', () => {
    let now = 0;
    const sessions = new Sessions({ apps: [app], expiryMinuteIst: 360, requestTokenTtlMs: 1000, now: () => now });
    const token = sessions.issueRequestToken('kitesim') ?? '';
    const checksum = createHash('sha256').update(`kitesim${token}kitesim-secret`).digest('hex');
    now = 1000;
    expect(sessions.exchange('kitesim', token, checksum)).toMatchObject({ ok: false, errorType: 'TokenException' });
  });
});
