import pg from 'pg';
import { ListQuery, SearchQuery } from '../contracts/instruments-api.ts';
import { startDevStack } from '../dev/dev-stack.ts';
import { countQuery, pageQuery } from '../edge/instruments/filter.ts';
import { searchQuery } from '../edge/instruments/search.ts';
import { syncConfig } from '../origin-ticker/config.ts';
import { runSync } from '../origin-ticker/registry/run-sync.ts';
import { describeLatency as describe, type Latency, loadOneAtATime, ms, percentiles, timeDirect } from './request-latency.ts';

/**
 * The instruments API on the whole local stack (`npm run dev` in a temporary
 * directory): autocannon drives list, search and stats through wrangler dev
 * one request at a time, once with every request hitting the cache and once
 * with every request a miss (a fresh offset or query each time), and the same
 * SQL runs straight against Postgres from this process as the baseline.
 * Percentiles come from every response's own time (autocannon's summary has
 * no p95). A route that touches nothing (an unknown path's 404) gives the
 * floor of the stack itself. Stats has one answer per dataset version, so its
 * misses are forced by a new version before each request. A full sync is
 * timed against its 10 s budget.
 */
type Row = { name: string; baseline: string; ratio: number; detail: string };

export async function benchInstrumentsApi(): Promise<Row[]> {
  const stack = await startDevStack();
  try {
    const base = stack.edgeUrl;
    const databaseUrl = stack.databaseUrl;
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
    await pool.query('SELECT 1'); // the baseline starts on an open connection
    const symbols = (await pool.query<{ s: string }>('SELECT DISTINCT left(tradingsymbol, 6) AS s FROM instruments WHERE is_active')).rows.map((r) => r.s);

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

    const floor = await loadOneAtATime(base, () => '/no-such-route', { expectedStatus: 404 });
    const rows: Row[] = [{ name: 'unknown path (404), the floor of wrangler dev', baseline: '—', ratio: Number.NaN, detail: `${describe(floor)}` }];
    for (const c of cases) {
      const direct = await timeDirect(c.direct);
      const hit = await loadOneAtATime(base, () => c.hit);
      const miss = await loadOneAtATime(base, c.miss);
      rows.push(
        {
          name: `${c.name}, cache hit`,
          baseline: 'same SQL straight to Postgres (p95)',
          ratio: hit.p95 / direct.p95,
          detail: `${describe(hit)} (direct p95 ${ms(direct.p95)})`,
        },
        {
          name: `${c.name}, cache miss`,
          baseline: 'same SQL straight to Postgres (p95)',
          ratio: miss.p95 / direct.p95,
          detail: `${describe(miss)} (direct p95 ${ms(direct.p95)})`,
        },
      );
    }
    const statsSql = 'SELECT id::float8 AS id, synced_at, stats FROM dataset_versions WHERE stats IS NOT NULL ORDER BY id DESC LIMIT 1';
    const statsDirect = await timeDirect(async () => void (await pool.query(statsSql)));
    const stats = await loadOneAtATime(base, () => '/instruments/stats');
    rows.push({
      name: 'stats, cache hit',
      baseline: 'same SQL straight to Postgres (p95)',
      ratio: stats.p95 / statsDirect.p95,
      detail: `${describe(stats)} (direct p95 ${ms(statsDirect.p95)})`,
    });
    const statsMiss = await statsMisses(base, pool);
    rows.push({
      name: 'stats, cache miss (new dataset version each time)',
      baseline: 'same SQL straight to Postgres (p95)',
      ratio: statsMiss.p95 / statsDirect.p95,
      detail: `${describe(statsMiss)} (direct p95 ${ms(statsDirect.p95)})`,
    });
    await pool.end();

    const sync = await runSync({ ...syncConfig({ DATABASE_URL: databaseUrl, KITE_API_ROOT: `http://127.0.0.1:${stack.ports.SIM_PORT}` }) });
    rows.push({
      name: `full registry sync (${sync.rows} instruments)`,
      baseline: '10 s (budget)',
      ratio: sync.durationMs / 10_000,
      detail: `${(sync.durationMs / 1000).toFixed(1)} s`,
    });
    return rows;
  } finally {
    await stack.stop();
  }
}

/**
 * Stats misses: a new dataset version (as a sync would add, with the same
 * statistics) before each request, then requests until the edge answers from
 * it (it re-reads the version every CACHE_VERSION_TTL_MS); only that first
 * answer of each version is a miss, and only it is timed.
 */
async function statsMisses(base: string, pool: pg.Pool): Promise<Latency> {
  const latencies: number[] = [];
  const started = Date.now();
  while (latencies.length < 30 && Date.now() - started < 120_000) {
    const { rows } = await pool.query<{ id: string }>(
      `INSERT INTO dataset_versions (source, rows_in_dump, stats)
       SELECT 'bench', rows_in_dump, stats FROM dataset_versions WHERE stats IS NOT NULL ORDER BY id DESC LIMIT 1 RETURNING id`,
    );
    const version = rows[0]?.id;
    for (;;) {
      const start = performance.now();
      const response = await fetch(`${base}/instruments/stats`);
      const elapsed = performance.now() - start;
      await response.arrayBuffer();
      if (response.headers.get('x-dataset-version') !== version) {
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      if (response.headers.get('x-cache') !== 'miss') throw new Error(`stats for a new version answered ${response.headers.get('x-cache')}`);
      latencies.push(elapsed);
      break;
    }
  }
  return { ...percentiles(latencies), rps: Number.NaN };
}
