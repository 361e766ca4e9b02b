import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';
import { ListQuery, SearchQuery } from '../contracts/instruments-api.ts';
import { countQuery, pageQuery } from '../edge/instruments/filter.ts';
import { searchQuery } from '../edge/instruments/search.ts';
import { originConfig } from '../origin-ticker/config.ts';
import { freePort } from '../origin-ticker/local/ports.ts';
import { runSync } from '../origin-ticker/registry/run-sync.ts';

/**
 * The instruments API on the whole local stack (`npm run dev` in a temporary
 * directory): autocannon drives list, search and stats through wrangler dev
 * one request at a time,
 * once with every request hitting the cache and once with every request a
 * miss (a fresh offset or query each time), and the same SQL runs straight
 * against Postgres from this process as the baseline. autocannon reports
 * p97.5, not p95, so both sides are compared at p97.5 (the stricter one).
 * A full sync is timed against its 10 s budget.
 */
type Row = { name: string; baseline: string; ratio: number; detail: string };

const DEV = fileURLToPath(new URL('../origin-ticker/local/dev.ts', import.meta.url));
const SECONDS = 5;
/** One request at a time: the percentiles are latency, not queueing on 2 shared cores. */
const CONNECTIONS = 1;

export async function benchInstrumentsApi(): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-api-'));
  chmodSync(dir, 0o755);
  const ports = { EDGE_PORT: await freePort(), PG_PORT: await freePort(), NEON_RELAY_PORT: await freePort(), REDIS_PORT: await freePort(), REDIS_BRIDGE_PORT: await freePort(), SIM_PORT: await freePort() };
  const dev = spawn(process.execPath, [DEV], {
    env: { ...process.env, LOCAL_STATE_DIR: join(dir, 'state'), ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    await waitForLine(dev, 'platform is up', 180_000);
    const base = `http://127.0.0.1:${ports.EDGE_PORT}`;
    const databaseUrl = `postgres://postgres:postgres@127.0.0.1:${ports.PG_PORT}/kite_edge`;
    const pool = new pg.Pool({ connectionString: databaseUrl, max: CONNECTIONS });
    await pool.query('SELECT 1'); // the baseline starts on an open connection
    const symbols = (await pool.query<{ s: string }>("SELECT DISTINCT left(tradingsymbol, 6) AS s FROM instruments WHERE is_active")).rows.map((r) => r.s);

    const listParams = 'exchange=NFO&instrument_type=CE&limit=50';
    const list = ListQuery.parse(Object.fromEntries(new URLSearchParams(listParams)));
    let n = 0;
    const cases = [
      {
        name: 'list',
        hit: `/instruments/list?${listParams}`,
        miss: () => `/instruments/list?${listParams}&offset=${++n % 1000}`,
        direct: async () => {
          const q = { ...list, offset: ++n % 1000 };
          const page = pageQuery(q, undefined);
          const count = countQuery(q);
          await Promise.all([pool.query(page.text, page.values), pool.query(count.text, count.values)]);
        },
      },
      {
        name: 'search',
        hit: '/instruments/search?q=relaince',
        miss: () => `/instruments/search?q=${encodeURIComponent(symbols[++n % symbols.length] ?? 'NIFTY')}`,
        direct: async () => {
          const sql = searchQuery(SearchQuery.parse({ q: symbols[++n % symbols.length] ?? 'NIFTY' }));
          await pool.query(sql.text, sql.values);
        },
      },
    ];

    const rows: Row[] = [];
    for (const c of cases) {
      const direct = await timeDirect(c.direct);
      const hit = await load(base, () => c.hit);
      const miss = await load(base, c.miss);
      rows.push(
        { name: `${c.name}, cache hit`, baseline: 'same SQL straight to Postgres (p97.5)', ratio: hit.p97 / Math.max(direct.p97, 1), detail: `p50 ${hit.p50} / p97.5 ${hit.p97} / p99 ${hit.p99} ms, ${hit.rps} req/s (direct p97.5 ${direct.p97} ms)` },
        { name: `${c.name}, cache miss`, baseline: 'same SQL straight to Postgres (p97.5)', ratio: miss.p97 / Math.max(direct.p97, 1), detail: `p50 ${miss.p50} / p97.5 ${miss.p97} / p99 ${miss.p99} ms, ${miss.rps} req/s (direct p97.5 ${direct.p97} ms)` },
      );
    }
    const stats = await load(base, () => '/instruments/stats');
    rows.push({ name: 'stats, cache hit', baseline: '—', ratio: Number.NaN, detail: `p50 ${stats.p50} / p97.5 ${stats.p97} / p99 ${stats.p99} ms, ${stats.rps} req/s` });
    await pool.end();

    const sync = await runSync({ ...originConfig({ DATABASE_URL: databaseUrl, KITE_API_ROOT: `http://127.0.0.1:${ports.SIM_PORT}` }) });
    rows.push({ name: `full registry sync (${sync.rows} instruments)`, baseline: '10 s (budget)', ratio: sync.durationMs / 10_000, detail: `${(sync.durationMs / 1000).toFixed(1)} s` });
    return rows;
  } finally {
    dev.kill('SIGTERM');
    await new Promise((r) => dev.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

async function load(base: string, path: () => string) {
  const result = await autocannon({
    url: base,
    connections: CONNECTIONS,
    duration: SECONDS,
    requests: [{ setupRequest: (req) => ({ ...req, path: path() }) }],
  });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${result.non2xx} non-2xx answers and ${result.errors} errors`);
  return { p50: result.latency.p50, p97: result.latency.p97_5, p99: result.latency.p99, rps: Math.round(result.requests.average) };
}

/** The baseline: the same SQL from this process through a pool, as many in flight as autocannon keeps. */
async function timeDirect(run: () => Promise<void>) {
  const latencies: number[] = [];
  const until = Date.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (Date.now() < until) {
        const start = performance.now();
        await run();
        latencies.push(performance.now() - start);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const at = (q: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0);
  return { p50: at(0.5), p97: at(0.975), p99: at(0.99) };
}

function waitForLine(child: ChildProcess, text: string, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`no "${text}" within ${ms / 1000} s:\n${out.slice(-2000)}`)), ms);
    const onData = (d: Buffer) => {
      out += d;
      if (out.includes(text)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`npm run dev exited with ${code}:\n${out.slice(-2000)}`)));
  });
}
