import { type ChildProcess, fork, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Credentials } from '@kite-edge/client';
import { type DevStack, startDevStack } from '../dev/dev-stack.ts';
import { freePort } from '../dev/ports.ts';
import { buildUniverse } from '../kite-sim/universe.ts';
import type { OriginHealth } from '../origin-ticker/http/origin-health.ts';
import type { BaselineStats } from './baseline-fanout-server.ts';
import { edgeCredentials, edgeServesV2 } from './fanout-edge.ts';
import { fetchSendTimes, latencies, quantile } from './fanout-latency.ts';
import type { LoadPlan, LoadReady, LoadResult } from './fanout-load.ts';
import { INSTRUMENTS_PER_SESSION, type Workload, workloadSets } from './fanout-sessions.ts';
import { cpuSeconds, residentBytes } from './proc-usage.ts';
import { descendant } from './process-tree.ts';
import { printTable, type Row } from './table.ts';
import { type CpuProfile, topSelfTime, workerCpuProfile } from './worker-cpu-profile.ts';
import { workerHeapBytes } from './worker-heap.ts';
import { workerdEntryUrl, workerdProcesses } from './workerd-entry.ts';

/**
 * Fan-out to many sessions (issue 7): the whole stack (`npm run dev`,
 * 9,000 full-mode instruments pinned at one tick a second) serving /v2/ws,
 * beside a single Node `ws` process (bench/baseline-fanout-server.ts) fed
 * by the same simulator, in the same run, for each number of sessions in
 * FANOUT_SESSIONS (default 100,1000,5000), every session holding 100
 * instruments (bench/fanout-sessions.ts: a shared popular set and a long
 * tail, mixed modes).
 *
 * The sessions connect to the worker's own workerd socket, past wrangler
 * dev's proxy (bench/workerd-entry.ts): the proxy answered 503 at 5,000
 * sessions, and every frame to a client passed through it, its CPU counted
 * as the worker's; a deployed worker has no such proxy. Its CPU is still
 * shown, apart.
 *
 * The load generator is one child process (bench/fanout-load.ts), so on
 * this 2-core machine it can take at most one core and the servers always
 * have the other; its CPU is measured and shown beside theirs. The edge is
 * measured first; for the baseline's turn the origin is stopped (SIGSTOP)
 * so that it and the group objects do not compete, and only the baseline's
 * own Kite connections stream.
 *
 * Latency runs from the simulator's send of the frame carrying a tick to
 * the load generator's receipt of it (bench/fanout-latency.ts); it is
 * measured on full-mode ticks (the only ones carrying a timestamp).
 *
 * Memory per session is the growth of the server's live JavaScript heap,
 * read after forced collections before the sessions open and again with
 * them open after the window (bench/worker-heap.ts for the worker; the
 * baseline runs with --expose-gc). The worker's is read with the origin
 * stopped for a moment (whileStopped). Resident memory is shown too, but
 * workerd keeps native memory it no longer uses, so it only grows.
 *
 * CPU per delivered tick: the server's CPU time over the window (workerd's
 * for the edge, the baseline process's) divided by the ticks the load
 * generator received in it, in microseconds: the figure to compare across
 * session counts and workloads.
 *
 * Knobs: FANOUT_SESSIONS, FANOUT_INSTRUMENTS (streaming, 9000: fewer leave
 * the group objects less to do, so the hubs' share of the worker shows on a
 * busy machine), FANOUT_TARGETS (edge,baseline), FANOUT_WINDOW_S
 * (20), FANOUT_MEASURED (sessions measured with the typed client, 50),
 * FANOUT_WORKLOAD (long-tail, or popular: every session the same
 * instruments, bench/fanout-sessions.ts). The flag `--profile` (or
 * `--profile=DIR`) records the worker's CPU profile over each edge window
 * through its inspector and writes it as DIR/fanout-<workload>-<sessions>.cpuprofile
 * (and the reconnect storm's first 20 s as …-<sessions>-reopen.cpuprofile)
 * (default DIR: the system's temporary directory), printing its top
 * self-time functions; profiling costs the worker CPU, so compare the
 * µs-per-tick figures of runs made alike.
 */

