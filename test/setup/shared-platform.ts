import { createConnection } from 'node:net';
import type { TestProject } from 'vitest/node';
import { launchDevStack } from '../../dev/dev-stack.ts';
import { portIsFree } from '../../dev/ports.ts';
import { SHARED_PLATFORM_FILES } from './e2e-files.ts';
import { startPlatformLockServer } from './platform-lock-server.ts';

/**
 * Vitest global setup: one whole local platform (`npm run dev`: embedded
 * Postgres, Redis, wrangler dev, an active and a standby origin on the simulator) for the
 * end-to-end suites (test/e2e/platform.test.ts). It is launched, not
 * awaited, so the other test files run while it boots; the suites wait for
 * it in test/e2e/platform.ts. They share it, so each makes its own users,
 * keys and demand, and puts back any fault it injects.
 */
export const ORIGIN_LINK_SECRET = 'e2e-origin-link-secret';
/** Short enough that a test watches a recurring alert fire twice without waiting ten seconds. */
export const ALERTS_MIN_COOLDOWN_S = '2';
/** Webhook retries after 0.1–0.2 s, then 0.2–0.4 s, …: a receiver that fails twice is delivered to in under a second, not 7–15 s. */
export const ALERT_WEBHOOK_RETRY_BASE_MS = '200';
/** Every suite registers and logs in its own users from one address: more than the 20 a minute a real address gets (the budget itself is tested in edge/auth). */
export const RATE_LIMIT_AUTH = '1000';

/** The platform's settings for the end-to-end suites (a file's own platform, test/e2e/platform.ts, takes the same). */
export const PLATFORM_ENV = { ORIGIN_LINK_SECRET, ALERTS_MIN_COOLDOWN_S, ALERT_WEBHOOK_RETRY_BASE_MS, RATE_LIMIT_AUTH };

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  // `vitest run edge/foo` names its files by substrings of their paths: when none of them picks the end-to-end file,
  // nothing would use the platform, and booting it would only take a core from the files that run.
  const filters = (project.vitest as unknown as { filenamePattern?: string[] }).filenamePattern;
  if (filters && !filters.some((filter) => SHARED_PLATFORM_FILES.some((file) => file.includes(filter)))) return undefined;
  const stack = await launchDevStack(PLATFORM_ENV);
  const lock = await startPlatformLockServer();
  project.provide('platformLockUrl', lock.url);
  project.provide('platform', {
    ports: stack.ports,
    edgeUrl: stack.edgeUrl,
    originUrl: stack.originUrl,
    standbyOriginUrl: stack.standbyOriginUrl,
    controlUrl: stack.controlUrl,
    databaseUrl: stack.databaseUrl,
    pid: stack.pid,
    logFile: stack.logFile,
    originLinkSecret: ORIGIN_LINK_SECRET,
  });
  let gone = false;
  stack.exited.then(() => (gone = true));
  return async () => {
    await lock.close();
    // Its last check, the one a developer's Ctrl-C cannot make: when a part of the platform's own dies (here its
    // private redis-server), the whole platform stops, says which part, exits 1 and frees every port.
    if (gone) {
      await stack.stop();
      throw new Error(`the shared platform stopped during the run (the suites after it failed for that reason):\n${stack.output().slice(-6000)}`);
    }
    createConnection(stack.ports.REDIS_PORT, '127.0.0.1')
      .on('error', () => {})
      .end('SHUTDOWN NOSAVE\r\n');
    const code = await stack.exited;
    const busy = [];
    for (const [name, port] of Object.entries(stack.ports)) if (!(await portIsFree(port))) busy.push(`${name} ${port}`);
    const output = stack.output();
    await stack.stop();
    const problems = [
      ...(code === 1 ? [] : [`exited with ${code}, not 1`]),
      ...(/redis exited on its own .*: stopping the platform/.test(output) ? [] : ['did not say that redis exited on its own']),
      ...(busy.length === 0 ? [] : [`left ports in use: ${busy.join(', ')}`]),
    ];
    if (problems.length > 0) throw new Error(`the shared platform, its private Redis killed: ${problems.join('; ')}\n${output.slice(-3000)}`);
  };
}
