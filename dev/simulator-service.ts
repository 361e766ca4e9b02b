import { fileURLToPath } from 'node:url';
import { startNodeService } from './node-service.ts';
import type { Service } from './service.ts';

const MAIN = fileURLToPath(new URL('../kite-sim/main.ts', import.meta.url));

/**
 * Runs the Kite simulator (`npm run sim`) as a child of `npm run dev`, and
 * resolves once it is up, with the access token it printed.
 */
export async function startSimulatorService(options: {
  port: number;
  /** Where its login page sends the browser back with the request_token: the origin's /login/callback. */
  redirectUrl: string;
  /** SIM_PONG_TIMEOUT_MS: cut a ticker client that answers no ping for this long (0: never). */
  pongTimeoutMs?: number;
  onLine: (line: string) => void;
}): Promise<Service & { restRoot: string; tickerRoot: string; accessToken: string }> {
  let accessToken = '';
  const service = await startNodeService({
    name: 'kite-sim',
    main: MAIN,
    env: { ...process.env, SIM_PORT: String(options.port), SIM_REDIRECT_URL: options.redirectUrl, SIM_PONG_TIMEOUT_MS: String(options.pongTimeoutMs ?? 0) },
    onLine: options.onLine,
    readiness: (line) => {
      accessToken = /access_token\s+([0-9a-f]{32})/.exec(line)?.[1] ?? accessToken;
      return line.includes('faults ') ? 'ready' : undefined; // the last line of its banner
    },
    startTimeoutMs: 30_000,
  });
  return { ...service, restRoot: `http://127.0.0.1:${options.port}`, tickerRoot: `ws://127.0.0.1:${options.port}/ws`, accessToken };
}