const INSTRUMENTS = Number(process.env.FANOUT_INSTRUMENTS ?? 9000);
const SESSION_COUNTS = (process.env.FANOUT_SESSIONS ?? '100,1000,5000').split(',').map(Number);
const TARGETS = new Set((process.env.FANOUT_TARGETS ?? 'edge,baseline').split(','));
const WINDOW_MS = Number(process.env.FANOUT_WINDOW_S ?? 20) * 1000;
// Each measured session parses every frame (~70 µs for 33 ticks): more of them delay the generator's own receipts.
const MEASURED = Number(process.env.FANOUT_MEASURED ?? 50);
const WORKLOAD = workloadOf(process.env.FANOUT_WORKLOAD ?? 'long-tail');
const PROFILE_DIR = profileDir(process.argv);
const WARMUP_MS = 5000;
// The second Kite app of the simulator (SIM_APP_COUNT=2): the origin holds all three connections of the first.
const BASELINE_APP = { apiKey: 'kitesim2', apiSecret: 'kitesim-secret-2' };
const SIM_ENV = { SIM_APP_COUNT: '2', SIM_SEND_TIMES: '1' };
const LOAD = fileURLToPath(new URL('./fanout-load.ts', import.meta.url));
const BASELINE = fileURLToPath(new URL('./baseline-fanout-server.ts', import.meta.url));
const SIM = fileURLToPath(new URL('../kite-sim/main.ts', import.meta.url));

/**
 * `processes()`: the server's processes, looked up when a window opens (wrangler starts and ends workerd processes of its own);
 * `heapBytes()`: the server's live JavaScript heap, after forced collections.
 */
type Target = {
  url: string;
  apiKey: string;
  credentials: Credentials[];
  processes(): { label: string; pid: number }[];
  /** The labels of `processes()` that are the server proper (the worker, not the origin feeding it): its CPU per tick. */
  server: string;
  heapBytes(): Promise<number>;
  /** The worker's CPU profile over `ms`, when `--profile` asked for one. */
  profile?: (ms: number) => Promise<CpuProfile>;
};

type Measurement = {
  sessions: number;
  ready: LoadReady;
  /** The same sessions dropped at once after the window and opened again (a reconnect storm), or why not. */
  reopened: LoadReady | Error;
  result: LoadResult;
  latency: { p50: number; p99: number; p999: number; samples: number; unmatched: number };
  cpu: Record<string, number>;
  /** CPU seconds the server proper used over the window. */
  serverCpuSeconds: number;
  rssMb: Record<string, number>;
  /** The server's live heap before the sessions opened, and with them open after the window (or why it could not be read). */
  heap: { before: number | Error; during: number | Error };
};

