import { describe, expect, it } from 'vitest';
import { Findings } from './findings.ts';
import type { Fault, FaultOutcome } from './recovery-tracker.ts';
import { reportText } from './report-text.ts';
import { buildReport, type ReportInput } from './soak-report.ts';

function input(change: (i: ReportInput) => void = () => {}): ReportInput {
  const findings = new Findings();
  const drop: Fault = { id: 1, kind: 'kite-drop', start: 100_000, end: 100_010, settledAt: 102_010 };
  const outcome: FaultOutcome = {
    fault: drop,
    affected: 3,
    unmeasured: 0,
    recoveryMs: [1_500, 1_800, 2_000],
    toldNotLive: 2,
    liveMs: [1_200, 1_400],
    left: 0,
    unrecovered: 0,
    stuck: [],
  };
  const value: ReportInput = {
    interrupted: false,
    faults: [{ fault: drop }],
    outcomes: [outcome],
    run: {
      startedAt: '2026-12-06T07:00:00.000Z',
      minutes: 1,
      sessions: 3,
      seed: 1,
      recoveryBoundS: 30,
      faultEveryS: 8,
      bootMs: 20_000,
      openMs: 2_000,
      loadMs: 60_000,
      cores: 2,
    },
    sessions: {
      open: 3,
      peakOpen: 3,
      opens: 3,
      resumes: 0,
      leaves: 0,
      drops: 0,
      serverCloses: 0,
      refusedOpens: 0,
      hijackAttempts: 0,
      alerts: 6,
      actions: { switch: 1, mode: 1, ping: 1, leave: 0, drop: 0 },
      planned: 3,
      mix: { v2AccessToken: 1, v2ApiKey: 1, kiteApiKey: 1 },
      users: 1,
    },
    ticks: {
      ticks: 1_440,
      sequencedTicks: 180,
      lost: 0,
      lostWhileOpening: 0,
      lostByAll: 0,
      lostToFaults: 4,
      sessionsWithLoss: 0,
      duplicates: 0,
      duplicatesInFaults: 0,
      stalls: 0,
      longestStallMs: 0,
      sessionsWithStalls: 0,
      stallEpisodes: [],
      examples: [],
      perSecond: 24,
      origin: { coalesced: 0, unrouted: 0, malformedFrames: 0, restartsSeen: 0 },
    },
    isolation: { ...findings.summary(), sessionsWithViolations: 0 },
    memory: { parts: [{ part: 'workerd', processes: 2, startMb: 250, peakMb: 400, endMb: 390, growthMbPerMin: 1.5, cpuPercent: 40 }], samples: [] },
    loadGenerator: { eventLoopP99Ms: 20, eventLoopMaxMs: 80 },
    platformDied: null,
    shutdown: { stoppedInMs: 1_000, allGoneInMs: 1_100, portsInUse: [], leftovers: [] },
  };
  change(value);
  return value;
}

describe('buildReport', () => {
  it('passes a clean run, with the recovery per kind', () => {
    const report = buildReport(input());
    expect(report.verdict).toBe('pass');
    expect(report.failures).toEqual([]);
    expect(report.recovery.byKind).toEqual([
      {
        kind: 'kite-drop',
        faults: 1,
        affected: 3,
        recovered: 3,
        p50Ms: 1_800,
        maxMs: 2_000,
        toldNotLive: 2,
        liveP50Ms: 1_400,
        liveMaxMs: 1_400,
        left: 0,
        unrecovered: 0,
        errors: 0,
      },
    ]);
    const text = reportText(report);
    expect(text).toMatch(/^soak: PASS — 1 min of load, 3 sessions/);
    expect(text).toContain("sessions that saw another's data: 0");
    expect(text).toMatch(/kite-drop\s+1\s+3\s+3\s+1\.80 s\s+2\.00 s/);
  });

  it('fails on another’s data, a recovery past the bound, a fault not injected, a dead platform, nothing measured, an unclean stop', () => {
    const findings = new Findings();
    findings.violation('tick-not-held', 4, '408065 (full)');
    const report = buildReport(
      input((i) => {
        i.isolation = { ...findings.summary(), sessionsWithViolations: findings.sessionsWithViolations };
        const outcome = i.outcomes[0] as FaultOutcome;
        outcome.unrecovered = 1;
        i.faults = [{ fault: outcome.fault, error: 'the simulator refused drop-connections: HTTP 403' }];
        i.platformDied = 'npm run dev exited with 1';
        i.ticks.ticks = 0;
        i.shutdown = { stoppedInMs: 1_000, allGoneInMs: 6_000, portsInUse: ['EDGE_PORT 8787'], leftovers: ['workerd 123 (workerd serve)'] };
      }),
    );
    expect(report.verdict).toBe('fail');
    expect(report.failures).toEqual([
      "1 session saw another's data (tick-not-held ×1)",
      'after kite-drop #1, 1 of 3 sessions did not recover within 30 s',
      'kite-drop #1 could not be injected: the simulator refused drop-connections: HTTP 403',
      'the platform died: npm run dev exited with 1',
      'no tick reached any session',
      'ports still in use after the platform stopped: EDGE_PORT 8787',
      'processes left after the platform stopped (killed now): workerd 123 (workerd serve)',
    ]);
    expect(reportText(report)).toContain('tick-not-held: slot 4, 408065 (full)');
  });

  it('calls a clean run stopped with Ctrl-C interrupted, not passed', () => {
    expect(buildReport(input((i) => (i.interrupted = true))).verdict).toBe('interrupted');
  });
});
