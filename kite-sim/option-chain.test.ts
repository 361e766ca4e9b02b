import { KiteTicker } from 'kiteconnect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { simConfig } from './config.ts';
import { impliedVol, smileVol, yearsToExpiry } from './pricing.ts';
import { type Simulator, startSimulator } from './simulator.ts';

/**
 * An option chain streamed by the simulator looks like one: implied vols
 * computed back from the ticks reproduce the smile the simulator was
 * configured with, and calls and puts obey put-call parity.
 */
const SMILE = { skew: -0.5, curvature: 1.0 };
const RATE = 0.07;
let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator(
    simConfig({
      SIM_PORT: '0',
      SIM_SEED: '42',
      SIM_RATE: String(RATE),
      SIM_SMILE_SKEW: String(SMILE.skew),
      SIM_SMILE_CURVATURE: String(SMILE.curvature),
      SIM_TICKS_PER_SECOND: '4',
    }),
  );
});
afterAll(async () => {
  await sim?.close();
});

type Tick = { instrument_token: number; last_price: number; exchange_timestamp: Date };
const parser = new KiteTicker({ api_key: 'k', access_token: 't' }) as unknown as { parseBinary(frame: ArrayBuffer): Tick[] };

describe('a simulated NIFTY option chain', () => {
  it('gives back the configured smile as implied volatility, and put-call parity within a few ticks', async () => {
    // The nearest monthly series with two weeks or more to run: on the front
    // month's last days too few options keep enough time value to read a vol from.
    const future = sim.universe.instruments
      .filter((i) => i.name === 'NIFTY' && i.segment === 'NFO-FUT' && yearsToExpiry(i.expiry, Date.now()) > 14 / 365)
      .sort((a, b) => a.expiry.localeCompare(b.expiry))[0];
    if (!future) throw new Error('no NIFTY future');
    const chain = sim.universe.instruments.filter((i) => i.name === 'NIFTY' && i.segment === 'NFO-OPT' && i.expiry === future.expiry);
    const tokens = [future.instrument_token, ...chain.map((i) => i.instrument_token)];

    // One frame carries every instrument traded at the same instant.
    const frame = await new Promise<Buffer>((resolve, reject) => {
      const ws = new WebSocket(`${sim.tickerRoot}?api_key=kitesim&access_token=${sim.demoSession.accessToken}`);
      ws.once('open', () => {
        ws.send(JSON.stringify({ a: 'subscribe', v: tokens }));
        ws.send(JSON.stringify({ a: 'mode', v: ['full', tokens] }));
      });
      ws.on('message', (data: Buffer, isBinary) => {
        if (isBinary && data.length > 1) {
          ws.close();
          resolve(data);
        }
      });
      ws.once('error', reject);
    });
    const ticks = new Map(
      parser.parseBinary(frame.buffer.slice(frame.byteOffset, frame.byteOffset + frame.length) as ArrayBuffer).map((t) => [t.instrument_token, t]),
    );
    const forward = ticks.get(future.instrument_token)?.last_price ?? NaN;
    const now = ticks.get(future.instrument_token)?.exchange_timestamp.getTime() ?? NaN;
    const years = yearsToExpiry(future.expiry, now);
    const atmVol = sim.universe.underlyings.get('NIFTY')?.annualVol ?? NaN;
    const discount = Math.exp(-RATE * years);

    const strikes = [...new Set(chain.map((i) => i.strike))].filter((k) => Math.abs(Math.log(k / forward)) < 0.06).sort((a, b) => a - b);
    expect(strikes.length).toBeGreaterThan(20);
    let compared = 0;
    for (const strike of strikes) {
      const call = chain.find((i) => i.strike === strike && i.instrument_type === 'CE');
      const put = chain.find((i) => i.strike === strike && i.instrument_type === 'PE');
      const c = ticks.get(call?.instrument_token ?? -1)?.last_price ?? NaN;
      const p = ticks.get(put?.instrument_token ?? -1)?.last_price ?? NaN;
      // Parity: C − P = e^(−rT)(F − K), within 3 ticks (the future itself is rounded to a tick).
      expect({ strike, parityError: Math.abs(c - p - discount * (forward - strike)) <= 0.15 }).toEqual({ strike, parityError: true });
      for (const [kind, premium] of [
        ['CE', c],
        ['PE', p],
      ] as const) {
        const intrinsic = discount * Math.max(kind === 'CE' ? forward - strike : strike - forward, 0);
        if (premium - intrinsic < 20 * 0.05) continue; // too little time value to read a vol from
        const iv = impliedVol(kind, premium, forward, strike, years, RATE);
        const configured = smileVol(atmVol, forward, strike, years, SMILE);
        expect({ strike, kind, iv: Math.abs(iv - configured) < 0.01 }).toEqual({ strike, kind, iv: true });
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(20);
    // The smirk itself: a 4 % out-of-the-money put is dearer in vol than the equally far call.
    const low = strikes[0] ?? NaN;
    const high = strikes[strikes.length - 1] ?? NaN;
    expect(smileVol(atmVol, forward, low, years, SMILE)).toBeGreaterThan(smileVol(atmVol, forward, high, years, SMILE));
  });
});