export async function benchFanout(): Promise<Row[]> {
  const tokens = buildUniverse({ seed: 1, today: new Date() })
    .instruments.filter((_, i) => i % 11 === 0)
    .slice(0, INSTRUMENTS)
    .map((i) => i.instrument_token);
  const sets = workloadSets(WORKLOAD, tokens, Math.max(...SESSION_COUNTS));
  const edge = new Map<number, Measurement | Error>();
  const baseline = new Map<number, Measurement | Error>();

  let stack: DevStack | undefined;
  let sim: { restRoot: string; tickerRoot: string; pid: number; stop(): void };
  if (TARGETS.has('edge')) {
    // Full is a pinned instrument's default mode: 9,000 tokens with `:full` overflow one environment variable (128 KiB).
    // One origin and no standby: a worker busy past the lease's 5 s let it lapse, and the feed restarted inside the window.
    stack = await startDevStack({ PINNED_INSTRUMENTS: tokens.join(','), ...SIM_ENV, ORIGIN_STANDBY: '0', ORIGIN_LEASE_TTL_MS: '30000' });
    const port = stack.ports.SIM_PORT;
    sim = { restRoot: `http://127.0.0.1:${port}`, tickerRoot: `ws://127.0.0.1:${port}/ws`, pid: descendant(stack.pid, 'kite-sim/main.ts'), stop: () => {} };
  } else {
    sim = await startSimulator();
  }
  let originPid = 0;
  try {
    if (stack) {
      await originCarries(stack.originUrl, INSTRUMENTS);
      originPid = descendant(stack.pid, 'origin-ticker/main.ts');
      const devPid = stack.pid;
      const { ports } = stack;
      // The worker's own socket, past wrangler dev's proxy (workerd-entry.ts); the proxy's CPU is shown apart.
      const workerUrl = await workerdEntryUrl(devPid);
      const available = await edgeServesV2(workerUrl);
      for (const count of SESSION_COUNTS) {
        if (available !== true) {
          edge.set(count, new Error(available));
          continue;
        }
        const target: Target = {
          url: `${workerUrl.replace('http', 'ws')}/v2/ws`,
          apiKey: 'kitesim',
          credentials: await edgeCredentials(stack.databaseUrl, count),
          processes: () => {
            const { worker, proxies } = workerdProcesses(devPid);
            return [{ label: 'workerd', pid: worker }, ...proxies.map((pid) => ({ label: 'wrangler proxy', pid })), { label: 'origin', pid: originPid }];
          },
          server: 'workerd',
          heapBytes: () => whileStopped(originPid, () => workerHeapBytes(ports.EDGE_INSPECTOR_PORT)),
          ...(PROFILE_DIR ? { profile: (ms: number) => workerCpuProfile(ports.EDGE_INSPECTOR_PORT, ms) } : {}),
        };
        edge.set(count, await measure(target, sets.slice(0, count), sim).catch((error: Error) => error));
      }
      // The baseline's turn: the origin stops reading Kite, so neither it nor the group objects compete.
      if (TARGETS.has('baseline')) process.kill(originPid, 'SIGSTOP');
    }
    if (TARGETS.has('baseline')) {
      const server = await startBaseline(sim.tickerRoot, new URL(sim.restRoot), tokens);
      try {
        for (const count of SESSION_COUNTS) {
          const target: Target = {
            url: `ws://127.0.0.1:${server.port}/v2/ws`,
            apiKey: BASELINE_APP.apiKey,
            credentials: [{ accessToken: 'baseline.ignores.credentials' }],
            processes: () => [{ label: 'baseline', pid: server.pid }],
            server: 'baseline',
            heapBytes: server.heapBytes,
          };
          baseline.set(count, await measure(target, sets.slice(0, count), sim).catch((error: Error) => error));
        }
      } finally {
        server.stop();
      }
    }
  } finally {
    if (originPid) process.kill(originPid, 'SIGCONT');
    await stack?.stop();
    sim.stop();
  }
  return SESSION_COUNTS.flatMap((count) => rows(count, edge.get(count), baseline.get(count)));
}

