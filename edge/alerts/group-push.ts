import type { Context } from 'hono';
import type { GroupKey } from '../../contracts/instrument-group.ts';
import { instrumentGroup } from '../../durable-objects/stubs.ts';
import { describe } from '../../storage/database.ts';
import type { AuthEnv } from '../auth/policy.ts';

/**
 * Tells an alert's InstrumentGroup that the alert changed in Postgres, so it
 * is evaluated as changed from the next tick (the group reads the row
 * itself: durable-objects/alerts/group-alerts.ts). Postgres already holds
 * the change, so a failure here does not fail the request: the call is
 * retried after the answer (RETRY_DELAYS_MS), and past that the group picks
 * the change up at its next sync (every few minutes while it holds alerts,
 * and at every start).
 */
const RETRY_DELAYS_MS = [1_000, 5_000, 20_000];

export async function tellGroup(c: Context<AuthEnv>, group: GroupKey, ids: string[]): Promise<void> {
  try {
    await instrumentGroup(c.env, group).alertsChanged(ids);
  } catch (error) {
    console.warn(`alerts ${ids.join(', ')}: group ${group} did not take the change (retrying after the answer): ${describe(error)}`);
    c.executionCtx.waitUntil(retry(c.env, group, ids));
  }
}

async function retry(env: Cloudflare.Env, group: GroupKey, ids: string[]): Promise<void> {
  for (const delay of RETRY_DELAYS_MS) {
    await new Promise((resolve) => setTimeout(resolve, delay));
    try {
      await instrumentGroup(env, group).alertsChanged(ids);
      return;
    } catch (error) {
      console.warn(`alerts ${ids.join(', ')}: group ${group} still did not take the change: ${describe(error)}`);
    }
  }
  console.error(`alerts ${ids.join(', ')}: group ${group} will take the change at its next sync`);
}
