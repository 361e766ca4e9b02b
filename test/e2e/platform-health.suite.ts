import { beforeAll, describe, expect, inject, it } from 'vitest';
import WebSocket from 'ws';
import type { ServerMessage } from '../../contracts/client-protocol.ts';
import { HealthResponse } from '../../contracts/health.ts';
import { LOCAL_METRICS_TOKEN } from '../../dev/config.ts';
import type { PartStatus } from '../../dev/controlled-part.ts';
import { type Platform, platform, signIn, uniqueEmail, waitFor } from './platform.ts';

/**
 * `npm run dev` as most developers run it, on its own embedded Postgres and
 * private Redis: the shared platform itself. (What it does when one of those
 * dies is checked when the run ends: test/setup/shared-platform.ts.)
 */
let stack: Platform;

beforeAll(async () => {
  stack = await platform();
}, 200_000);

describe('npm run dev on its own Postgres and Redis', () => {
  it('says where each part is, and is healthy on the latest schema', async () => {
    expect(stack.output()).toMatch(/Postgres \(embedded\) +postgres:\/\/postgres:postgres@127\.0\.0\.1:\d+\/kite_edge/);
    expect(stack.output()).toMatch(/Redis \(private server\) +redis:\/\/127\.0\.0\.1:\d+/);
    const response = await fetch(`${stack.edgeUrl}/health`);
    expect(response.status).toBe(200);
    const health = HealthResponse.parse(await response.json());
    expect(health.database).toMatchObject({ status: 'healthy', schema: inject('migrations').at(-1) });
    expect(health.redis.status).toBe('healthy');
  });

  it('controls the Postgres and Redis it started, as it controls its origins', async () => {
    const { parts } = (await (await fetch(`${stack.controlUrl}/parts`)).json()) as { parts: PartStatus[] };
    // The origins' states are left out: a suite may be restarting one.
    expect(parts.map((p) => p.name)).toEqual(['postgres', 'redis', 'origin', 'origin-standby']);
    expect(parts.filter((p) => p.name === 'postgres' || p.name === 'redis').map((p) => p.state)).toEqual(['running', 'running']);
  });
});

describe('the edge’s /metrics on the running platform', () => {
  it('prints its token, refuses a scrape without it, and counts the ticks a session got from the simulator', async () => {
    expect(stack.output()).toContain(`${stack.edgeUrl}/metrics   Authorization: Bearer ${LOCAL_METRICS_TOKEN}`);
    expect((await fetch(`${stack.edgeUrl}/metrics`)).status).toBe(401);
    const { token } = await signIn(stack, uniqueEmail('metrics'), 'metrics test password');
    const ws = new WebSocket(`${stack.edgeUrl.replace('http', 'ws')}/v2/ws?access_token=${token}`);
    let ticks = 0;
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as ServerMessage;
      if (frame.type === 'ticks' || frame.type === 'snapshot') ticks += frame.ticks.length;
    });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    ws.send(JSON.stringify({ action: 'subscribe', id: 'm', instruments: ['NSE:NIFTY 50'], mode: 'ltp' }));
    await waitFor(stack, 'a tick of NIFTY 50 at the session', async () => ticks > 0);
    const delivered = await waitFor(stack, 'kite_edge_ticks_delivered_total above 0', async () => {
      const response = await fetch(`${stack.edgeUrl}/metrics`, { headers: { Authorization: `Bearer ${LOCAL_METRICS_TOKEN}` } });
      const value = Number(/^kite_edge_ticks_delivered_total (\S+)$/m.exec(await response.text())?.[1]);
      return value > 0 && value;
    });
    expect(delivered).toBeGreaterThan(0);
    ws.close();
  });
});
