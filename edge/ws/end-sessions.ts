import { hubConfig } from '../../contracts/hub-config.ts';
import type { EndedCredential } from '../../contracts/session-handoff.ts';
import { everySessionHub } from '../../durable-objects/stubs.ts';

/**
 * Closes the WebSocket sessions a credential opened once it stops being
 * valid (an API key revoked, a logout, a password change, a refresh token
 * reused), before the route answers, so a revoked key stops streaming at
 * once and not when its client happens to disconnect.
 *
 * Every hub is told, not only the user's: a user's sessions sit on the hub
 * their id maps to under the HUB_SHARDS of the version that opened them, and
 * while a change of HUB_SHARDS rolls out, two versions (two mappings) serve
 * at once. Each hub also remembers the ended credential for a while, so an
 * upgrade that an isolate still trusting it (AUTH_CACHE_TTL_MS) hands over
 * later is refused (durable-objects/session-hub/ended-credentials.ts).
 *
 * The revocation itself is already in Postgres: a hub that cannot be
 * reached is logged, not answered, and asking again (DELETE is idempotent,
 * so is a second logout) tries again.
 */
export async function endSessionsOf(env: Cloudflare.Env, userId: string, ended: EndedCredential): Promise<void> {
  const told = await Promise.allSettled(everySessionHub(env, hubConfig(env).shards).map((hub) => hub.endSessions(userId, ended)));
  const what = 'keyId' in ended ? `API key ${ended.keyId}` : `access tokens before epoch ${ended.epochFrom}`;
  told.forEach((result, n) => {
    if (result.status === 'rejected')
      console.error(`hub-${n} could not close the WebSocket sessions of user ${userId} opened with ${what}: ${String(result.reason)}`);
  });
}
