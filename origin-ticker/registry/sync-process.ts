import { spawn } from 'node:child_process';
import { programBeside } from '../programs.ts';

/**
 * Runs one instrument sync (`npm run sync`) in a child process and resolves
 * when it succeeds. The origin does not parse Kite's dump in its own
 * process: parsing and loading ~100,000 rows takes seconds of CPU, which
 * would stall the Kite sockets' heartbeat watchdog, and leaves a heap of a
 * few hundred MB that V8 keeps long after (the origin's budget is 80 MB).
 * The child's lines go to the origin's own output; `signal` stops it.
 */
export function runSyncProcess(env: Record<string, string | undefined>, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--enable-source-maps', programBeside('registry/sync-cli')], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'inherit'],
      signal,
    });
    child.once('error', (error) => reject(signal.aborted ? new Error('the sync was stopped') : error));
    child.once('exit', (code, killedBy) => {
      if (code === 0) resolve();
      else reject(new Error(killedBy ? `the sync process was stopped by ${killedBy}` : `the sync process exited with code ${code} (its log says why)`));
    });
  });
}