async function measure(target: Target, sessions: LoadPlan['sessions'], sim: { restRoot: string; pid: number }): Promise<Measurement> {
  const heapBefore = await target.heapBytes().catch((error: Error) => error);
  const load = fork(LOAD, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const openBudgetMs = openingBudgetMs(sessions.length);
    const plan: LoadPlan = { url: target.url, credentials: target.credentials, sessions, measured: MEASURED, openConcurrency: 50, openBudgetMs };
    load.send(plan);
    // The last batch started may wait out its sessions' open deadline (60 s).
    const ready = await next<LoadReady>(load, 'ready', openBudgetMs + 120_000).catch((error: Error) => {
      throw new Error(`${sessions.length.toLocaleString('en')} sessions not open and subscribed in time (${error.message})`);
    });
    console.error(
      `[fanout] ${target.url}: ${ready.opened} sessions open in ${(ready.openMs / 1000).toFixed(1)} s, ${ready.subscribed} subscriptions, ${ready.rejected} rejected${ready.firstRejection ? ` (${ready.firstRejection})` : ''}, ${ready.failed} failed${ready.firstError ? ` (${ready.firstError})` : ''}, ${ready.untried} not tried within ${openBudgetMs / 1000} s`,
    );
    if (ready.opened === 0) throw new Error(`no session opened: ${ready.firstError}`);
    await sleep(WARMUP_MS);
    const processes = [...target.processes(), { label: 'simulator', pid: sim.pid }, { label: 'load generator', pid: load.pid ?? 0 }];
    const before = processes.map((p) => alive(() => cpuSeconds(p.pid), 0));
    const peak = new Map<string, number>();
    load.send({ type: 'window-start' });
    const started = performance.now();
    const profiled = target.profile?.(WINDOW_MS).then((profile) => saveProfile(profile, sessions.length));
    while (performance.now() - started < WINDOW_MS) {
      const now = new Map<string, number>();
      for (const p of processes) now.set(p.label, (now.get(p.label) ?? 0) + alive(() => residentBytes(p.pid).total, 0) / 1024 / 1024);
      for (const [label, mb] of now) peak.set(label, Math.max(peak.get(label) ?? 0, mb));
      await sleep(500);
    }
    load.send({ type: 'window-end' });
    const result = await next<LoadResult>(load, 'result', 60_000);
    const seconds = (performance.now() - started) / 1000;
    await profiled?.catch((error: Error) => console.error(`[fanout] no CPU profile: ${error.message}`));
    const cpu: Record<string, number> = {};
    // Processes sharing a label (workerd's) add up; one that ended during the window counts nothing.
    for (const [i, p] of processes.entries()) {
      cpu[p.label] = (cpu[p.label] ?? 0) + ((alive(() => cpuSeconds(p.pid), before[i] as number) - (before[i] as number)) / seconds) * 100;
    }
    const rssMb = Object.fromEntries(peak);
    const { ms, unmatched } = latencies(result.samples, await fetchSendTimes(sim.restRoot), target.apiKey);
    const heap = { before: heapBefore, during: await target.heapBytes().catch((error: Error) => error) };
    load.send({ type: 'reopen' });
    // The storm's first 20 s, profiled apart: what opening costs the worker.
    const stormProfiled = target.profile?.(20_000).then((profile) => saveProfile(profile, `${sessions.length}-reopen`));
    const reopened = await next<LoadReady>(load, 'reopened', openBudgetMs + 120_000).catch((error: Error) => error);
    if (!(reopened instanceof Error))
      console.error(
        `[fanout] ${target.url}: reconnect storm: ${reopened.opened} sessions open again in ${(reopened.openMs / 1000).toFixed(1)} s, ${reopened.failed} failed`,
      );
    await stormProfiled?.catch((error: Error) => console.error(`[fanout] no CPU profile of the reconnect storm: ${error.message}`));
    load.send({ type: 'stop' });
    return {
      sessions: sessions.length,
      ready,
      reopened,
      result,
      serverCpuSeconds: ((cpu[target.server] ?? 0) / 100) * seconds,
      latency: { p50: quantile(ms, 0.5), p99: quantile(ms, 0.99), p999: quantile(ms, 0.999), samples: ms.length, unmatched },
      cpu,
      rssMb,
      heap,
    };
  } finally {
    setTimeout(() => load.kill('SIGKILL'), 2000).unref();
  }
}

