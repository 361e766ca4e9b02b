import { setTimeout as pause } from 'node:timers/promises';
import type { DevStack } from '../../dev/dev-stack.ts';
import { portIsFree } from '../../dev/ports.ts';
import { startTicks } from '../proc-usage.ts';
import type { SeenProcess } from './memory-sampler.ts';
import type { Shutdown } from './soak-report.ts';

/**
 * Stops the platform (`npm run dev` stops its parts in reverse order and
 * frees its ports) and checks that it did: every port it had is free, and
 * none of the processes seen during the soak is still running (a pid is
 * taken for the same process only with the same start time). `npm run dev`
 * exits as soon as each part's leader has, so the processes under them get
 * EXIT_GRACE_MS to go (esbuild's service ends when its parent's pipe
 * closes); one still there after that is a leftover: killed, and reported.
 */
const EXIT_GRACE_MS = 5_000;
export async function stopPlatform(stack: DevStack, seen: readonly SeenProcess[]): Promise<Shutdown> {
  const started = Date.now();
  await stack.stop();
  const stoppedInMs = Date.now() - started;
  const running = () => seen.filter((p) => startTicks(p.pid) === p.startTicks);
  // Processes that are not our children cannot be waited on: /proc says when they are gone.
  for (const until = Date.now() + EXIT_GRACE_MS; running().length > 0 && Date.now() < until; ) await pause(100);
  const allGoneInMs = Date.now() - started;
  const leftovers = running();
  const portsInUse: string[] = [];
  for (const [name, port] of Object.entries(stack.ports)) if (!(await portIsFree(port))) portsInUse.push(`${name} ${port}`);
  for (const p of leftovers) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  return { stoppedInMs, allGoneInMs, portsInUse, leftovers: leftovers.map((p) => `${p.part} ${p.pid} (${p.args.slice(0, 80)})`) };
}
