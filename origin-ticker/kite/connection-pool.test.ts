import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instrumentGroup } from '../../contracts/instrument-group.ts';
import { decodeTickBatch, type TickMode } from '../../contracts/origin-link.ts';
import { simConfig } from '../../kite-sim/config.ts';
import { type Simulator, startSimulator } from '../../kite-sim/simulator.ts';
import { TickRouter } from '../feed/tick-router.ts';
import { ConnectionPool } from './connection-pool.ts';

/**
 * The pool against the simulator over real WebSockets: two accounts, three
 * connections each, 9,000 instruments, and each of the simulator's faults.
 * Every tick goes through the product's router, which tells what arrived in
 * which mode (by packet length).
 */
let sim: Simulator;
let pool: ConnectionPool;
const seen = new Map<number, { mode: TickMode; at: number }>();
const MODES: TickMode[] = ['ltp', 'quote', 'full'];
const modeOfLength = (length: number): TickMode => (length === 8 ? 'ltp' : length === 28 || length === 44 ? 'quote' : 'full');
const router = new TickRouter(
  () => 'all',
  () => ({
    sendBatch: (batch) => {
      const { receivedAt: at, packets } = decodeTickBatch(batch);
      for (const p of packets) seen.set(tokenOf(p), { mode: modeOfLength(p.byteLength), at });
    },
  }),
  () => {},
);
const tokenOf = (p: Uint8Array) => new DataView(p.buffer, p.byteOffset, p.byteLength).getUint32(0);
let wanted = new Map<number, TickMode>();
const logs: string[] = [];

