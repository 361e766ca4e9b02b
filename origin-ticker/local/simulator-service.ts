import { fileURLToPath } from 'node:url';
import { spawnService } from './child-service.ts';
import type { Service } from './service.ts';

const MAIN = fileURLToPath(new URL('../kite-sim/main.ts', import.meta.url));

/**
 * Runs the Kite simulator (`npm run sim`) as a child of `npm run dev`, and
 * resolves once it says it is up, with the access token it printed.
 */
export async function startSimulatorService(options: {
  port: number;
  onLine: (line: string) => void;
  startTimeoutMs?: number;
}): Promise<Service & { restRoot: string; tickerRoot: string; accessToken: string }> {
  let settle: (token: string) => void = () => {};
  const ready = new Promise<string>((resolve) => (settle = resolve));
  let accessToken = '';
  const service = spawnService('kite-sim', process.execPath, [MAIN], {
    env: { ...process.env, SIM_PORT: String(options.port) },
    onLine: (line) => {
      options.onLine(line);
      const token = /access_token\s+([0-9a-f]{32})/.exec(line)?.[1];
      if (token) accessToken = token;
      if (line.includes('faults ')) settle(accessToken); // the last line of its banner
    },
  });
  const timeoutMs = options.startTimeoutMs ?? 30_000;
  const outcome = await Promise.race([
    ready.then((token) => ({ token })),
    service.crashed.then((failed) => ({ failed })),
    new Promise<{ failed: string }>((r) => setTimeout(() => r({ failed: `the Kite simulator did not start within ${timeoutMs / 1000} s` }), timeoutMs).unref()),
  ]);
  if ('failed' in outcome) {
    await service.stop();
    throw new Error(outcome.failed);
  }
  return {
    ...service,
    restRoot: `http://127.0.0.1:${options.port}`,
    tickerRoot: `ws://127.0.0.1:${options.port}/ws`,
    accessToken: outcome.token,
  };
}
