import type { TestProject } from 'vitest/node';
import { launchDevStack } from '../../dev/dev-stack.ts';

/**
 * Vitest global setup of the end-to-end project: one whole local platform
 * (`npm run dev`: embedded Postgres, Redis, wrangler dev, the origin on the
 * simulator) for every end-to-end file. It is launched, not awaited, so the
 * unit projects run while it boots; each file waits for it in
 * test/e2e/platform.ts. Files share it, so each makes its own users, keys
 * and demand, and puts back any fault it injects.
 */
export const ORIGIN_LINK_SECRET = 'e2e-origin-link-secret';
/** Short enough that a test watches a recurring alert fire twice without waiting ten seconds. */
export const ALERTS_MIN_COOLDOWN_S = '2';
/** Webhook retries after 0.1–0.2 s, then 0.2–0.4 s, …: a receiver that fails twice is delivered to in under a second, not 7–15 s. */
export const ALERT_WEBHOOK_RETRY_BASE_MS = '200';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stack = await launchDevStack({ ORIGIN_LINK_SECRET, ALERTS_MIN_COOLDOWN_S, ALERT_WEBHOOK_RETRY_BASE_MS });
  project.provide('platform', {
    ports: stack.ports,
    edgeUrl: stack.edgeUrl,
    originUrl: stack.originUrl,
    databaseUrl: stack.databaseUrl,
    pid: stack.pid,
    logFile: stack.logFile,
    originLinkSecret: ORIGIN_LINK_SECRET,
  });
  return () => stack.stop();
}
