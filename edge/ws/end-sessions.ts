import { hubConfig } from '../../contracts/hub-config.ts';
import type { EndedCredential } from '../../contracts/session-handoff.ts';
import { sessionHubOf } from '../../durable-objects/stubs.ts';

/**
 * Closes the WebSocket sessions a credential opened once it stops being
 * valid (an API key revoked, a logout, a password change), so a revoked
 * key stops streaming at once and not when its client happens to
 * disconnect. Every session of a user lives on one hub, so this is one call.
 * The revocation itself is already in Postgres: a failure here is logged,
 * not answered, and asking again (DELETE is idempotent) tries again.
 */
export async function endSessionsOf(env: Cloudflare.Env, userId: string, ended: EndedCredential): Promise<void> {
  try {
    await sessionHubOf(env, userId, hubConfig(env).shards).endSessions(userId, ended);
  } catch (error) {
    const what = 'keyId' in ended ? `API key ${ended.keyId}` : `access tokens before epoch ${ended.epochFrom}`;
    console.error(`could not close the WebSocket sessions of user ${userId} opened with ${what}: ${String(error)}`);
  }
}
