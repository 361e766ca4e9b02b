import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simConfig } from '../../kite-sim/config.ts';
import { type Simulator, startSimulator } from '../../kite-sim/simulator.ts';
import { ConnectionPool } from './connection-pool.ts';

/**
 * When the origin knows its Kite token has died (its expiry has passed), a
 * socket Kite drops is reported as the expiry, with what to do about it,
 * and not redialled; before, it read "closed by Kite (1006)" until a redial
 * met Kite's 403, up to the backoff's 30 s later (issue 21, defect 9c).
 * Against the simulator, whose token itself stays valid: a redial would
 * succeed, so only the known expiry stops it.
 */
let sim: Simulator;
const pools: ConnectionPool[] = [];
const NIFTY = 256265;

async function until(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  for (const deadline = Date.now() + ms; !check(); await new Promise((r) => setTimeout(r, 50))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
  }
}

function onePool(expiresAt: Date) {
  const pool = new ConnectionPool({
    accounts: [{ apiKey: sim.demoSessions[0]?.app.apiKey ?? '' }],
    tickerRoot: sim.tickerRoot,
    connectionsPerKey: 1,
    onFrame: () => {},
    log: () => {},
    backoffBaseMs: 50,
    backoffMaxMs: 100,
  });
  pools.push(pool);
  pool.setAccessToken(sim.demoSessions[0]?.app.apiKey ?? '', { accessToken: sim.demoSessions[0]?.accessToken ?? '', expiresAt });
  pool.setWanted(new Map([[NIFTY, 'ltp']]));
  const connection = () => pool.stats()[0]?.connections[0];
  return { pool, connection };
}

beforeAll(async () => {
  sim = await startSimulator(simConfig({ SIM_PORT: '0' }));
}, 60_000);

afterAll(async () => {
  for (const pool of pools) pool.stop();
  await sim?.close();
});

describe('a Kite token past its known expiry', () => {
  it('is not dialled: the connection says the token expired and what to do', () => {
    const expiredAt = new Date(Date.now() - 60_000);
    const { connection } = onePool(expiredAt);
    expect(connection()).toMatchObject({
      state: 'token_expired',
      reason: `Kite access token expired at ${expiredAt.toISOString()}: log in at the origin's /login`,
      reconnects: 0,
    });
  });

  it('turns a drop by Kite into token_expired, not a 1006 close and a redial', async () => {
    const expiresAt = new Date(Date.now() + 1_000);
    const { connection } = onePool(expiresAt);
    await until('the connection to go live', () => connection()?.state === 'live');
    await until('the token’s expiry', () => Date.now() > expiresAt.getTime());
    const dropped = await fetch(`${sim.restRoot}/_sim/faults/drop-connections`, { method: 'POST', headers: { Authorization: 'Bearer kitesim-admin' } });
    expect(dropped.status).toBe(200);
    await until('the connection to leave live', () => connection()?.state !== 'live');
    expect(connection()).toMatchObject({
      state: 'token_expired',
      reason: `Kite access token expired at ${expiresAt.toISOString()}: log in at the origin's /login`,
      reconnects: 0,
    });
  });
});
