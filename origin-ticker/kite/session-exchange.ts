import { spawn } from 'node:child_process';

/**
 * Kite's session exchange (kiteconnect's `generateSession`: request token
 * and api secret in, access token out), run in a child process of its own,
 * once a day or so. kiteconnect brings axios, whose first request probes
 * the fetch API and so loads Node's undici: over 10 MB that the origin
 * would carry for the rest of the day, and undici compiles WebAssembly,
 * which the origin (under `--jitless`) does not have. The request goes in
 * on stdin (never in arguments, which `ps` shows), the answer comes back on
 * stdout; a refusal rejects with Kite's `{ error_type, message }`, as
 * kiteconnect itself would.
 */
export type SessionRequest = { apiKey: string; kiteRoot: string; timeoutMs: number; requestToken: string; apiSecret: string };
export type SessionExchange = (request: SessionRequest) => Promise<unknown>;
export type KiteRefusal = { error_type?: string; message: string };
export type ExchangeAnswer = { ok: true; data: unknown } | { ok: false; error: KiteRefusal };

/** `cli`: session-exchange-cli.ts (or its build), which answers one request and exits. */
export function sessionExchangeProcess(cli: string): SessionExchange {
  return (request) =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--enable-source-maps', cli], { stdio: ['pipe', 'pipe', 'inherit'] });
      let output = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
      child.once('error', (error) => reject({ message: `the session exchange could not start: ${error.message}` } satisfies KiteRefusal));
      child.once('close', (code) => {
        let answer: ExchangeAnswer;
        try {
          answer = JSON.parse(output) as ExchangeAnswer;
        } catch {
          return reject({ message: `the session exchange process exited with code ${code} and no answer` } satisfies KiteRefusal);
        }
        if (answer.ok) resolve(answer.data);
        else reject(answer.error);
      });
      child.stdin.end(JSON.stringify(request));
    });
}
