import type { FaultKind } from './recovery-tracker.ts';

/**
 * Which fault comes next. The kinds take turns in FAULT_ORDER: the ones
 * that cost the most to recover from first, then the malformed frame
 * (settled in a second) before the silence (which lasts SILENCE_MS), so
 * that even a one-minute soak sees them all when its sessions open fast. The origin is killed only when it has run a minute
 * since its last restart: `npm run dev` restarts a dead origin, but stops
 * the platform when it dies three times within a minute of its starts
 * (dev/dev.ts), and the soak tests the restart, not that rule.
 */
export const FAULT_ORDER: readonly FaultKind[] = ['kite-drop', 'origin-kill', 'group-restart', 'kite-malformed', 'kite-silence'];

/** After an origin kill settled (its sessions ticking again, so it has restarted), this long before the next. */
export const ORIGIN_REST_MS = 65_000;

/** Kite says nothing for this long: past the origin's 5 s watchdog (it redials, into the same silence). */
export const SILENCE_MS = 8_000;

/** Faults that interrupt the feed; a malformed frame must cost nothing, so losses around it are not excused. */
export const INTERRUPTING: ReadonlySet<FaultKind> = new Set(['kite-drop', 'kite-silence', 'origin-kill', 'group-restart']);

export type PastFault = { kind: FaultKind; settledAt: number | undefined };

export function nextFaultKind(past: readonly PastFault[], now: number): FaultKind {
  const last = past.at(-1);
  let at = last ? (FAULT_ORDER.indexOf(last.kind) + 1) % FAULT_ORDER.length : 0;
  const lastKill = past.findLast((f) => f.kind === 'origin-kill');
  const originRested = !lastKill || (lastKill.settledAt !== undefined && now - lastKill.settledAt >= ORIGIN_REST_MS);
  if (FAULT_ORDER[at] === 'origin-kill' && !originRested) at = (at + 1) % FAULT_ORDER.length;
  return FAULT_ORDER[at] as FaultKind;
}
