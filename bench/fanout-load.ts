import { monitorEventLoopDelay } from 'node:perf_hooks';
import { type Credentials, KiteEdgeClient, type SocketConstructor } from '@kite-edge/client';
import { WebSocket } from 'ws';
import type { ClientMode } from '../contracts/client-protocol.ts';
import type { Pick } from './fanout-sessions.ts';

/**
 * The fan-out bench's load generator, a child process of bench/fanout.ts
 * (so its CPU is its own and can be read apart from the servers'). It
 * opens the planned sessions against a /v2/ws endpoint, subscribes each to
 * its instruments, then counts what arrives during the window the parent
 * opens and closes.
 *
 * Two kinds of session, to keep the generator from eating the servers'
 * CPU: `measured` ones are the typed client (client/), parse every frame
 * and record, for each full-mode tick, (token, exchange second, receipt
 * time), which the parent turns into latency with the simulator's send
 * times; the others speak the same protocol over plain `ws` and count
 * ticks frames without parsing them (a byte search for the tick key),
 * parsing only control frames.
 */
export type LoadPlan = {
  url: string;
  /** Handed out to sessions in turn. */
  credentials: Credentials[];
  sessions: Pick[][];
  /** How many sessions (spread evenly) are measured with the typed client. */
  measured: number;
  /** Upgrades in flight at once while opening. */
  openConcurrency: number;
  /** No new session is started after this long; the rest count as `untried`. */
  openBudgetMs: number;
};

export type LoadReady = {
  type: 'ready';
  opened: number;
  failed: number;
  untried: number;
  subscribed: number;
  rejected: number;
  firstError?: string;
  firstRejection?: string;
  openMs: number;
};

export type LoadResult = {
  type: 'result';
  windowMs: number;
  frames: number;
  ticks: number;
  snapshots: number;
  closed: number;
  /** Flattened (token, exchange second, receipt ms) triples of the measured sessions' full-mode ticks. */
  samples: number[];
  /** The generator's own event-loop delay: a busy generator stamps receipts late, which shows here. */
  eventLoopP99Ms: number;
};

type Counters = { frames: number; ticks: number; snapshots: number; closed: number; samples: number[]; counting: boolean };

const TICKS_PREFIX = Buffer.from('{"type":"ticks"');
const TICK_KEY = Buffer.from('"instrument_token"');
/** A session not open and subscribed by then counts as failed, so one unanswered upgrade cannot hold the opening forever. */
const OPEN_DEADLINE_MS = 60_000;

function countTicks(frame: Buffer): number {
  let n = 0;
  for (let at = frame.indexOf(TICK_KEY); at !== -1; at = frame.indexOf(TICK_KEY, at + TICK_KEY.length)) n++;
  return n;
}

export function byMode(picks: Pick[]): [ClientMode, number[]][] {
  const groups = new Map<ClientMode, number[]>();
  for (const { token, mode } of picks) {
    let tokens = groups.get(mode);
    if (!tokens) {
      tokens = [];
      groups.set(mode, tokens);
    }
    tokens.push(token);
  }
  return [...groups];
}

/**
 * `ws` offers permessage-deflate by default and the edge (workerd) accepts
 * it; the baseline server does not negotiate it. Every session of both
 * targets goes uncompressed, so they do the same work per frame (the
 * soak's sessions too, some with credentials in a header).
 */
export class Uncompressed extends WebSocket {
  constructor(url: string, protocols?: string[], headers?: Record<string, string>) {
    super(url, protocols, { perMessageDeflate: false, ...(headers ? { headers } : {}) });
  }
}

type Opened = { close(): void; subscribed: number; rejected: number; firstRejection?: string };

