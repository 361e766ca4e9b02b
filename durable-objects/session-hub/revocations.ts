import type { EndedCredential } from '../../contracts/session-handoff.ts';
import { endedReason, openedWith } from './ended-credential.ts';
import type { Attachment } from './session.ts';

/**
 * What a hub remembers of the credentials that ended (every hub is told:
 * edge/ws/end-sessions.ts): per user, the session epoch before which access
 * tokens are ended, and the API keys revoked. The worker authenticates an
 * upgrade against its isolate's cache, which may still trust an ended
 * credential for AUTH_CACHE_TTL_MS (up to AUTH_OUTAGE_GRACE_MS more while
 * Postgres is down) when the isolate is not the one that ended it; the hub
 * an upgrade then reaches refuses it, so no session opens after the answer
 * that ended its credential.
 *
 * Each is kept REVOCATION_MEMORY_MS in SQLite, longer than either window
 * (at most 60 s and 1 h) and than an access token lives (at most 24 h),
 * then the alarm forgets it.
 */
export const REVOCATION_MEMORY_MS = 25 * 60 * 60_000;

/** The row of a user's epoch (an API key's row has its id). */
const EPOCH_ROW = '';

export class Revocations {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    this.#sql.exec(
      'CREATE TABLE IF NOT EXISTS revocations (user_id TEXT NOT NULL, key_id TEXT NOT NULL, epoch_from INTEGER NOT NULL, ended_at REAL NOT NULL, PRIMARY KEY (user_id, key_id))',
    );
  }

  record(userId: string, ended: EndedCredential, now: number): void {
    const [keyId, epochFrom] = 'keyId' in ended ? [ended.keyId, 0] : [EPOCH_ROW, ended.epochFrom];
    this.#sql.exec(
      `INSERT INTO revocations (user_id, key_id, epoch_from, ended_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (user_id, key_id) DO UPDATE SET epoch_from = max(epoch_from, excluded.epoch_from), ended_at = excluded.ended_at`,
      userId,
      keyId,
      epochFrom,
      now,
    );
  }

  /** Why a session of this credential may not open (its credential ended), or undefined when it may. */
  refusal(session: Pick<Attachment, 'userId' | 'keyId' | 'epoch'>): string | undefined {
    const rows = this.#sql.exec<{ key_id: string; epoch_from: number }>('SELECT key_id, epoch_from FROM revocations WHERE user_id = ?', session.userId);
    for (const row of rows) {
      const ended: EndedCredential = row.key_id === EPOCH_ROW ? { epochFrom: row.epoch_from } : { keyId: row.key_id };
      if (openedWith(ended)(session)) return endedReason(ended);
    }
    return undefined;
  }

  forgetOld(now: number): void {
    this.#sql.exec('DELETE FROM revocations WHERE ended_at <= ?', now - REVOCATION_MEMORY_MS);
  }

  /** When the oldest is due to be forgotten; null when none is kept. */
  nextForgetAt(): number | null {
    const oldest = this.#sql.exec<{ at: number | null }>('SELECT min(ended_at) AS at FROM revocations').one().at;
    return oldest === null ? null : oldest + REVOCATION_MEMORY_MS;
  }
}