function rows(count: number, edge: Measurement | Error | undefined, baseline: Measurement | Error | undefined): Row[] {
  const name = `fan-out, ${count.toLocaleString('en')} sessions × ${INSTRUMENTS_PER_SESSION} of ${INSTRUMENTS.toLocaleString('en')} instruments, ${WORKLOAD}`;
  const perSecond = (m: Measurement, n: number) => n / (m.result.windowMs / 1000);
  const expected = count * INSTRUMENTS_PER_SESSION;
  const lat = (m: Measurement | Error | undefined) =>
    m instanceof Error || !m
      ? `— (${m?.message ?? 'not run'})`
      : `p50 ${m.latency.p50.toFixed(1)} / p99 ${m.latency.p99.toFixed(1)} / p99.9 ${m.latency.p999.toFixed(1)} ms (${m.latency.samples} full-mode ticks${m.latency.unmatched ? `, ${m.latency.unmatched} not matched to a send` : ''})`;
  const rate = (m: Measurement | Error | undefined) =>
    m instanceof Error || !m
      ? `— (${m?.message ?? 'not run'})`
      : `${Math.round(perSecond(m, m.result.frames))} frames/s, ${Math.round(perSecond(m, m.result.ticks))} ticks/s (${((perSecond(m, m.result.ticks) / expected) * 100).toFixed(0)} % of ${expected} subscribed)${m.ready.failed ? `, ${m.ready.failed} sessions failed to open` : ''}${m.ready.untried ? `, ${m.ready.untried} not tried within the opening's ${openingBudgetMs(count) / 1000} s` : ''}${m.result.closed ? `, ${m.result.closed} closed` : ''}`;
  const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
  // Per session opened (at 5,000 not all open). A growth smaller than the heap's own drift between two readings (the baseline's few bytes a session, at 100 sessions) is no figure.
  const perSession = ({ ready: { opened }, heap: { before, during } }: Measurement) =>
    before instanceof Error || during instanceof Error
      ? `not read (${(before instanceof Error ? before : (during as Error)).message})`
      : `${mb(during)} MB with the sessions, ${mb(before)} MB before: ${during > before ? `${((during - before) / opened / 1024).toFixed(1)} KB a session` : 'no growth measurable'}`;
  const usage = (m: Measurement | Error | undefined) =>
    m instanceof Error || !m
      ? `— (${m?.message ?? 'not run'})`
      : `${Object.keys(m.cpu)
          .map((label) => `${label} ${(m.cpu[label] as number).toFixed(0)} % CPU, ${(m.rssMb[label] as number).toFixed(0)} MB`)
          .join('; ')} (generator event-loop p99 ${m.result.eventLoopP99Ms.toFixed(0)} ms); server JavaScript heap after GC ${perSession(m)}`;
  const both = edge instanceof Error || !edge || baseline instanceof Error || !baseline ? undefined : { edge, baseline };
  const serverCpu = (m: Measurement) =>
    Object.entries(m.cpu)
      .filter(([label]) => label !== 'simulator' && label !== 'load generator')
      .reduce((n, [, v]) => n + v, 0);
  const perTick = (m: Measurement) => (m.serverCpuSeconds / Math.max(1, m.result.ticks)) * 1e6;
  const cpuPerTick = (m: Measurement | Error | undefined, server: string) =>
    m instanceof Error || !m
      ? `— (${m?.message ?? 'not run'})`
      : `${perTick(m).toFixed(2)} µs of ${server} CPU per delivered tick (${m.serverCpuSeconds.toFixed(1)} CPU s, ${m.result.ticks} ticks)`;
  const opening = (m: Measurement | Error | undefined) =>
    m instanceof Error || !m
      ? `— (${m?.message ?? 'not run'})`
      : `opened in ${(m.ready.openMs / 1000).toFixed(1)} s (${m.ready.opened} of ${count}); reopened in ${
          m.reopened instanceof Error
            ? `— (${m.reopened.message})`
            : `${(m.reopened.openMs / 1000).toFixed(1)} s (${m.reopened.opened}, ${m.reopened.failed} failed)`
        }`;
  const reopenMs = (m: Measurement) => (m.reopened instanceof Error ? Number.NaN : m.reopened.openMs);
  return [
    {
      name: `${name}: opening, then a reconnect storm (every session drops and opens again, 50 upgrades at a time; ratio of the reopening times, goal ≤ 5 s at 1,000)`,
      baseline: `Node ws server: ${opening(baseline)}`,
      ratio: both ? reopenMs(both.edge) / reopenMs(both.baseline) : Number.NaN,
      detail: `edge: ${opening(edge)}`,
    },
    {
      name: `${name}: server CPU per delivered tick (goal ≤ 3×)`,
      baseline: `Node ws server: ${cpuPerTick(baseline, 'baseline')}`,
      ratio: both ? perTick(both.edge) / perTick(both.baseline) : Number.NaN,
      detail: `edge: ${cpuPerTick(edge, 'workerd')}`,
    },
    {
      name: `${name}: latency, simulator send → client receipt`,
      baseline: `Node ws server: ${lat(baseline)}`,
      ratio: both ? both.edge.latency.p99 / both.baseline.latency.p99 : Number.NaN,
      detail: `edge: ${lat(edge)}${count === 1000 ? ' (target p50 < 10, p99 < 50 ms)' : ''}; ratio of p99s`,
    },
    {
      name: `${name}: delivered (ratio = edge ÷ baseline frames/s, higher is better, target ≥ 0.6×)`,
      baseline: `Node ws server: ${rate(baseline)}`,
      ratio: both ? perSecond(both.edge, both.edge.result.frames) / perSecond(both.baseline, both.baseline.result.frames) : Number.NaN,
      detail: `edge: ${rate(edge)}`,
    },
    {
      name: `${name}: CPU and memory (ratio of server CPU)`,
      baseline: `Node ws server: ${usage(baseline)}`,
      ratio: both ? serverCpu(both.edge) / serverCpu(both.baseline) : Number.NaN,
      detail: `edge: ${usage(edge)}`,
    },
  ];
}