async function openMeasured(plan: LoadPlan, picks: Pick[], credentials: Credentials, counters: Counters): Promise<Opened> {
  const client = new KiteEdgeClient({
    url: plan.url,
    credentials,
    reconnect: false,
    requestTimeoutMs: 60_000,
    idleTimeoutMs: 0,
    WebSocket: Uncompressed as unknown as SocketConstructor,
  });
  client.on('ticks', (ticks) => {
    if (!counters.counting) return;
    // The wall clock, as the simulator stamps its sends: every process reads it alike. `performance.timeOrigin + now()`
    // counts on from the process's start by the monotonic clock, so two processes disagree after the machine pauses (6.4 s in one run).
    const at = Date.now();
    counters.frames++;
    counters.ticks += ticks.length;
    for (const tick of ticks)
      if ('exchange_timestamp' in tick && tick.exchange_timestamp !== null) counters.samples.push(tick.instrument_token, tick.exchange_timestamp, at);
  });
  client.on('snapshot', () => counters.snapshots++);
  client.on('close', () => counters.closed++);
  // Closing fails the pending connect or subscribe with `closed`.
  const deadline = setTimeout(() => client.close(), OPEN_DEADLINE_MS);
  const acks = await client
    .connect()
    .then(() => Promise.all(byMode(picks).map(([mode, tokens]) => client.subscribe(tokens, mode))))
    .finally(() => clearTimeout(deadline));
  const rejected = acks.flatMap((a) => a.rejected);
  return {
    close: () => client.close(),
    subscribed: acks.at(-1)?.subscribed ?? 0,
    rejected: rejected.length,
    ...(rejected[0] ? { firstRejection: `${rejected[0].code}: ${rejected[0].reason}` } : {}),
  };
}

function openCounted(plan: LoadPlan, picks: Pick[], credentials: Credentials, counters: Counters): Promise<Opened> {
  const url = new URL(plan.url);
  if ('accessToken' in credentials) url.searchParams.set('access_token', credentials.accessToken);
  else {
    url.searchParams.set('api_key', credentials.apiKey);
    url.searchParams.set('access_token', credentials.secret);
  }
  return new Promise<Opened>((resolve, reject) => {
    const ws = new WebSocket(url, ['kite-edge.v2'], { perMessageDeflate: false });
    const deadline = setTimeout(() => {
      reject(new Error(`not open and subscribed within ${OPEN_DEADLINE_MS / 1000} s`));
      ws.terminate();
    }, OPEN_DEADLINE_MS);
    const fail = (error: Error) => {
      clearTimeout(deadline);
      reject(error);
    };
    const groups = byMode(picks);
    let acks = 0;
    let rejected = 0;
    let firstRejection: string | undefined;
    let open = false;
    ws.on('message', (data: Buffer) => {
      if (data.subarray(0, TICKS_PREFIX.length).equals(TICKS_PREFIX)) {
        if (!counters.counting) return;
        counters.frames++;
        counters.ticks += countTicks(data);
        return;
      }
      const message = JSON.parse(String(data)) as {
        type: string;
        id?: number;
        subscribed?: number;
        rejected?: { code: string; reason: string }[];
        ticks?: unknown[];
        message?: string;
      };
      if (message.type === 'welcome') {
        for (const [i, [mode, instruments]] of groups.entries()) ws.send(JSON.stringify({ action: 'subscribe', id: i + 1, instruments, mode }));
      } else if (message.type === 'snapshot') counters.snapshots++;
      else if (message.type === 'ticks' && counters.counting) {
        // A server that does not put `type` first: counted the slow way.
        counters.frames++;
        counters.ticks += message.ticks?.length ?? 0;
      } else if (message.type === 'ack') {
        rejected += message.rejected?.length ?? 0;
        const first = message.rejected?.[0];
        if (first) firstRejection ??= `${first.code}: ${first.reason}`;
        if (++acks === groups.length) {
          open = true;
          clearTimeout(deadline);
          resolve({ close: () => ws.close(), subscribed: message.subscribed ?? 0, rejected, ...(firstRejection ? { firstRejection } : {}) });
        }
      } else if (message.type === 'error' && !open) fail(new Error(`error frame: ${message.message}`));
    });
    ws.on('unexpected-response', (_req, res) => fail(new Error(`upgrade refused with ${res.statusCode}`)));
    ws.on('error', (error) => fail(error));
    ws.on('close', (code, reason) => {
      if (open) counters.closed++;
      else fail(new Error(`closed before subscribing: ${code} ${reason}`));
    });
  });
}

