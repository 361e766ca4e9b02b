/**
 * Whether a process of this user has this pid: the check behind a pid file
 * (postmaster.pid, the port reservations). Signal 0 checks without sending.
 * EPERM counts as no: the processes such files name are this user's, so
 * another user's process there only reused the pid (Postgres reads its own
 * lock file the same way). Not a pid at all (a pid file's garbage, 0, a
 * negative number) is no process.
 */
export function processIsAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
