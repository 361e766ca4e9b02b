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
 * Every attempt reserves its place in the count in one statement before
 * the password is looked at, and one past a threshold is refused without
 * a check: guesses sent all at once cannot outrun the count (they did when
 * it was read, the password checked, and the failure written after).
 * A right password gives its reservation back; a wrong one keeps it, and
 * locks the target that reached its threshold.
 *
 * Counters live in Postgres, which every login reads anyway: this
 * protection holds when Redis is down, unlike the rate limits. Targets are
 * strings, so an unregistered address locks exactly like a registered one.
 */
export type Throttle = { locked: false; delayMs: number } | { locked: true; retryAfterS: number };

const MAX_SLOWDOWN_STEPS = 10;

/**
 * A password check under the throttle (login, and the current password of
 * a password change), given the attempt's reservation: a locked target is
 * refused before the password is looked at, the slow-down is served, a
 * failure locks what reached its threshold, and success forgives the
 * e-mail. `stored` undefined (no such user) fails after the same work as a
 * wrong password.
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
    await forgive(db, who.email, who.ip);
    return 'accepted';
  }
  await lockWhatReachedItsThreshold(db, config, who.email, who.ip);
  return 'refused';
}

const targets = (email: string, ip: string) => [`email:${email}`, `ip:${ip}`];
const threshold = (target: string, config: EdgeConfig) => (target.startsWith('email:') ? config.login.lockEmailAfter : config.login.lockIpAfter);

/**
 * Counts this attempt against both targets, atomically, and says whether
 * it may go on: not while a target is locked, nor when the attempt is past
 * a target's threshold (the ones before it are being checked). A count
 * whose window or lock has run out starts again at one. Rows of targets
 * quiet for a whole window are cleared on the way.
 */
export async function reserveLoginAttempt(db: Database, config: EdgeConfig, email: string, ip: string): Promise<Throttle> {
  const { failureWindowMs, lockMs, slowdownMs } = config.login;
  // $2 the window (ms).
  const window = 'make_interval(secs => $2::float8 / 1000)';
  const startsAgain = `(f.first_failed_at < now() - ${window} OR f.locked_until <= now())`;
  const { rows } = await db.query<{ target: string; failures: number; lock_left_ms: number | null }>(
    `WITH quiet AS (
       DELETE FROM login_failures
       WHERE first_failed_at < now() - ${window} AND (locked_until IS NULL OR locked_until < now()) AND target <> ALL($1)
     )
     INSERT INTO login_failures AS f (target, failures, first_failed_at, locked_until)
     SELECT target, 1, now(), NULL FROM unnest($1::text[]) AS target
     ON CONFLICT (target) DO UPDATE SET
       failures = CASE WHEN ${startsAgain} THEN 1 ELSE f.failures + 1 END,
       first_failed_at = CASE WHEN ${startsAgain} THEN now() ELSE f.first_failed_at END,
       locked_until = CASE WHEN f.locked_until > now() THEN f.locked_until END
     RETURNING target, failures,
       CASE WHEN locked_until > now() THEN ceil(extract(epoch FROM locked_until - now()) * 1000)::float8 END AS lock_left_ms`,
    [targets(email, ip), failureWindowMs],
  );
  const lockLeftMs = Math.max(0, ...rows.map((r) => r.lock_left_ms ?? 0));
  if (lockLeftMs > 0) return { locked: true, retryAfterS: Math.ceil(lockLeftMs / 1000) };
  // Past the threshold while the attempts before it are checked: the lock they are about to set is as good as set.
  if (rows.some((r) => r.failures > threshold(r.target, config))) return { locked: true, retryAfterS: Math.ceil(lockMs / 1000) };
  const before = Math.max(0, ...rows.map((r) => r.failures - 1));
  return { locked: false, delayMs: slowdownMs * Math.min(before, MAX_SLOWDOWN_STEPS) };
}

/** After a wrong password: the attempt's reservation stands as a failure, and a target at its threshold is locked. */
async function lockWhatReachedItsThreshold(db: Database, config: EdgeConfig, email: string, ip: string): Promise<void> {
  const { lockMs, lockEmailAfter, lockIpAfter } = config.login;
  await db.query(
    `UPDATE login_failures SET locked_until = now() + make_interval(secs => $2::float8 / 1000)
     WHERE target = ANY($1)
       AND failures >= CASE WHEN target LIKE 'email:%' THEN $3::int ELSE $4::int END
       AND (locked_until IS NULL OR locked_until <= now())`,
    [targets(email, ip), lockMs, lockEmailAfter, lockIpAfter],
  );
}

/**
 * After a right password: the e-mail's count is forgiven, and the address
 * gets this attempt's reservation back (not its count: or one own account
 * would reset the count of an address guessing at others).
 */
async function forgive(db: Database, email: string, ip: string): Promise<void> {
  await db.query(
    `WITH forgiven AS (DELETE FROM login_failures WHERE target = $1)
     UPDATE login_failures SET failures = failures - 1 WHERE target = $2 AND failures > 0`,
    [`email:${email}`, `ip:${ip}`],
  );
}
