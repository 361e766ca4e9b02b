import type { FaultRun } from './fault-loop.ts';

/** What the soak prints every PROGRESS_EVERY_MS while it runs, so an operator (or a CI log) sees it is alive and how it goes. */
export const PROGRESS_EVERY_MS = 10_000;

export type Progress = {
  elapsedMs: number;
  totalMs: number;
  open: number;
  planned: number;
  ticksPerSecond: number;
  faults: readonly FaultRun[];
  sessionsWithViolations: number;
  workerdMb: number | undefined;
};

export function progressLine(p: Progress): string {
  const last = p.faults.at(-1);
  const lastFault = last
    ? `; last ${last.fault.kind} #${last.fault.id} ${
        last.error
          ? 'not injected'
          : last.fault.settledAt === undefined
            ? 'recovering'
            : `settled ${((last.fault.settledAt - (last.fault.end ?? last.fault.start)) / 1000).toFixed(1)} s after`
      }`
    : '';
  return [
    `${clock(p.elapsedMs)}/${clock(p.totalMs)}`,
    `sessions ${p.open}/${p.planned} open`,
    `${Math.round(p.ticksPerSecond).toLocaleString('en')} ticks/s`,
    `faults ${p.faults.length}${lastFault}`,
    `another's data ${p.sessionsWithViolations}`,
    ...(p.workerdMb === undefined ? [] : [`workerd ${p.workerdMb.toFixed(0)} MB`]),
  ].join('  ');
}

function clock(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
