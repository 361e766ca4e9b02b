import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort } from '../../dev/ports.ts';
import type { Service } from '../../dev/service.ts';
import { startSimulatorService } from '../../dev/simulator-service.ts';
import { ConnectionPool } from './connection-pool.ts';

/**
 * The silence watchdog must judge Kite, not this process: when the origin
 * itself stalls (a long GC, a starved CPU) for longer than the silence
 * bound, Kite's heartbeats are waiting unread in the socket, and cutting
 * the connections then would turn a hiccup of ours into an outage. The
 * simulator runs in its own process here, so it keeps sending while this
 * one is blocked.
 */
let sim: Service & { tickerRoot: string; accessToken: string };
let pool: ConnectionPool;
const SILENCE_MS = 1_000;

beforeAll(async () => {
  sim = await startSimulatorService({ port: await freePort(), redirectUrl: 'http://127.0.0.1:9/login/callback', onLine: () => {} });
  pool = new ConnectionPool({
    accounts: [{ apiKey: 'kitesim' }],
    tickerRoot: sim.tickerRoot,
    onFrame: () => {},
    log: () => {},
    silenceMs: SILENCE_MS,
    backoffBaseMs: 50,
    backoffMaxMs: 500,
  });
  pool.setAccessToken('kitesim', { accessToken: sim.accessToken, expiresAt: new Date(Date.now() + 3_600_000) });
  pool.setWanted(new Map([[256265, 'full']]));
  for (const deadline = Date.now() + 15_000; !live(); await new Promise((r) => setTimeout(r, 50))) {
    if (Date.now() > deadline) throw new Error('the pool did not go live on the simulator');
  }
}, 60_000);

afterAll(async () => {
  pool?.stop();
  await sim?.stop();
});

const connections = () => pool.stats().flatMap((a) => a.connections);
const live = () => connections().some((c) => c.state === 'live' && c.instruments > 0);

it('keeps its Kite connections through a stall of the process longer than the silence bound', async () => {
  const reconnects = connections().reduce((n, c) => n + c.reconnects, 0);
  // Blocked from the check phase, so the event loop's next turn runs its timers before it reads the sockets.
  await new Promise<void>((resolve) =>
    setImmediate(() => {
      const until = Date.now() + SILENCE_MS * 3;
      while (Date.now() < until) {
        // Busy: no timer, no socket read, as in a long stop-the-world pause.
      }
      resolve();
    }),
  );
  await new Promise((r) => setTimeout(r, SILENCE_MS * 2));
  expect(connections().reduce((n, c) => n + c.reconnects, 0)).toBe(reconnects);
  expect(live()).toBe(true);
});
