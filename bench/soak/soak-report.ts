import { quantile } from '../fanout-latency.ts';
import type { FaultRun } from './fault-loop.ts';
import type { Findings } from './findings.ts';
import type { MemorySample, PartMemory } from './memory-summary.ts';
import type { OriginCounts } from './origin-watch.ts';
import type { FaultKind, FaultOutcome } from './recovery-tracker.ts';
import type { FleetCounters } from './soak-session.ts';
import type { LossReport } from './tick-ledger.ts';

/**
 * The soak's report (JSON with --json, a table on stdout: report-text.ts)
 * and its verdict. The soak fails when a session saw another's data, when
 * a session took longer than the recovery bound to recover from a fault
 * (or never did), when a fault could not be injected, when the platform
 * died, when nothing was measured (no session opened or no tick came), or
 * when the platform did not stop cleanly (a port still taken, a process
 * left).
 */
export type KindRecovery = {
  kind: FaultKind;
  faults: number;
  affected: number;
  recovered: number;
  p50Ms: number | null;
  maxMs: number | null;
  /** Of the recovered, how many were told `stale`/`down`, and how long until `live` again. */
  toldNotLive: number;
  liveP50Ms: number | null;
  liveMaxMs: number | null;
  left: number;
  unrecovered: number;
  errors: number;
};

export type FaultSummary = {
  id: number;
  kind: FaultKind;
  group: string | null;
  at: string;
  durationMs: number;
  settledAfterMs: number | null;
  affected: number;
  unmeasured: number;
  recovered: number;
  p50Ms: number | null;
  maxMs: number | null;
  toldNotLive: number;
  left: number;
  unrecovered: number;
  stuck: FaultOutcome['stuck'];
  error: string | null;
};

/** `stoppedInMs`: until `npm run dev` exited; `allGoneInMs`: until the last process of the platform had (or the grace ran out). */
export type Shutdown = { stoppedInMs: number; allGoneInMs: number; portsInUse: string[]; leftovers: string[] };

export type SoakReport = {
  verdict: 'pass' | 'fail' | 'interrupted';
  failures: string[];
  run: {
    startedAt: string;
    minutes: number;
    sessions: number;
    seed: number;
    recoveryBoundS: number;
    faultEveryS: number;
    bootMs: number;
    openMs: number;
    loadMs: number;
    cores: number;
  };
  sessions: FleetCounters & { planned: number; mix: { v2AccessToken: number; v2ApiKey: number; kiteApiKey: number }; users: number };
  ticks: LossReport & { perSecond: number; origin: OriginCounts };
  isolation: ReturnType<Findings['summary']> & { sessionsWithViolations: number };
  recovery: { byKind: KindRecovery[]; faults: FaultSummary[] };
  memory: { parts: PartMemory[]; samples: MemorySample[] };
  loadGenerator: { eventLoopP99Ms: number; eventLoopMaxMs: number };
  platformDied: string | null;
  shutdown: Shutdown | null;
  /** Where the platform's own log was kept (see soak.ts), if anywhere. */
  platformLog: string | null;
};

export type ReportInput = Omit<SoakReport, 'verdict' | 'failures' | 'recovery' | 'platformLog'> & {
  interrupted: boolean;
  faults: FaultRun[];
  outcomes: FaultOutcome[];
};

const ms = (sorted: readonly number[], q: number) => (sorted.length === 0 ? null : quantile(Float64Array.from(sorted), q));

export function buildReport(input: ReportInput): SoakReport {
  const { interrupted, faults, outcomes, ...rest } = input;
  const errors = new Map(faults.map((r) => [r.fault.id, r.error ?? null]));
  const summaries: FaultSummary[] = outcomes.map((o) => ({
    id: o.fault.id,
    kind: o.fault.kind,
    group: o.fault.group ?? null,
    at: new Date(o.fault.start).toISOString(),
    durationMs: (o.fault.end ?? o.fault.start) - o.fault.start,
    settledAfterMs: o.fault.settledAt === undefined ? null : o.fault.settledAt - (o.fault.end ?? o.fault.start),
    affected: o.affected,
    unmeasured: o.unmeasured,
    recovered: o.recoveryMs.length,
    p50Ms: ms(o.recoveryMs, 0.5),
    maxMs: o.recoveryMs.at(-1) ?? null,
    toldNotLive: o.toldNotLive,
    left: o.left,
    unrecovered: o.unrecovered,
    stuck: o.stuck,
    error: errors.get(o.fault.id) ?? null,
  }));
  const kinds = [...new Set(outcomes.map((o) => o.fault.kind))];
  const byKind = kinds.map((kind): KindRecovery => {
    const of = outcomes.filter((o) => o.fault.kind === kind);
    const times = of.flatMap((o) => o.recoveryMs).sort((a, b) => a - b);
    const live = of.flatMap((o) => o.liveMs).sort((a, b) => a - b);
    return {
      kind,
      faults: of.length,
      affected: of.reduce((n, o) => n + o.affected, 0),
      recovered: times.length,
      p50Ms: ms(times, 0.5),
      maxMs: times.at(-1) ?? null,
      toldNotLive: of.reduce((n, o) => n + o.toldNotLive, 0),
      liveP50Ms: ms(live, 0.5),
      liveMaxMs: live.at(-1) ?? null,
      left: of.reduce((n, o) => n + o.left, 0),
      unrecovered: of.reduce((n, o) => n + o.unrecovered, 0),
      errors: summaries.filter((s) => s.kind === kind && s.error !== null).length,
    };
  });
  const report: SoakReport = { ...rest, verdict: 'pass', failures: [], recovery: { byKind, faults: summaries }, platformLog: null };
  report.failures = failuresOf(report);
  report.verdict = report.failures.length > 0 ? 'fail' : interrupted ? 'interrupted' : 'pass';
  return report;
}

function failuresOf(report: SoakReport): string[] {
  const failures: string[] = [];
  const { isolation, recovery, run } = report;
  if (isolation.sessionsWithViolations > 0) {
    const kinds = Object.entries(isolation.violations).filter(([, n]) => n > 0);
    const n = isolation.sessionsWithViolations;
    failures.push(`${n} session${n === 1 ? '' : 's'} saw another's data (${kinds.map(([k, count]) => `${k} ×${count}`).join(', ')})`);
  }
  for (const fault of recovery.faults) {
    if (fault.unrecovered > 0)
      failures.push(`after ${fault.kind} #${fault.id}, ${fault.unrecovered} of ${fault.affected} sessions did not recover within ${run.recoveryBoundS} s`);
    if (fault.error) failures.push(`${fault.kind} #${fault.id} could not be injected: ${fault.error}`);
  }
  if (report.platformDied) failures.push(`the platform died: ${report.platformDied}`);
  if (report.sessions.opens === 0) failures.push('no session opened');
  else if (report.ticks.ticks === 0) failures.push('no tick reached any session');
  if (report.shutdown?.portsInUse.length) failures.push(`ports still in use after the platform stopped: ${report.shutdown.portsInUse.join(', ')}`);
  if (report.shutdown?.leftovers.length) failures.push(`processes left after the platform stopped (killed now): ${report.shutdown.leftovers.join('; ')}`);
  return failures;
}
