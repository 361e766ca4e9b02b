import type { EdgeConfig } from '../../contracts/worker-config.ts';
import type { Database } from '../../storage/database.ts';
import { verifyPassword } from './password.ts';

/**
 * Failed logins slow down and then lock their targets: the e-mail address
 * tried (LOGIN_LOCK_EMAIL_AFTER failures) and the address it came from
 * (LOGIN_LOCK_IP_AFTER), counted within LOGIN_FAILURE_WINDOW_MS. A locked
 * target is refused, right password or not, for LOGIN_LOCK_MS; then its
 * count starts again. Before that, each attempt on a target waits
 * LOGIN_SLOWDOWN_MS per recent failure (at most ten of them) *before* the
 * password is checked, so a wrong guess is not told apart from a right one
 * by answering sooner.
 *
 * Counters live in Postgres, which every login reads anyway: this
 * protection holds when Redis is down, unlike the rate limits. Targets are
 * strings, so an unregistered address locks exactly like a registered one.
 */
export type Throttle = { locked: false; delayMs: number } | { locked: true; retryAfterS: number };

const MAX_SLOWDOWN_STEPS = 10;

/**
 * A password check under the throttle (login, and the current password of
 * a password change): a locked target is refused before the password is
 * looked at, the slow-down is served, a failure is counted, and success
 * forgives the e-mail. `stored` undefined (no such user) fails after the
 * same work as a wrong password.
 */
export async function checkPassword(
  db: Database,
  config: EdgeConfig,
  who: { email: string; ip: string },
  password: string,
  stored: string | undefined,
  throttle: Throttle,
): Promise<'accepted' | 'refused' | { lockedForS: number }> {
  if (throttle.locked) return { lockedForS: throttle.retryAfterS };
  if (throttle.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, throttle.delayMs));
  if (await verifyPassword(password, stored)) {
    await clearLoginFailures(db, who.email);
    return 'accepted';
  }
  await recordLoginFailure(db, config, who.email, who.ip);
  return 'refused';
}

const targets = (email: string, ip: string) => [`email:${email}`, `ip:${ip}`];

export async function loginThrottle(db: Database, config: EdgeConfig, email: string, ip: string): Promise<Throttle> {
  const { rows } = await db.query<{ recent_failures: number; lock_left_ms: number | null }>(
    `SELECT CASE WHEN first_failed_at > now() - make_interval(secs => $2::float8 / 1000) THEN failures ELSE 0 END AS recent_failures,
            CASE WHEN locked_until > now() THEN ceil(extract(epoch FROM locked_until - now()) * 1000)::float8 END AS lock_left_ms
     FROM login_failures WHERE target = ANY($1)`,
    [targets(email, ip), config.login.failureWindowMs],
  );
  const lockLeftMs = Math.max(0, ...rows.map((r) => r.lock_left_ms ?? 0));
  if (lockLeftMs > 0) return { locked: true, retryAfterS: Math.ceil(lockLeftMs / 1000) };
  const failures = Math.max(0, ...rows.map((r) => r.recent_failures));
  return { locked: false, delayMs: config.login.slowdownMs * Math.min(failures, MAX_SLOWDOWN_STEPS) };
}

/**
 * Counts one failure against both targets, locking the ones that reach
 * their threshold. A count whose window or lock has run out starts again
 * at one. Rows of targets quiet for a whole window are cleared on the way.
 */
async function recordLoginFailure(db: Database, config: EdgeConfig, email: string, ip: string): Promise<void> {
  const { failureWindowMs, lockMs, lockEmailAfter, lockIpAfter } = config.login;
  // $2 the window, $3 the lock (ms); $4 and $5 the thresholds of e-mails and addresses.
  const window = 'make_interval(secs => $2::float8 / 1000)';
  const lock = 'make_interval(secs => $3::float8 / 1000)';
  const threshold = (target: string) => `(CASE WHEN ${target} LIKE 'email:%' THEN $4::int ELSE $5::int END)`;
  const startsAgain = `(f.first_failed_at < now() - ${window} OR f.locked_until <= now())`;
  const count = `(CASE WHEN ${startsAgain} THEN 1 ELSE f.failures + 1 END)`;
  await db.query(
    `WITH quiet AS (
       DELETE FROM login_failures
       WHERE first_failed_at < now() - ${window} AND (locked_until IS NULL OR locked_until < now()) AND target <> ALL($1)
     )
     INSERT INTO login_failures AS f (target, failures, first_failed_at, locked_until)
     SELECT target, 1, now(), CASE WHEN 1 >= ${threshold('target')} THEN now() + ${lock} END
     FROM unnest($1::text[]) AS target
     ON CONFLICT (target) DO UPDATE SET
       failures = ${count},
       first_failed_at = CASE WHEN ${startsAgain} THEN now() ELSE f.first_failed_at END,
       locked_until = CASE
         WHEN f.locked_until > now() THEN f.locked_until
         WHEN ${count} >= ${threshold('f.target')} THEN now() + ${lock}
       END`,
    [targets(email, ip), failureWindowMs, lockMs, lockEmailAfter, lockIpAfter],
  );
}

/** After a successful login: the e-mail's count is forgiven (the address's is not, or one own account would reset it). */
async function clearLoginFailures(db: Database, email: string): Promise<void> {
  await db.query('DELETE FROM login_failures WHERE target = $1', [`email:${email}`]);
}
