import { setTimeout as pause } from 'node:timers/promises';
import { type FaultTargets, injectFault } from './fault-injector.ts';
import { nextFaultKind } from './fault-schedule.ts';
import type { Exposure, Fault, RecoveryTracker } from './recovery-tracker.ts';
import type { Wakeups } from './wakeups.ts';

/**
 * The soak's faults, one at a time: a fault starts `everyMs` after the
 * previous one started, and never before the previous one has settled
 * (every session it affected recovered or left, or the recovery bound ran
 * out), so each recovery is the recovery from one fault. No fault starts
 * after `lastStartBy`; the loop ends once the last one has settled.
 */
export type FaultRun = { fault: Fault; error?: string };

export type FaultLoopOptions = {
  everyMs: number;
  lastStartBy: number;
  boundMs: number;
  recovery: RecoveryTracker;
  /** Woken whenever a session recovers or leaves (RecoveryTracker's onProgress), and when the soak is stopped. */
  progress: Wakeups;
  sessions: { exposures(): Exposure[]; busiestGroup(): string | undefined };
  targets: FaultTargets;
  signal: AbortSignal;
  /** Each fault as it starts and again once it has settled. */
  onFault: (run: FaultRun, phase: 'started' | 'settled') => void;
};

export async function runFaults(options: FaultLoopOptions): Promise<FaultRun[]> {
  const { recovery, signal } = options;
  const runs: FaultRun[] = [];
  let nextAt = Date.now();
  while (!signal.aborted && nextAt <= options.lastStartBy) {
    const waited = await pause(Math.max(0, nextAt - Date.now()), true, { signal }).catch(() => false);
    if (!waited) break;
    const kind = nextFaultKind(
      runs.map((r) => ({ kind: r.fault.kind, settledAt: r.fault.settledAt })),
      Date.now(),
    );
    const group = kind === 'group-restart' ? options.sessions.busiestGroup() : undefined;
    const fault: Fault = { id: runs.length + 1, kind, start: Date.now(), ...(group ? { group } : {}) };
    const run: FaultRun = { fault };
    runs.push(run);
    recovery.begin(fault, options.sessions.exposures());
    options.onFault(run, 'started');
    try {
      recovery.ended(fault, await injectFault(kind, options.targets, group, signal));
    } catch (error) {
      run.error = (error as Error).message;
      recovery.ended(fault, Date.now());
    }
    // Past the bound, settled() settles the fault itself: the wait ends by then (or when the soak is stopped).
    await options.progress.until(() => signal.aborted || recovery.settled(fault, Date.now()), options.boundMs + 1_000);
    options.onFault(run, 'settled');
    nextAt = Math.max(fault.start + options.everyMs, Date.now());
  }
  return runs;
}