async function until(what: string, check: () => boolean, ms = 15_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every wanted instrument has arrived, in its mode, after `since`. */
const allArrivedSince = (since: number) => () =>
  [...wanted].every(([token, mode]) => {
    const s = seen.get(token);
    return s !== undefined && s.at > since && s.mode === mode;
  });

const connections = () => pool.stats().flatMap((a) => a.connections);

async function fault(action: string): Promise<void> {
  const response = await fetch(`${sim.restRoot}/_sim/faults/${action}`, { method: 'POST', headers: { Authorization: 'Bearer kitesim-admin' } });
  expect(response.status).toBe(200);
}

beforeAll(async () => {
  sim = await startSimulator(simConfig({ SIM_PORT: '0', SIM_APP_COUNT: '2' }));
  pool = new ConnectionPool({
    accounts: sim.demoSessions.map((s) => ({ apiKey: s.app.apiKey })),
    tickerRoot: sim.tickerRoot,
    onFrame: (frame, at) => router.route(frame, at),
    log: (line) => logs.push(line),
    silenceMs: 2_000,
    backoffBaseMs: 50,
    backoffMaxMs: 500,
  });
  for (const session of sim.demoSessions) pool.setAccessToken(session.app.apiKey, { accessToken: session.accessToken, expiresAt: new Date(session.expiresAt) });
  // 9,000 instruments of every kind (indices, stocks, currency, options), in all three modes.
  wanted = new Map(
    sim.universe.instruments
      .filter((_, i) => i % 11 === 0)
      .slice(0, 9000)
      .map((inst, i) => [inst.instrument_token, MODES[i % 3] as TickMode]),
  );
}, 60_000);

afterAll(async () => {
  pool?.stop();
  await sim?.close();
});

describe('the Kite connection pool', () => {
  it('streams 9,000 instruments over two accounts with three connections each, each in its mode', async () => {
    const start = Date.now();
    expect(pool.setWanted(wanted).size).toBe(0);
    await until('every instrument in its mode', allArrivedSince(start));
    expect(sim.ticker.stats().byApiKey).toEqual({ kitesim: 3, kitesim2: 3 });
    expect(connections().map((c) => c.instruments)).toEqual([1500, 1500, 1500, 1500, 1500, 1500]);
    expect(connections().every((c) => c.state === 'live')).toBe(true);
  });

  it('adds, removes and re-modes instruments without moving or reconnecting the others', async () => {
    const placedBefore = new Map([...wanted.keys()].map((t) => [t, pool.placed(t)]));
    const reconnectsBefore = connections().map((c) => c.reconnects);
    const [removed, remoded] = [[...wanted.keys()].slice(0, 100), [...wanted.keys()].slice(100, 150)];
    const added = sim.universe.instruments
      .filter((_, i) => i % 11 === 1)
      .slice(0, 100)
      .map((i) => i.instrument_token);
    for (const token of removed) wanted.delete(token);
    for (const token of remoded) wanted.set(token, wanted.get(token) === 'full' ? 'ltp' : 'full');
    for (const token of added) wanted.set(token, 'quote');
    const start = Date.now();
    expect(pool.setWanted(wanted).size).toBe(0);
    await until('the new set in its modes', allArrivedSince(start));
    for (const [token, slot] of placedBefore) if (wanted.has(token)) expect(pool.placed(token)).toBe(slot);
    expect(connections().map((c) => c.reconnects)).toEqual(reconnectsBefore);
    // Every instrument still wanted arrives in each round of its connection's frames: once each has arrived again
    // after the removal settled, a whole round has gone by, and the removed ones must not have been in it.
    const settledAt = Date.now() + 500;
    await until('a whole round after the removal', allArrivedSince(settledAt));
    expect(removed.filter((t) => (seen.get(t)?.at ?? 0) > settledAt)).toEqual([]);
  });

  it('reconnects after Kite drops every socket, everything back in its mode', async () => {
    const reconnects = () => connections().reduce((n, c) => n + c.reconnects, 0);
    const before = reconnects();
    await fault('drop-connections');
    // Ticks already on the wire when Kite drops the sockets still arrive: "again" counts from the pool's redials.
    await until('every socket redialled', () => reconnects() >= before + 6);
    const redialled = Date.now();
    await until('every instrument again', allArrivedSince(redialled));
  });

  it('treats a silent socket as dead (no heartbeat) and recovers when Kite speaks again', async () => {
    const before = connections().reduce((n, c) => n + c.reconnects, 0);
    const redialsBefore = new Map(connections().map((c) => [c.id, c.reconnects]));
    await fault('silence');
    // Issue 21, defect 3: a reconnect was marked live on open, before Kite said anything, so a silent Kite read as live.
    const liveWhileSilent = new Set<string>();
    const watch = setInterval(() => {
      for (const c of connections()) if (c.state === 'live' && c.lastTickAt !== null && Date.now() - c.lastTickAt > 4_000) liveWhileSilent.add(c.id);
    }, 50);
    await until('the watchdog to cut silent sockets', () => connections().reduce((n, c) => n + c.reconnects, 0) >= before + 6, 10_000);
    await until(
      'each connection to redial twice into the silence',
      () => connections().every((c) => c.reconnects >= (redialsBefore.get(c.id) ?? 0) + 2),
      15_000,
    );
    clearInterval(watch);
    expect([...liveWhileSilent]).toEqual([]);
    expect(connections().every((c) => c.state !== 'live')).toBe(true);
    const start = Date.now();
    await fault('reset');
    await until('every instrument again', allArrivedSince(start));
    expect(logs.some((l) => l.includes('no heartbeat'))).toBe(true);
  });

  it('drops a malformed frame and keeps the connection and its ticks', async () => {
    const before = router.malformedFrames;
    const reconnects = connections().map((c) => c.reconnects);
    await fault('malformed-frame');
    await until('the malformed frames counted', () => router.malformedFrames >= before + 6, 5_000);
    const start = Date.now();
    await until('ticks after it', allArrivedSince(start));
    expect(connections().map((c) => c.reconnects)).toEqual(reconnects);
  });

  it('stops retrying on an expired token (403) and resumes with a fresh one, no restart', async () => {
    await fault('expire-tokens');
    await until('every connection to report the dead token', () => connections().every((c) => c.state === 'token_expired'), 10_000);
    const stuck = connections().map((c) => c.reconnects);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(connections().map((c) => c.reconnects)).toEqual(stuck); // no retry storm against a dead token
    const start = Date.now();
    for (const app of sim.demoSessions.map((s) => s.app)) {
      const fresh = sim.sessions.issueSession(app);
      pool.setAccessToken(app.apiKey, { accessToken: fresh.accessToken, expiresAt: new Date(fresh.expiresAt) });
    }
    await until('every instrument again', allArrivedSince(start));
    expect(connections().every((c) => c.state === 'live')).toBe(true);
  });
});

describe('capacity', () => {
  it('places up to connections × instruments and names the reason for the rest', () => {
    const small = new ConnectionPool({
      accounts: [{ apiKey: 'kitesim' }],
      connectionsPerKey: 2,
      instrumentsPerConnection: 5,
      tickerRoot: 'ws://127.0.0.1:1/ws',
      onFrame: () => {},
      log: () => {},
    });
    try {
      const tokens = sim.universe.instruments.slice(0, 12).map((i) => i.instrument_token);
      const rejected = small.setWanted(new Map(tokens.map((t) => [t, 'full'])));
      expect([...rejected.keys()]).toEqual(tokens.slice(10));
      expect(rejected.get(tokens[10] as number)).toMatch(/capacity reached: 2 connections × 5 instruments/);
      // Freeing room lets a waiting instrument in, and only it.
      const next = small.setWanted(new Map(tokens.slice(1, 12).map((t) => [t, 'full'])));
      expect([...next.keys()]).toEqual(tokens.slice(11));
    } finally {
      small.stop();
    }
  });
});

describe('placement by instrument group', () => {
  // Offline pools (nothing listens on port 1): placement needs no socket. Token 305 is in group "3".
  const groupOf = (token: number) => String(Math.floor(token / 100));
  const group = (g: number, count: number) => Array.from({ length: count }, (_, i) => g * 100 + 1 + i);
  const pools: ConnectionPool[] = [];
  const offline = (instrumentsPerConnection: number, accounts = [{ apiKey: 'kitesim' }], groups: (token: number) => string | undefined = groupOf) => {
    const made = new ConnectionPool({
      accounts,
      instrumentsPerConnection,
      groupOf: groups,
      tickerRoot: 'ws://127.0.0.1:1/ws',
      onFrame: () => {},
      log: () => {},
    });
    pools.push(made);
    return made;
  };
  const want = (on: ConnectionPool, tokens: number[]) => on.setWanted(new Map(tokens.map((t) => [t, 'full'])));
  const slotsOf = (on: ConnectionPool, tokens: number[]) => new Set(tokens.map((t) => on.placed(t)));
  const homeOf = (on: ConnectionPool, tokens: number[]) => {
    const slots = slotsOf(on, tokens);
    expect(slots.size).toBe(1);
    return [...slots][0];
  };

  afterAll(() => {
    for (const made of pools) made.stop();
  });

  it("puts each group's instruments on one connection, and the groups on different ones", () => {
    const small = offline(20);
    const groups = [1, 2, 3, 4, 5, 6].map((g) => group(g, 5));
    expect(want(small, groups.flat()).size).toBe(0);
    const homes = groups.map((tokens) => homeOf(small, tokens));
    expect(new Set(homes).size).toBe(3);
    expect(small.stats()[0]?.connections.map((c) => c.instruments)).toEqual([10, 10, 10]);
  });

  it("sends a group's new instrument to its connection even when another has more room, moving nothing", () => {
    const small = offline(20);
    const [one, two, three] = [group(1, 5), group(2, 5), group(3, 5)];
    want(small, [...one, ...two, ...three]);
    const before = new Map([...two, ...three].map((t) => [t, small.placed(t)]));
    // Group 1 leaves, so its connection has the most room; group 2 grows.
    const grown = group(2, 8);
    expect(want(small, [...grown, ...three]).size).toBe(0);
    expect(homeOf(small, grown)).toBe(before.get(two[0] as number));
    for (const [token, slot] of before) expect(small.placed(token)).toBe(slot);
  });

  it('forgets the connection of a group none of whose instruments are left there', () => {
    const small = offline(20);
    const [one, two, three] = [group(1, 2), group(2, 3), group(3, 3)];
    want(small, [...one, ...two, ...three]);
    const oldHome = homeOf(small, one);
    // Group 1 leaves and group 4 takes the room it left; group 1 back goes where there is most room now.
    const four = group(4, 5);
    want(small, [...two, ...three, ...four]);
    expect(homeOf(small, four)).toBe(oldHome);
    want(small, [...two, ...three, ...four, ...one]);
    expect(homeOf(small, one)).not.toBe(oldHome);
    expect(small.stats()[0]?.connections.map((c) => c.instruments)).toEqual([5, 5, 3]);
  });

  it('spills a group bigger than its connection over to the others, and keeps the next group together', () => {
    const small = offline(4);
    const big = group(1, 6);
    expect(want(small, big).size).toBe(0);
    const home = homeOf(small, big.slice(0, 4));
    expect(slotsOf(small, big.slice(4)).has(home)).toBe(false);
    const next = group(2, 2);
    expect(want(small, [...big, ...next]).size).toBe(0);
    expect(homeOf(small, next)).not.toBe(home);
    // The spilled instruments and one at home leave: the group's next instrument still goes home, where there is room again.
    const [, ...stay] = big.slice(0, 4);
    want(small, [...stay, ...next, 107]);
    expect(homeOf(small, [...stay, 107])).toBe(home);
  });

  it('brings groups together once the registry knows them (placed before the first sync), within capacity, losing nothing', () => {
    let known = false;
    const small = offline(12, [{ apiKey: 'kitesim' }], (token) => (known ? groupOf(token) : undefined));
    const groups = [1, 2, 3, 4].map((g) => group(g, 7));
    expect(want(small, groups.flat()).size).toBe(0);
    // Placed without groups: spread over the connections.
    expect(groups.filter((tokens) => slotsOf(small, tokens).size > 1).length).toBeGreaterThan(0);
    expect(small.regroup()).toBe(0);
    known = true;
    const moved = small.regroup();
    expect(moved).toBeGreaterThan(0);
    // 28 instruments on 3 × 12: four groups of 7 cannot all be whole; three are.
    expect(groups.filter((tokens) => slotsOf(small, tokens).size === 1).length).toBe(3);
    const carried = small.stats()[0]?.connections.map((c) => c.instruments) ?? [];
    expect(carried.reduce((a, b) => a + b, 0)).toBe(28);
    for (const n of carried) expect(n).toBeLessThanOrEqual(12);
    // Nothing left to move, and a new instrument of a whole group goes to its home while it has room.
    expect(small.regroup()).toBe(0);
    const load = new Map(small.stats()[0]?.connections.map((c) => [c.id, c.instruments]));
    const whole = groups.find((tokens) => slotsOf(small, tokens).size === 1 && (load.get(small.placed(tokens[0] as number) as string) ?? 12) < 12) as number[];
    const extra = (whole[0] as number) + 50;
    want(small, [...groups.flat(), extra]);
    expect(small.placed(extra)).toBe(small.placed(whole[0] as number));
  });

  it('brings groups together on connections that are full, by unsubscribing before subscribing', () => {
    let known = false;
    const full = offline(10, [{ apiKey: 'kitesim' }], (token) => (known ? groupOf(token) : undefined));
    const groups = [1, 2, 3].map((g) => group(g, 10));
    expect(want(full, groups.flat()).size).toBe(0);
    known = true;
    expect(full.regroup()).toBeGreaterThan(0);
    for (const tokens of groups) homeOf(full, tokens);
    expect(full.stats()[0]?.connections.map((c) => c.instruments)).toEqual([10, 10, 10]);
  });

  it("keeps each of the simulator's groups on one connection over two accounts, all six in use", () => {
    const byToken = new Map(sim.universe.instruments.map((inst) => [inst.instrument_token, instrumentGroup(inst)]));
    const six = offline(3000, [{ apiKey: 'kitesim' }, { apiKey: 'kitesim2' }], (token) => byToken.get(token));
    const tokens = sim.universe.instruments
      .filter((_, i) => i % 11 === 0)
      .slice(0, 9000)
      .map((inst) => inst.instrument_token);
    expect(want(six, tokens).size).toBe(0);
    const groups = new Map<string, number[]>();
    for (const token of tokens) {
      const key = byToken.get(token) as string;
      (groups.get(key) ?? groups.set(key, []).get(key))?.push(token);
    }
    expect(groups.size).toBeGreaterThan(100);
    const homes = [...groups.values()].map((members) => homeOf(six, members));
    expect(new Set(homes).size).toBe(6);
    // Groups of up to 229 instruments: each connection still carries about a sixth.
    for (const carried of six.stats().flatMap((a) => a.connections.map((c) => c.instruments))) expect(Math.abs(carried - 1500)).toBeLessThan(250);
  });
});