/** The baseline server as a child process, logged in to the simulator as its own Kite app, streaming every instrument. */
async function startBaseline(
  tickerRoot: string,
  restRoot: URL,
  tokens: number[],
): Promise<{ port: number; pid: number; heapBytes(): Promise<number>; stop(): void }> {
  const accessToken = await kiteLogin(restRoot, BASELINE_APP.apiKey, BASELINE_APP.apiSecret);
  // --expose-gc: its heap is read after forced collections, as the worker's is.
  const child = fork(BASELINE, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [...process.execArgv, '--expose-gc'] });
  child.send({ port: 0, tickerRoot, apiKey: BASELINE_APP.apiKey, accessToken, streamAlways: tokens });
  const { port } = await next<{ port: number }>(child, 'listening', 30_000);
  const stats = async () => {
    child.send({ type: 'stats' });
    return (await next<{ stats: BaselineStats }>(child, 'stats', 5000)).stats;
  };
  // Streaming once two rounds have carried every instrument.
  for (const deadline = Date.now() + 30_000; ; await sleep(500)) {
    const before = (await stats()).kiteTicks;
    await sleep(2000);
    if ((await stats()).kiteTicks - before >= tokens.length * 1.5) break;
    if (Date.now() > deadline) throw new Error('the baseline did not stream every instrument within 30 s');
  }
  const heapBytes = async () => {
    child.send({ type: 'heap' });
    return (await next<{ bytes: number }>(child, 'heap', 30_000)).bytes;
  };
  return { port, pid: child.pid ?? 0, heapBytes, stop: () => child.kill('SIGTERM') };
}

/** Kite's login flow against the simulator: the login redirect's request_token exchanged with its checksum. */
async function kiteLogin(restRoot: URL, apiKey: string, apiSecret: string): Promise<string> {
  const login = await fetch(new URL(`/connect/login?api_key=${apiKey}&v=3`, restRoot), { redirect: 'manual' });
  const requestToken = new URL(login.headers.get('location') ?? '', restRoot).searchParams.get('request_token') ?? '';
  const checksum = createHash('sha256')
    .update(apiKey + requestToken + apiSecret)
    .digest('hex');
  const session = await fetch(new URL('/session/token', restRoot), {
    method: 'POST',
    body: new URLSearchParams({ api_key: apiKey, request_token: requestToken, checksum }),
  });
  const body = (await session.json()) as { data?: { access_token?: string }; message?: string };
  if (!body.data?.access_token) throw new Error(`could not log in to the simulator as ${apiKey}: ${body.message}`);
  return body.data.access_token;
}

