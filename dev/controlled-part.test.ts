import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnService } from './child-service.ts';
import { ControlledPart, PartConflict } from './controlled-part.ts';

/**
 * A part of the local platform stopped, started, hung and let go on
 * purpose, on real processes: a shell that starts a child of its own in a
 * session of its own (as Postgres does with each backend), so a hang that
 * signalled only the process group would miss it.
 */
const started: ControlledPart[] = [];
afterEach(async () => {
  for (const part of started.splice(0)) await part.stop();
});

/** The scheduler's state of a process (R, S, T, …), or undefined once it is gone. */
function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}

function startSleeper() {
  // `setsid sleep` puts the grandchild in a session of its own; its pid is printed for the test.
  let grandchild = 0;
  const service = spawnService('sleeper', 'sh', ['-c', 'setsid sleep 60 & echo $!; wait'], { onLine: (line) => (grandchild = Number(line)) });
  return { service, grandchild: () => grandchild };
}

async function until(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`no ${what} within 5 s`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('ControlledPart', () => {
  it('hangs every process of the part, lets it go, stops it and starts it again, without calling it a crash', async () => {
    const crashes: string[] = [];
    const first = startSleeper();
    const part = new ControlledPart(
      first.service,
      async () => startSleeper().service,
      (how) => crashes.push(how),
    );
    started.push(part);
    await until('the grandchild', () => first.grandchild() > 0);
    const [leader, grandchild] = [first.service.pid as number, first.grandchild()];

    expect(await part.apply('pause')).toEqual({ name: 'sleeper', state: 'paused', pid: leader });
    await until('both stopped', () => processState(leader) === 'T' && processState(grandchild) === 'T');
    expect(await part.apply('resume')).toMatchObject({ state: 'running' });
    await until('both running', () => processState(leader) !== 'T' && processState(grandchild) !== 'T');

    await part.apply('pause');
    expect(await part.apply('stop')).toEqual({ name: 'sleeper', state: 'stopped', pid: null });
    await until('the leader gone', () => processState(leader) === undefined || processState(leader) === 'Z');

    const again = await part.apply('start');
    expect(again.state).toBe('running');
    expect(again.pid).not.toBe(leader);
    expect(crashes).toEqual([]);
  });

  it('kills every process of the part at once, paused or not, without calling it a crash, and starts it again', async () => {
    const crashes: string[] = [];
    const first = startSleeper();
    const part = new ControlledPart(
      first.service,
      async () => startSleeper().service,
      (how) => crashes.push(how),
    );
    started.push(part);
    await until('the grandchild', () => first.grandchild() > 0);
    const [leader, grandchild] = [first.service.pid as number, first.grandchild()];
    await part.apply('pause');
    expect(await part.apply('kill')).toEqual({ name: 'sleeper', state: 'stopped', pid: null });
    await until('both gone', () => [leader, grandchild].every((pid) => processState(pid) === undefined || processState(pid) === 'Z'));
    await expect(part.apply('kill')).rejects.toThrow('sleeper is stopped: only a running or paused part can be killed');
    expect((await part.apply('start')).state).toBe('running');
    expect(crashes).toEqual([]);
  });

  it('refuses what its state does not allow, and hands a death of its own to onCrash', async () => {
    const crashes: string[] = [];
    const first = startSleeper();
    const part = new ControlledPart(
      first.service,
      async () => startSleeper().service,
      (how) => crashes.push(how),
    );
    started.push(part);
    await expect(part.apply('start')).rejects.toThrow(new PartConflict('sleeper is running: only a stopped part can be started'));
    await expect(part.apply('resume')).rejects.toThrow('sleeper is running: only a paused part can be resumed');

    process.kill(first.service.pid as number, 'SIGKILL');
    await until('the crash reported', () => crashes.length > 0);
    expect(crashes).toEqual(['sleeper exited on its own (signal SIGKILL)']);
    expect(part.status).toEqual({ name: 'sleeper', state: 'stopped', pid: null });
    await expect(part.apply('pause')).rejects.toThrow('sleeper is stopped: only a running part can be paused');
  });
});
