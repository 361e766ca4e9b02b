import { KiteConnect } from 'kiteconnect';
import type { ExchangeAnswer, SessionRequest } from './session-exchange.ts';

/**
 * One Kite session exchange, for the origin's login (session-exchange.ts):
 * a SessionRequest as JSON on stdin, an ExchangeAnswer as JSON on stdout.
 */
async function exchange(): Promise<ExchangeAnswer> {
  let input = '';
  for await (const chunk of process.stdin) input += chunk;
  const request = JSON.parse(input) as SessionRequest;
  try {
    const kite = new KiteConnect({ api_key: request.apiKey, root: request.kiteRoot, timeout: request.timeoutMs });
    return { ok: true, data: await kite.generateSession(request.requestToken, request.apiSecret) };
  } catch (error) {
    // kiteconnect rejects with Kite's { error_type, message }, or with a network error.
    const e = (typeof error === 'object' && error !== null ? error : {}) as { error_type?: unknown; message?: unknown };
    return {
      ok: false,
      error: { ...(typeof e.error_type === 'string' ? { error_type: e.error_type } : {}), message: typeof e.message === 'string' ? e.message : String(error) },
    };
  }
}

// Not a top-level await: the origin runs this from its CommonJS build (origin-ticker/build.ts).
exchange().then(
  (answer) => process.stdout.write(JSON.stringify(answer)),
  (error: unknown) => {
    process.stdout.write(
      JSON.stringify({ ok: false, error: { message: `the session exchange failed: ${(error as Error).message}` } } satisfies ExchangeAnswer),
    );
  },
);
