import { type Database, DatabaseUnavailable } from '../../storage/database.ts';
import type { Role } from './principal.ts';
import { type Trust, TrustCache } from './trust-cache.ts';

/**
 * A user's standing: the role they hold today and their session epoch
 * (which logout and password change bump, refusing every access token
 * issued before). Read from Postgres at most once per AUTH_CACHE_TTL_MS per
 * isolate; undefined when the user no longer exists.
 */
export type Standing = { role: Role; epoch: number };

const standings = new TrustCache<Standing | undefined>(10_000, (error) => error instanceof DatabaseUnavailable);

export function userStanding(db: Database, userId: string, trust: Trust): Promise<Standing | undefined> {
  return standings.get(userId, trust, async () => {
    const { rows } = await db.query<{ role: Role; session_epoch: number }>('SELECT role, session_epoch FROM users WHERE id = $1', [userId]);
    const row = rows[0];
    return row && { role: row.role, epoch: row.session_epoch };
  });
}

/** After this isolate changed a user's epoch: the next request reads it afresh. */
export function forgetStanding(userId: string): void {
  standings.forget(userId);
}
