import type { Database } from './database.ts';

/**
 * A user's standing as Postgres holds it: the role they have today and
 * their session epoch (logout and a password change move it on, refusing
 * every access token issued under an earlier one). Read by the worker for
 * every access token (through its cache, edge/auth/user-standing.ts) and by
 * a SessionHub for the fresh token a live session sends (`reauth`).
 * Undefined when the user no longer exists.
 */
export type Standing = { role: 'user' | 'admin'; epoch: number };

export async function readStanding(db: Database, userId: string): Promise<Standing | undefined> {
  const { rows } = await db.query<{ role: Standing['role']; session_epoch: number }>('SELECT role, session_epoch FROM users WHERE id = $1', [userId]);
  const row = rows[0];
  return row && { role: row.role, epoch: row.session_epoch };
}