/** The simulator alone (FANOUT_TARGETS=baseline), configured as the stack would configure it. */
async function startSimulator(): Promise<{ restRoot: string; tickerRoot: string; pid: number; stop(): void }> {
  const port = await freePort();
  const child = spawn(process.execPath, [SIM], { env: { ...process.env, ...SIM_ENV, SIM_PORT: String(port) }, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d;
      if (out.includes('faults ')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
  });
  return { restRoot: `http://127.0.0.1:${port}`, tickerRoot: `ws://127.0.0.1:${port}/ws`, pid: child.pid ?? 0, stop: () => child.kill('SIGTERM') };
}

async function originCarries(originUrl: string, instruments: number): Promise<void> {
  const started = Date.now();
  for (;;) {
    const h = (await (await fetch(`${originUrl}/health`)).json()) as OriginHealth;
    const carried = h.accounts
      .flatMap((a) => a.connections)
      .filter((c) => c.state === 'live')
      .reduce((n, c) => n + c.instruments, 0);
    if (carried === instruments && h.edge.groups.length > 0 && h.edge.groups.every((g) => g.connected)) return;
    if (Date.now() - started > 90_000) throw new Error(`the origin did not carry ${instruments} instruments within 90 s (${carried})`);
    await sleep(500);
  }
}

function next<T>(child: ChildProcess, type: string, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${type} from ${child.pid} within ${ms / 1000} s`)), ms);
    const onMessage = (message: { type: string }) => {
      if (message.type !== type) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(message as T);
    };
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`process ${child.pid} exited (${code}) before sending ${type}`));
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A generous 120 ms a session to open and subscribe (the baseline takes about 2); a saturated server then gets its window with the sessions it managed. */
const openingBudgetMs = (sessions: number) => Math.max(60_000, sessions * 120);

/**
 * Runs `read` with the origin stopped (SIGSTOP) and the worker given a moment
 * to drain: a worker saturated with ticks left the inspector unanswered for
 * 30 s at 5,000 sessions, and ticks in flight are not what a session keeps.
 */
async function whileStopped<T>(pid: number, read: () => Promise<T>): Promise<T> {
  process.kill(pid, 'SIGSTOP');
  try {
    await sleep(2000);
    return await read();
  } finally {
    process.kill(pid, 'SIGCONT');
  }
}

function workloadOf(name: string): Workload {
  if (name === 'long-tail' || name === 'popular') return name;
  throw new Error(`FANOUT_WORKLOAD must be long-tail or popular, not ${JSON.stringify(name)}`);
}

/** `--profile` (the system's temporary directory) or `--profile=DIR`: where the worker's CPU profiles go; undefined without the flag. */
function profileDir(argv: readonly string[]): string | undefined {
  const flag = argv.find((arg) => arg === '--profile' || arg.startsWith('--profile='));
  if (flag === undefined) return undefined;
  const dir = flag === '--profile' ? join(tmpdir(), 'kite-edge-profiles') : flag.slice('--profile='.length);
  if (dir === '') throw new Error('--profile= must name a directory');
  return dir;
}

/** Writes the profile (open it in Chrome DevTools' Performance panel or speedscope) and prints its top self-time functions. */
function saveProfile(profile: CpuProfile, sessions: number | string): void {
  const dir = PROFILE_DIR as string;
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `fanout-${WORKLOAD}-${sessions}.cpuprofile`);
  writeFileSync(file, JSON.stringify(profile));
  const top = topSelfTime(profile, 12)
    .map(({ name, share }) => `${(share * 100).toFixed(1)} % ${name}`)
    .join('; ');
  console.error(`[fanout] worker CPU profile: ${file}; top self time: ${top}`);
}

/** A /proc reading, or `fallback` once the process has gone. */
function alive(read: () => number, fallback: number): number {
  try {
    return read();
  } catch {
    return fallback;
  }
}

if (process.argv[1] === import.meta.filename) printTable(await benchFanout());
