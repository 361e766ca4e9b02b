import { copyFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as pause } from 'node:timers/promises';
import type { HealthResponse } from '../../contracts/health.ts';
import { type DevStack, launchDevStack } from '../../dev/dev-stack.ts';
import { simConfig } from '../../kite-sim/config.ts';
import { edgeServesV2 } from '../fanout-edge.ts';
import { type FaultRun, runFaults } from './fault-loop.ts';
import { INTERRUPTING } from './fault-schedule.ts';
import { FaultWindows } from './fault-windows.ts';
import { Findings } from './findings.ts';
import { ALERT_INSTRUMENT, instrumentPool } from './instrument-pool.ts';
import { KiteCarriage } from './kite-carriage.ts';
import { MemorySampler } from './memory-sampler.ts';
import { summarizeMemory } from './memory-summary.ts';
import { OriginWatch } from './origin-watch.ts';
import { stopPlatform } from './platform-shutdown.ts';
import { PROGRESS_EVERY_MS, progressLine } from './progress-line.ts';
import { RecoveryTracker } from './recovery-tracker.ts';
import { reportText } from './report-text.ts';
import { RoundLog } from './round-log.ts';
import { KEYS_PER_USER, SESSIONS_PER_USER, SessionFleet } from './session-fleet.ts';
import { SimControl } from './sim-control.ts';
import { SoakAccounts } from './soak-accounts.ts';
import { parseSoakArgs, SOAK_USAGE, SoakArgsError, type SoakOptions } from './soak-args.ts';
import { buildReport, type ReportInput, type Shutdown } from './soak-report.ts';
import { TickLedger } from './tick-ledger.ts';
import { Wakeups } from './wakeups.ts';

/**
 * `npm run soak -- --minutes N`: the whole local platform (`npm run dev`
 * in a temporary directory) under thousands of sessions that come and go,
 * with faults injected on a schedule, for N minutes; then a report of
 * memory, lost ticks, isolation and recovery, and a verdict in the exit
 * code (0 pass, 1 fail, 2 bad flags, 130 stopped by Ctrl-C).
 * docs/testing.md, "The soak", says what each figure means.
 */
const PLATFORM_ENV = {
  // The rounds the simulator sends, which the loss accounting counts (round-log.ts).
  SIM_SEND_TIMES: '1',
  // Every soak user registers and logs in from 127.0.0.1: the per-address budget of /auth would refuse the 21st.
  RATE_LIMIT_AUTH: '1000000',
};
/** The alert of each user fires at most this often (ALERTS_MIN_COOLDOWN_S's default). */
const ALERT_COOLDOWN_S = 10;
const MEMORY_EVERY_MS = 5_000;
const ROUNDS_EVERY_MS = 2_000;
/** A stretch this long without a tick of a held instrument is a stall; rounds this close to a holding's end are not due yet. */
const STALL_MS = 3_000;
const FEED_LIVE_WITHIN_MS = 90_000;

const log = (line: string) => console.log(`[soak] ${line}`);

async function main(): Promise<number> {
  let options: SoakOptions | 'help';
  try {
    options = parseSoakArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof SoakArgsError)) throw error;
    console.error(error.message);
    return 2;
  }
  if (options === 'help') {
    console.log(SOAK_USAGE);
    return 0;
  }
  return soak(options);
}

