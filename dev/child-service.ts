import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Service } from './service.ts';

export type ChildOptions = {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Each output line goes here (already prefixed with the service name by the caller's log). */
  onLine?: (line: string) => void;
  /** How long SIGTERM may take before the process group gets SIGKILL. */
  stopGraceMs?: number;
  /**
   * Who gets SIGTERM: the whole group (default), or only the leader when it
   * shuts its own children down in a better way than a signal to each would.
   */
  stopSignalTarget?: 'group' | 'leader';
};

/**
 * Starts a command in its own process group, so that stopping it also stops
 * whatever it spawned (wrangler starts workerd): nothing is left holding a
 * port after Ctrl-C.
 */
export function spawnService(name: string, command: string, args: string[], options: ChildOptions = {}): Service & { child: ChildProcess } {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout, child.stderr]) {
    if (stream) createInterface({ input: stream }).on('line', (line) => options.onLine?.(line));
  }
  let stopping = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', () => resolve({ code: -1, signal: null }));
  });
  let spawnError: Error | undefined;
  child.once('error', (error) => (spawnError = error));
  const crashed = exited.then(({ code, signal }) => {
    if (stopping) return new Promise<string>(() => {});
    if (spawnError) return `${name} could not start: ${spawnError.message}`;
    return `${name} exited on its own (${signal ? `signal ${signal}` : `exit code ${code}`})`;
  });

  async function stop(): Promise<void> {
    stopping = true;
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    if (options.stopSignalTarget === 'leader') child.kill('SIGTERM');
    else signalGroup(child.pid, 'SIGTERM');
    const grace = options.stopGraceMs ?? 5000;
    const killed = await Promise.race([exited.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), grace).unref())]);
    if (killed) {
      signalGroup(child.pid, 'SIGKILL');
      await exited;
    }
    // The leader may exit before its children: make sure the group is gone.
    signalGroup(child.pid, 'SIGKILL');
  }

  return { name, pid: child.pid, child, stop, crashed };
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}
