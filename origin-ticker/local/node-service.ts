import { spawnService } from './child-service.ts';
import type { Service } from './service.ts';

/**
 * Runs one of our own Node programs (the simulator, the origin) as a child
 * of `npm run dev`, its output passed through, and resolves once a line of
 * its output says it is ready. A line that says it failed, an early exit or
 * the timeout rejects, after stopping it.
 */
export async function startNodeService(options: {
  name: string;
  main: string;
  env: NodeJS.ProcessEnv;
  onLine: (line: string) => void;
  /** 'ready', 'failed: why', or undefined for lines that decide nothing. */
  readiness: (line: string) => 'ready' | `failed: ${string}` | undefined;
  startTimeoutMs?: number;
}): Promise<Service> {
  let settle: (outcome: { ready: true } | { failed: string }) => void = () => {};
  const outcome = new Promise<{ ready: true } | { failed: string }>((resolve) => (settle = resolve));
  const service = spawnService(options.name, process.execPath, [options.main], {
    env: options.env,
    onLine: (line) => {
      options.onLine(line);
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
    throw new Error(result.failed);
  }
  return service;
}