async function soak(options: SoakOptions): Promise<number> {
  const interrupt = new AbortController();
  const progress = new Wakeups();
  const stopRun = (why: string) => {
    if (interrupt.signal.aborted) return;
    log(why);
    interrupt.abort();
    progress.wake();
  };
  let interrupted = false;
  const onSignal = (signal: string) => {
    if (interrupt.signal.aborted) log(`still stopping (${signal} again): the platform is being shut down`);
    interrupted = true;
    stopRun(`${signal}: ending the load, then stopping the platform`);
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  let soakError: string | null = null;
  process.on('uncaughtException', (error) => {
    soakError ??= error.stack ?? error.message;
    stopRun(`the soak itself failed: ${error.message}`);
  });

  const startedAt = Date.now();
  log(`starting the platform (npm run dev in a temporary directory) for ${options.minutes} min of load, ${options.sessions} sessions`);
  const stack = await launchDevStack(PLATFORM_ENV);
  let platformDied: string | null = null;
  let stopping = false;
  void stack.exited.then((code) => {
    // A Ctrl-C in a terminal reaches npm run dev too (one process group): it stops on its own then.
    if (stopping || interrupted) return;
    // Its supervisor's own lines say why, before the ones of each part it then stopped (the whole log is kept).
    const said = stack
      .output()
      .split('\n')
      .filter((line) => /^\[dev\]/.test(line) && !/^\[dev\]\s+(stopped|could not stop) /.test(line))
      .slice(-3);
    platformDied = `npm run dev exited with ${code}:\n${said.join('\n')}`;
    stopRun('the platform died');
  });

  let input: Omit<ReportInput, 'shutdown' | 'platformDied' | 'interrupted'> | undefined;
  let sampler: MemorySampler | undefined;
  try {
    const bootMs = await upOrStopped(stack, interrupt.signal);
    if (bootMs === undefined) throw new Error('stopped before the platform was up');
    log(`platform is up in ${(bootMs / 1000).toFixed(1)} s`);
    sampler = new MemorySampler(stack.pid);
    sampler.start(MEMORY_EVERY_MS);
    input = await load(options, stack, sampler, interrupt.signal, progress, startedAt, bootMs);
  } catch (error) {
    soakError ??= (error as Error).message;
  } finally {
    sampler?.stop();
    stopping = true;
  }

  // The platform's log goes with its temporary directory: copied first, kept if the soak fails or writes JSON (keptLog).
  const logCopy = join(tmpdir(), `soak-${startedAt}.platform.log`);
  await copyFile(stack.logFile, logCopy).catch(() => {});
  log('stopping the platform');
  const shutdown: Shutdown = await stopPlatform(stack, sampler?.seen() ?? []);
  if (!input) {
    const unclean = [...shutdown.portsInUse.map((p) => `port still in use: ${p}`), ...shutdown.leftovers.map((p) => `left running (killed now): ${p}`)];
    for (const problem of unclean) console.error(`[soak] FAIL: ${problem}`);
    if (interrupted && !platformDied && unclean.length === 0) {
      await rm(logCopy, { force: true });
      log('stopped before the load began');
      return 130;
    }
    console.error(`[soak] FAIL: ${platformDied ?? soakError ?? 'the soak did not run'}`);
    if (!platformDied) console.error(stack.output().slice(-3000));
    log(`the platform's log: ${logCopy}`);
    return 1;
  }
  const report = buildReport({ ...input, interrupted, platformDied, shutdown });
  if (soakError) {
    report.failures.push(`the soak itself failed: ${soakError}`);
    report.verdict = 'fail';
  }
  report.platformLog = await keptLog(logCopy, options.jsonFile, report.verdict === 'fail');
  console.log(`\n${reportText(report)}`);
  if (options.jsonFile) {
    await writeFile(options.jsonFile, `${JSON.stringify(report, null, 2)}\n`);
    log(`report written to ${options.jsonFile}`);
  }
  return report.verdict === 'fail' ? 1 : report.verdict === 'interrupted' ? 130 : 0;
}

/** The soak proper, on a platform that is up: users, sessions, faults, and everything measured. */
async function load(
  options: SoakOptions,
  stack: DevStack,
  sampler: MemorySampler,
  signal: AbortSignal,
  progress: Wakeups,
  startedAt: number,
  bootMs: number,
): Promise<Omit<ReportInput, 'shutdown' | 'platformDied' | 'interrupted'>> {
  const wsBase = stack.edgeUrl.replace('http', 'ws');
  await feedLive(stack.edgeUrl, signal);
  const served = await edgeServesV2(stack.edgeUrl);
  if (served !== true) throw new Error(served);

  const users = Math.ceil(options.sessions / SESSIONS_PER_USER);
  log(`making ${users} users with ${KEYS_PER_USER} API keys and an alert each, and an admin`);
  const accounts = new SoakAccounts(stack.edgeUrl);
  const timers: NodeJS.Timeout[] = [];
  try {
    await accounts.makeUsers(users, KEYS_PER_USER, ALERT_INSTRUMENT, ALERT_COOLDOWN_S);
    await accounts.makeAdmin(stack.databaseUrl);
    const pool = await instrumentPool(stack.databaseUrl);
    const sim = new SimControl(`http://127.0.0.1:${stack.ports.SIM_PORT}`, simConfig().adminToken);
    const rounds = new RoundLog();
    const carriage = new KiteCarriage();
    const pollRounds = async () => {
      const log = await sim.sendTimes();
      rounds.add(log.frames);
      carriage.record(Date.now(), log.connections);
    };
    timers.push(setInterval(() => pollRounds().catch(() => {}), ROUNDS_EVERY_MS));
    const origin = new OriginWatch(stack.originUrl);
    timers.push(setInterval(() => void origin.read(), MEMORY_EVERY_MS));

    const findings = new Findings();
    const ledger = new TickLedger({ stallMs: STALL_MS, tailAllowanceMs: STALL_MS });
    const boundMs = options.recoveryBoundS * 1000;
    const recovery = new RecoveryTracker(
      (second) => rounds.sentAt(second),
      boundMs,
      () => progress.wake(),
    );
    const fleet = new SessionFleet({ sessions: options.sessions, seed: options.seed, wsBase, pool, users: accounts.users, findings, ledger, recovery });
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();

    const loadStart = Date.now();
    const endAt = loadStart + options.minutes * 60_000;
    const faults: FaultRun[] = [];
    let lastTicks = 0;
    let lastAt = loadStart;
    timers.push(
      setInterval(() => {
        const now = Date.now();
        log(
          progressLine({
            elapsedMs: now - loadStart,
            totalMs: endAt - loadStart,
            open: fleet.counters.open,
            planned: options.sessions,
            ticksPerSecond: ((ledger.ticks - lastTicks) * 1000) / (now - lastAt),
            faults,
            sessionsWithViolations: findings.sessionsWithViolations,
            workerdMb: mbOf(sampler.latest('workerd')),
          }),
        );
        lastTicks = ledger.ticks;
        lastAt = now;
      }, PROGRESS_EVERY_MS),
    );

    log(
      `opening ${options.sessions} sessions on ${pool.length} instruments (${fleet.mix.v2AccessToken} /v2/ws with access tokens, ${fleet.mix.v2ApiKey} with API keys, ${fleet.mix.kiteApiKey} /kite/ws)`,
    );
    await fleet.open(signal);
    const openMs = Date.now() - loadStart;
    const steadyFrom = Date.now();
    log(`sessions opened in ${(openMs / 1000).toFixed(1)} s; faults every ${options.faultEveryS} s from now`);

    const everyMs = options.faultEveryS * 1000;
    const faultLoop = runFaults({
      everyMs,
      lastStartBy: endAt - everyMs,
      boundMs,
      recovery,
      progress,
      sessions: fleet,
      targets: { sim, edgeUrl: stack.edgeUrl, adminToken: () => accounts.admin?.current ?? '', origins: stack },
      signal,
      onFault: (run, phase) => {
        if (phase === 'started') faults.push(run);
        else if (run.error) log(`${run.fault.kind} #${run.fault.id} could not be injected: ${run.error}`);
      },
    });
    await Promise.all([pause(Math.max(0, endAt - Date.now()), undefined, { signal }).catch(() => {}), faultLoop]);
    const loadMs = Date.now() - loadStart;
    sampler.sample();
    await origin.read();
    loop.disable();
    const sessions = { ...fleet.counters, planned: options.sessions, mix: fleet.mix, users };

    log('closing the sessions');
    await fleet.stop();
    await pollRounds().catch(() => {});
    const windows = new FaultWindows();
    for (const { fault } of faults) {
      if (!INTERRUPTING.has(fault.kind)) continue;
      windows.add({ from: fault.start - 1_000, to: fault.settledAt ?? (fault.end ?? fault.start) + boundMs, ...(fault.group ? { group: fault.group } : {}) });
    }
    const ticks = ledger.report(rounds, carriage, windows, steadyFrom);
    return {
      run: {
        startedAt: new Date(startedAt).toISOString(),
        minutes: options.minutes,
        sessions: options.sessions,
        seed: options.seed,
        recoveryBoundS: options.recoveryBoundS,
        faultEveryS: options.faultEveryS,
        bootMs,
        openMs,
        loadMs,
        cores: availableParallelism(),
      },
      sessions,
      ticks: { ...ticks, perSecond: (ticks.ticks * 1000) / loadMs, origin: origin.totals() },
      isolation: { ...findings.summary(), sessionsWithViolations: findings.sessionsWithViolations },
      faults,
      outcomes: recovery.outcomes(),
      memory: { parts: summarizeMemory(sampler.samples, steadyFrom), samples: sampler.samples },
      loadGenerator: { eventLoopP99Ms: loop.percentile(99) / 1e6, eventLoopMaxMs: loop.max / 1e6 },
    };
  } finally {
    for (const timer of timers) clearInterval(timer);
    accounts.stop();
  }
}

/** ms until the platform said it is up, or undefined when the soak was stopped first (a death stops it too). */
async function upOrStopped(stack: DevStack, signal: AbortSignal): Promise<number | undefined> {
  const started = Date.now();
  const stopped = new Promise<undefined>((resolve) => signal.addEventListener('abort', () => resolve(undefined), { once: true }));
  const up = await Promise.race([stack.up.then(() => true), stopped]);
  return up ? Date.now() - started : undefined;
}

/** The edge reports the feed live: the origin is linked and Kite ticks (the pinned instruments). */
async function feedLive(edgeUrl: string, signal: AbortSignal): Promise<void> {
  const until = Date.now() + FEED_LIVE_WITHIN_MS;
  let last = 'no answer';
  while (Date.now() < until && !signal.aborted) {
    try {
      const health = (await (await fetch(`${edgeUrl}/health`)).json()) as HealthResponse;
      if (health.feed.status === 'live') return;
      last = `${health.feed.status}${health.feed.reason ? ` (${health.feed.reason})` : ''}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await pause(500, undefined, { signal }).catch(() => {});
  }
  throw new Error(`the edge did not report the feed live within ${FEED_LIVE_WITHIN_MS / 1000} s (last: ${last})`);
}

/** Where the platform's log is kept: beside the JSON report if there is one, else where it was copied if the soak failed; else nowhere. */
async function keptLog(copy: string, jsonFile: string | undefined, failed: boolean): Promise<string | null> {
  if (jsonFile) {
    const beside = jsonFile.replace(/(\.json)?$/, '.platform.log');
    await copyFile(copy, beside).catch(() => {});
    await rm(copy, { force: true });
    return beside;
  }
  if (failed) return copy;
  await rm(copy, { force: true });
  return null;
}

function mbOf(bytes: number | undefined): number | undefined {
  return bytes === undefined ? undefined : bytes / 1024 / 1024;
}

process.exitCode = await main();
// Sockets and timers of a stopped run must not keep the process alive, nor may a slow one keep it from exiting.
process.exit();
