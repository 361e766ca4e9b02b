import { setTimeout as pause } from 'node:timers/promises';
import { type ActiveOrigin, activeOrigin, type StackAddresses } from '../../dev/dev-stack.ts';
import { SILENCE_MS } from './fault-schedule.ts';
import type { FaultKind } from './recovery-tracker.ts';
import type { SimControl } from './sim-control.ts';

/**
 * Does one fault to the running platform, as an operator or the world
 * would: Kite's connections cut, Kite silent for SILENCE_MS, one malformed
 * Kite frame (the simulator's fault controls), the active origin killed
 * with SIGKILL (found by its role, `activeOrigin` in dev/dev-stack.ts:
 * after a failover the first origin process may be the standby; `npm run
 * dev` starts it again), or a group object restarted by an admin
 * (`POST /internal/groups/:group/restart`). Resolves with the moment the
 * fault was over: when the injection was answered, or for the silence
 * when Kite was told to speak again.
 */
export type FaultTargets = {
  sim: SimControl;
  edgeUrl: string;
  adminToken: () => string;
  origins: Pick<StackAddresses, 'originUrl' | 'standbyOriginUrl' | 'controlUrl'>;
};

/** An origin started again after the previous kill may hold the lease before `npm run dev` has seen it ready. */
const ACTIVE_ORIGIN_WITHIN_MS = 30_000;

export async function injectFault(kind: FaultKind, targets: FaultTargets, group: string | undefined, signal: AbortSignal): Promise<number> {
  switch (kind) {
    case 'kite-drop':
      await targets.sim.fault('drop-connections');
      break;
    case 'kite-malformed':
      await targets.sim.fault('malformed-frame');
      break;
    case 'kite-silence':
      await targets.sim.fault('silence');
      // A fault of a given length: there is nothing to wait for but the time (or the soak being stopped).
      await pause(SILENCE_MS, undefined, { signal }).catch(() => {});
      await targets.sim.fault('reset');
      break;
    case 'origin-kill':
      process.kill((await theActiveOrigin(targets, signal)).pid, 'SIGKILL');
      break;
    case 'group-restart': {
      if (!group) throw new Error('no open session holds an instrument in full mode: no group to restart');
      const response = await fetch(`${targets.edgeUrl}/internal/groups/${group}/restart`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${targets.adminToken()}` },
      });
      if (response.status !== 200) throw new Error(`restarting ${group}: HTTP ${response.status} ${await response.text()}`);
      break;
    }
  }
  return Date.now();
}

async function theActiveOrigin(targets: FaultTargets, signal: AbortSignal): Promise<ActiveOrigin> {
  const until = Date.now() + ACTIVE_ORIGIN_WITHIN_MS;
  for (;;) {
    const active = await activeOrigin(targets.origins);
    if (active) return active;
    if (Date.now() > until || signal.aborted) throw new Error(`no origin was active within ${ACTIVE_ORIGIN_WITHIN_MS / 1000} s: none to kill`);
    await pause(200);
  }
}