/** Opens every planned session, `openConcurrency` at a time, within the budget. */
async function openAll(plan: LoadPlan, counters: Counters): Promise<{ sessions: Opened[]; ready: LoadReady }> {
  const every = Math.max(1, Math.floor(plan.sessions.length / Math.max(1, plan.measured)));
  const sessions: Opened[] = [];
  let failed = 0;
  let firstError: string | undefined;
  const started = Date.now();
  let untried = 0;
  for (let i = 0; i < plan.sessions.length; i += plan.openConcurrency) {
    if (Date.now() - started > plan.openBudgetMs) {
      untried = plan.sessions.length - i;
      break;
    }
    const batch = plan.sessions.slice(i, i + plan.openConcurrency).map((picks, j) => {
      const index = i + j;
      const credentials = plan.credentials[index % plan.credentials.length] as Credentials;
      return index % every === 0 ? openMeasured(plan, picks, credentials, counters) : openCounted(plan, picks, credentials, counters);
    });
    for (const outcome of await Promise.allSettled(batch)) {
      if (outcome.status === 'fulfilled') sessions.push(outcome.value);
      else {
        failed++;
        firstError ??= String(outcome.reason?.message ?? outcome.reason);
      }
    }
  }
  const ready: LoadReady = {
    type: 'ready',
    opened: sessions.length,
    failed,
    untried,
    subscribed: sessions.reduce((n, s) => n + s.subscribed, 0),
    rejected: sessions.reduce((n, s) => n + s.rejected, 0),
    ...(firstError ? { firstError } : {}),
    ...(sessions.find((s) => s.firstRejection) ? { firstRejection: sessions.find((s) => s.firstRejection)?.firstRejection } : {}),
    openMs: Date.now() - started,
  };
  return { sessions, ready };
}

async function run(plan: LoadPlan): Promise<void> {
  const counters: Counters = { frames: 0, ticks: 0, snapshots: 0, closed: 0, samples: [], counting: false };
  let { sessions, ready } = await openAll(plan, counters);
  process.send?.(ready);

  const loop = monitorEventLoopDelay({ resolution: 10 });
  let windowStarted = 0;
  process.on('message', (message: { type: string }) => {
    if (message.type === 'window-start') {
      Object.assign(counters, { frames: 0, ticks: 0, snapshots: 0, closed: 0, samples: [], counting: true });
      windowStarted = Date.now();
      loop.reset();
      loop.enable();
    } else if (message.type === 'window-end') {
      counters.counting = false;
      loop.disable();
      const result: LoadResult = {
        type: 'result',
        windowMs: Date.now() - windowStarted,
        frames: counters.frames,
        ticks: counters.ticks,
        snapshots: counters.snapshots,
        closed: counters.closed,
        samples: counters.samples,
        eventLoopP99Ms: loop.percentile(99) / 1e6,
      };
      process.send?.(result);
    } else if (message.type === 'reopen') {
      // A reconnect storm: every session drops at once and opens again with the same credentials and watchlist.
      for (const session of sessions) session.close();
      void openAll(plan, counters).then((again) => {
        sessions = again.sessions;
        ready = again.ready;
        process.send?.({ ...ready, type: 'reopened' });
      });
    } else if (message.type === 'stop') {
      for (const session of sessions) session.close();
      setTimeout(() => process.exit(0), 500);
    }
  });
}

if (process.argv[1] === import.meta.filename && process.send) process.once('message', (plan: LoadPlan) => void run(plan));
