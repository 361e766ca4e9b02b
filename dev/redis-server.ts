import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { createConnection } from 'node:net';
import { delimiter, join } from 'node:path';
import { spawnService } from './child-service.ts';
import type { Service } from './service.ts';

/** Finds redis-server on PATH (and in /usr/sbin, where Debian may put it). */
export function findRedisServer(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin'];
  for (const dir of dirs) {
    const candidate = join(dir, 'redis-server');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * Finds redis-server, installing Debian's package when we are root on a
 * machine with apt-get. Returns the path, or the reason it cannot be had and
 * the command that would fix it.
 */
export function ensureRedisServer(log: (line: string) => void): { path: string } | { missing: string } {
  const found = findRedisServer();
  if (found) return { path: found };
  const canInstall = process.getuid?.() === 0 && spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
  if (!canInstall) {
    return { missing: 'redis-server is not installed; install it with: sudo apt-get install -y redis-server (or set REDIS_URL)' };
  }
  log('redis-server not found: installing Debian package redis-server with apt-get (once)…');
  const install = spawnSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  const installed = findRedisServer();
  if (install.status !== 0 || !installed) {
    return { missing: `apt-get install redis-server failed: ${install.stderr.trim().split('\n').pop() ?? 'no output'}` };
  }
  log(`installed ${installed}`);
  return { path: installed };
}

export type RedisServerOptions = {
  binary: string;
  port: number;
  /** Working directory for the server (it keeps no data: the cache is disposable). */
  dir: string;
  onLine?: (line: string) => void;
};

/** Starts a private redis-server on 127.0.0.1 and resolves once it answers PING. */
export async function startRedisServer(options: RedisServerOptions): Promise<Service & { url: string }> {
  mkdirSync(options.dir, { recursive: true });
  // redis-server says why it stopped on its own output ("Address already in
  // use", a bad option): keep the last lines so a failed start names its cause.
  const lastLines: string[] = [];
  const onLine = (line: string) => {
    lastLines.push(line);
    if (lastLines.length > 5) lastLines.shift();
    options.onLine?.(line);
  };
  const service = spawnService(
    'redis',
    options.binary,
    ['--port', String(options.port), '--bind', '127.0.0.1', '--dir', options.dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
    { onLine, stopGraceMs: 3000 },
  );
  const url = `redis://127.0.0.1:${options.port}`;
  const ready = await Promise.race([waitForPing(options.port, 10_000), service.crashed]);
  if (ready !== true) {
    await service.stop();
    const why = typeof ready === 'string' ? ready : `redis-server did not answer PING on port ${options.port} within 10 s`;
    throw new Error(lastLines.length > 0 ? `${why}; it said:\n    ${lastLines.join('\n    ')}` : why);
  }
  return { ...service, url };
}

/** Resolves true once a Redis at 127.0.0.1:port answers PING, false after `ms`. */
export async function waitForPing(port: number, ms: number, host = '127.0.0.1'): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await ping(host, port)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

function ping(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}
