import { spawnService } from './child-service.ts';
import type { Service } from './service.ts';

/**
 * Runs one of our own Node programs (embedded Postgres, the simulator, the
 * origin) as a child of `npm run dev`, and resolves once a line of its
 * output says it is ready. A line that says it failed, an early exit or the
 * timeout rejects, after stopping it, quoting its last lines of output.
 */
export async function startNodeService(options: {
  name: string;
  main: string;
  /** Node's own flags, before `main`. */
  nodeArgs?: string[];
  args?: string[];
  env?: NodeJS.ProcessEnv;
  onLine?: (line: string) => void;
  /** 'ready', 'failed: why', or undefined for lines that decide nothing. */
  readiness: (line: string) => 'ready' | `failed: ${string}` | undefined;
  startTimeoutMs?: number;
  /** Passed to spawnService: who gets SIGTERM, and how long it may take. */
  stopSignalTarget?: 'group' | 'leader';
  stopGraceMs?: number;
}): Promise<Service> {
  const recent: string[] = [];
  let settle: (outcome: { ready: true } | { failed: string }) => void = () => {};
  const outcome = new Promise<{ ready: true } | { failed: string }>((resolve) => (settle = resolve));
  const service = spawnService(options.name, process.execPath, [...(options.nodeArgs ?? []), options.main, ...(options.args ?? [])], {
    env: options.env ?? process.env,
    stopSignalTarget: options.stopSignalTarget,
    stopGraceMs: options.stopGraceMs,
    onLine: (line) => {
      recent.push(line);
      if (recent.length > 15) recent.shift();
      options.onLine?.(line);
      const verdict = options.readiness(line);
      if (verdict === 'ready') settle({ ready: true });
      else if (verdict) settle({ failed: `${options.name}: ${verdict.slice('failed: '.length)}` });
    },
  });
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  const result = await Promise.race([
    outcome,
    service.crashed.then((failed) => ({ failed })),
    new Promise<{ failed: string }>((r) => setTimeout(() => r({ failed: `${options.name} was not ready within ${timeoutMs / 1000} s` }), timeoutMs).unref()),
  ]);
  if ('failed' in result) {
    await service.stop();
    const tail = recent.length ? `\n  last lines from ${options.name}:\n${recent.map((l) => `    ${l}`).join('\n')}` : '';
    throw new Error(`${result.failed}${tail}`);
  }
  return service;
}
