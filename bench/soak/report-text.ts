import { ANOMALIES, VIOLATIONS } from './findings.ts';
import type { SoakReport } from './soak-report.ts';

/** The soak's report as the table it prints at the end (docs/testing.md says how to read it). */
export function reportText(report: SoakReport): string {
  const { run, sessions, ticks, isolation, recovery, memory, shutdown } = report;
  const lines: string[] = [];
  const section = (title: string, rows: string[]) => {
    rows.forEach((row, i) => {
      lines.push(`${(i === 0 ? title : '').padEnd(14)}${row}`);
    });
  };
  lines.push(
    `soak: ${report.verdict.toUpperCase()} — ${run.minutes} min of load, ${run.sessions} sessions (seed ${run.seed}), faults every ${run.faultEveryS} s, recovery bound ${run.recoveryBoundS} s`,
  );
  for (const failure of report.failures) lines.push(`  FAIL: ${failure}`);
  lines.push('');
  section('run', [
    `started ${run.startedAt}; platform up in ${seconds(run.bootMs)}, sessions opened in ${seconds(run.openMs)}, load ${seconds(run.loadMs)}; ${run.cores} cores`,
  ]);
  section('sessions', [
    `${sessions.planned} planned over ${sessions.users} users: /v2/ws access token ${sessions.mix.v2AccessToken}, /v2/ws API key ${sessions.mix.v2ApiKey}, /kite/ws API key ${sessions.mix.kiteApiKey}; peak open ${sessions.peakOpen}, open at the end ${sessions.open}`,
    `opens ${count(sessions.opens)}, resumes ${count(sessions.resumes)}, leaves ${count(sessions.leaves)}, drops ${count(sessions.drops)}, refused ${count(sessions.refusedOpens)}, closed by the server ${count(sessions.serverCloses)}, hijack attempts ${count(sessions.hijackAttempts)}`,
    `actions: ${Object.entries(sessions.actions)
      .map(([a, n]) => `${a} ${count(n)}`)
      .join(', ')}; alert frames ${count(sessions.alerts)}`,
  ]);
  section('ticks', [
    `received ${count(ticks.ticks)} (${count(Math.round(ticks.perSecond))}/s); full-mode ticks in sequence ${count(ticks.sequencedTicks)}`,
    `lost ${count(ticks.lost)} in ${ticks.sessionsWithLoss} sessions outside fault windows (${count(ticks.lostWhileOpening)} while the sessions opened; ${count(ticks.lostByAll)} reached no session at all); lost to faults ${count(ticks.lostToFaults)}`,
    `duplicates ${count(ticks.duplicates)} (${count(ticks.duplicatesInFaults)} more in fault windows)`,
    `the origin, over ${ticks.origin.restartsSeen + 1} runs of it: ${count(ticks.origin.coalesced)} packets coalesced on group links down or backed up, ${count(ticks.origin.unrouted)} unrouted, ${count(ticks.origin.malformedFrames)} malformed Kite frames dropped`,
    `stalls outside fault windows ${count(ticks.stalls)} in ${ticks.sessionsWithStalls} sessions (longest ${seconds(ticks.longestStallMs)})${
      ticks.stallEpisodes.length
        ? `; episodes: ${ticks.stallEpisodes.map((e) => `${new Date(e.from).toISOString().slice(11, 19)} for ${seconds(e.to - e.from)} (${e.sessions} sessions)`).join(', ')}`
        : ''
    }`,
    ...ticks.examples.map(
      (e) => `  e.g. slot ${e.slot}, ${e.token} (${e.group}): rounds ${e.missing.slice(0, 6).join(', ')}${e.missing.length > 6 ? ', …' : ''} missing`,
    ),
  ]);
  section('isolation', [
    `sessions that saw another's data: ${isolation.sessionsWithViolations}`,
    (Object.keys(VIOLATIONS) as (keyof typeof VIOLATIONS)[]).map((k) => `${k} ${isolation.violations[k]}`).join(' · '),
    `anomalies: ${
      (Object.keys(ANOMALIES) as (keyof typeof ANOMALIES)[])
        .filter((k) => isolation.anomalies[k] > 0)
        .map((k) => `${k} ${isolation.anomalies[k]}${codes(isolation.byCode[k])}`)
        .join(' · ') || 'none'
    }`,
    ...isolation.examples.filter((e) => e.kind in VIOLATIONS).map((e) => `  ${e.kind}: slot ${e.slot}, ${e.detail}`),
    // One example of each anomaly (the JSON has up to three).
    ...isolation.examples
      .filter((e, i, all) => e.kind in ANOMALIES && all.findIndex((f) => f.kind === e.kind) === i)
      .map((e) => `  e.g. ${e.kind}: slot ${e.slot}, ${e.detail.slice(0, 160)}`),
  ]);
  section('recovery', [
    ...table(
      ['kind', 'faults', 'affected', 'recovered', 'p50', 'max', 'told stale', 'live p50', 'live max', 'left', 'unrecovered'],
      recovery.byKind.map((k) => [
        k.kind + (k.errors ? ` (${k.errors} not injected)` : ''),
        String(k.faults),
        String(k.affected),
        String(k.recovered),
        seconds(k.p50Ms),
        seconds(k.maxMs),
        String(k.toldNotLive),
        seconds(k.liveP50Ms),
        seconds(k.liveMaxMs),
        String(k.left),
        String(k.unrecovered),
      ]),
    ),
    ...(recovery.faults.length === 0 ? ['no fault was injected'] : []),
    ...recovery.faults.flatMap((f) =>
      f.stuck.map(
        (s) =>
          `  ${f.kind} #${f.id}: slot ${s.slot} had not recovered ${run.recoveryBoundS} s after: ${s.waiting.length ? `no tick since the fault of ${s.waiting.join(', ')}` : 'ticks came'}${s.notLive.length ? `; still told ${s.notLive.join(', ')} was not live` : ''}`,
      ),
    ),
  ]);
  section('memory (RSS)', [
    ...table(
      ['part', 'procs', 'start', 'peak', 'end', 'growth (steady)', 'cpu (steady)'],
      memory.parts.map((p) => [
        p.part,
        String(p.processes),
        mb(p.startMb),
        mb(p.peakMb),
        mb(p.endMb),
        p.growthMbPerMin === null ? '—' : `${p.growthMbPerMin >= 0 ? '+' : ''}${p.growthMbPerMin.toFixed(1)} MB/min`,
        p.cpuPercent === null ? '—' : `${p.cpuPercent.toFixed(0)} %`,
      ]),
    ),
  ]);
  section('soak process', [
    `event loop delay p99 ${report.loadGenerator.eventLoopP99Ms.toFixed(0)} ms, max ${report.loadGenerator.eventLoopMaxMs.toFixed(0)} ms`,
  ]);
  section('shutdown', [
    shutdown
      ? `stopped in ${seconds(shutdown.stoppedInMs)}, every process gone in ${seconds(shutdown.allGoneInMs)}; ${shutdown.portsInUse.length ? `ports in use: ${shutdown.portsInUse.join(', ')}` : 'every port free'}; ${shutdown.leftovers.length ? `left: ${shutdown.leftovers.join('; ')}` : 'no process left'}`
      : 'not stopped',
    ...(report.platformLog ? [`the platform's log: ${report.platformLog}`] : []),
  ]);
  return lines.join('\n');
}

function table(headers: string[], rows: string[][]): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)];
}

function seconds(ms: number | null): string {
  if (ms === null) return '—';
  return ms < 10_000 ? `${(ms / 1000).toFixed(2)} s` : `${(ms / 1000).toFixed(1)} s`;
}

function mb(value: number): string {
  return `${value.toFixed(0)} MB`;
}

function count(n: number): string {
  return n.toLocaleString('en');
}

function codes(byCode: Record<string, number> | undefined): string {
  if (!byCode) return '';
  return ` (${Object.entries(byCode)
    .map(([code, n]) => `${code}: ${n}`)
    .join(', ')})`;
}
