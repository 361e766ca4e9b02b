import { type Database, DatabaseUnavailable } from '../../storage/database.ts';
import { readStanding, type Standing } from '../../storage/user-standing.ts';
import { type Trust, TrustCache } from './trust-cache.ts';

/**
 * A user's standing (storage/user-standing.ts: role and session epoch),
 * read from Postgres at most once per AUTH_CACHE_TTL_MS per isolate.
 */
const standings = new TrustCache<Standing | undefined>(10_000, (error) => error instanceof DatabaseUnavailable);

export function userStanding(db: Database, userId: string, trust: Trust): Promise<Standing | undefined> {
  return standings.get(userId, trust, () => readStanding(db, userId));
}

/** After this isolate changed a user's epoch: the next request reads it afresh. */
export function forgetStanding(userId: string): void {
  standings.forget(userId);
}
