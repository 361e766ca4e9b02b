import { startDevStack } from '../dev/dev-stack.ts';

/**
 * What verifying a credential adds to a request, on the whole local stack
 * (`npm run dev` in a temporary directory): the same cached route
 * (`GET /instruments/stats`, answered from the isolate's memory) asked
 * without credentials, with a user's access token, and with an API key,
 * round-robin on one keep-alive connection so the three share every drift
 * of the machine. All three pay the same rate-limit round trip to Redis
 * (per address, per user, per key); the difference between them is the
 * verification: an HMAC and a cached epoch check for the token, a SHA-256
 * and a cached lookup for the key. Budget: 0.5 ms added at p50.
 */
type Row = { name: string; baseline: string; ratio: number; detail: string };

const ROUNDS = 1500;
const WARM_UP = 100;
const BUDGET_US = 500;
const PATH = '/instruments/stats';

export async function benchAuthVerify(): Promise<Row[]> {
  // Budgets far above this run's requests: the rate limit is paid, never hit.
  const stack = await startDevStack({ RATE_LIMIT_API: '1000000', RATE_LIMIT_IP: '1000000', RATE_LIMIT_AUTH: '1000' });
  try {
    const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
      const response = await fetch(`${stack.edgeUrl}${path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
      if (!response.ok) throw new Error(`${path}: HTTP ${response.status} ${await response.text()}`);
      return response.json() as Promise<Record<string, string>>;
    };
    const credentials = { email: 'bench@example.test', password: 'bench password 123' };
    await post('/auth/register', credentials);
    const { access_token } = await post('/auth/login', credentials);
    const key = await post('/api-keys', { name: 'bench', scopes: ['read'] }, { Authorization: `Bearer ${access_token}` });

    const variants = {
      none: {},
      token: { Authorization: `Bearer ${access_token}` },
      key: { Authorization: `token ${key.id}:${key.secret}` },
    } satisfies Record<string, Record<string, string>>;
    const times: Record<keyof typeof variants, number[]> = { none: [], token: [], key: [] };
    for (let round = 0; round < WARM_UP + ROUNDS; round++) {
      for (const name of Object.keys(variants) as (keyof typeof variants)[]) {
        const started = performance.now();
        const response = await fetch(`${stack.edgeUrl}${PATH}`, { headers: variants[name] });
        await response.arrayBuffer();
        const elapsed = performance.now() - started;
        if (response.status !== 200) throw new Error(`${name}: HTTP ${response.status}`);
        if (round >= WARM_UP) times[name].push(elapsed);
      }
    }
    const none = percentiles(times.none);
    const row = (name: string, measured: number[]): Row => {
      const with_ = percentiles(measured);
      const added = { p50: (with_.p50 - none.p50) * 1000, p95: (with_.p95 - none.p95) * 1000 };
      return {
        name,
        baseline: `${BUDGET_US} µs added at p50 (budget)`,
        ratio: added.p50 / BUDGET_US,
        detail: `${signed(added.p50)} µs at p50, ${signed(added.p95)} µs at p95 (p50 ${ms(with_.p50)} / p95 ${ms(with_.p95)} vs ${ms(none.p50)} / ${ms(none.p95)} without credentials; ${ROUNDS} requests each)`,
      };
    };
    return [
      row(`access token (Bearer JWT) verification, GET ${PATH} cache hit`, times.token),
      row(`API key (token id:secret) verification, GET ${PATH} cache hit`, times.key),
    ];
  } finally {
    await stack.stop();
  }
}

function percentiles(latencies: number[]): { p50: number; p95: number } {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  return { p50: at(0.5), p95: at(0.95) };
}

const ms = (value: number) => `${value.toFixed(2)} ms`;
const signed = (us: number) => `${us >= 0 ? '+' : '−'}${Math.abs(Math.round(us))}`;
