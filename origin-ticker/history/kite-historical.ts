import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { z } from 'zod';
import { type Candle, candleOfKiteRow, INTERVAL_MAX_DAYS } from '../../contracts/candles.ts';
import { istTimestamp } from '../../contracts/ist-clock.ts';

/**
 * Kite Connect's historical candle API, as the origin calls it (the
 * simulator serves the same): `GET /instruments/historical/{token}/{interval}`
 * with `from`/`to` in IST and `oi=1`. A range longer than Kite allows for
 * the interval is split into requests Kite takes, oldest first; each
 * request is one call of `ask`, which the queue paces.
 */
export type HistoricalInterval = 'minute' | 'day';

const KiteCandles = z.object({
  status: z.literal('success'),
  data: z.object({
    candles: z.array(z.tuple([z.string(), z.number(), z.number(), z.number(), z.number(), z.number()], z.number())).max(200_000),
  }),
});
const KiteError = z.object({ status: z.literal('error'), message: z.string(), error_type: z.string().optional() });

export class KiteHistoryError extends Error {
  override name = 'KiteHistoryError';
}

export type HistoricalSource = {
  root: string;
  apiKey: string;
  /** The freshest access token of `apiKey`, or undefined before a login. */
  accessToken: () => string | undefined;
};

/** One request to Kite: candles with start in [from, to] (Kite's `to` is inclusive). */
export async function fetchHistorical(source: HistoricalSource, token: number, interval: HistoricalInterval, from: number, to: number): Promise<Candle[]> {
  const accessToken = source.accessToken();
  if (!accessToken) throw new KiteHistoryError(`no Kite access token for ${source.apiKey}: log in at the origin's /login`);
  const url = new URL(`${source.root}/instruments/historical/${token}/${interval}`);
  url.searchParams.set('from', istTimestamp(from));
  url.searchParams.set('to', istTimestamp(to));
  url.searchParams.set('oi', '1');
  let answer: { status: number; body: unknown };
  try {
    answer = await getJson(url, { 'X-Kite-Version': '3', Authorization: `token ${source.apiKey}:${accessToken}` }, 20_000);
  } catch (error) {
    throw new KiteHistoryError(`Kite's historical API did not answer: ${(error as Error).message}`);
  }
  const { status, body } = answer;
  if (status !== 200) {
    const error = KiteError.safeParse(body);
    throw new KiteHistoryError(`Kite answered ${status}${error.success ? ` ${error.data.error_type ?? ''}: ${error.data.message}` : ''}`);
  }
  const parsed = KiteCandles.safeParse(body);
  if (!parsed.success) throw new KiteHistoryError(`Kite's historical answer is not candles: ${parsed.error.issues[0]?.message ?? 'unreadable'}`);
  return parsed.data.data.candles.map(candleOfKiteRow);
}

/** [from, to) cut into the ranges Kite takes in one request for `interval` (each as Kite's inclusive [from, to]). */
export function kiteRanges(interval: HistoricalInterval, from: number, to: number): { from: number; to: number }[] {
  const span = INTERVAL_MAX_DAYS[interval] * 86_400_000;
  const ranges: { from: number; to: number }[] = [];
  for (let start = from; start < to; start += span) ranges.push({ from: start, to: Math.min(start + span, to) - 1_000 });
  return ranges;
}

/**
 * A GET answered with JSON, over node:http(s): the origin runs without
 * WebAssembly (--jitless --no-expose-wasm, package.json), and the global
 * fetch's HTTP parser needs it.
 */
function getJson(url: URL, headers: Record<string, string>, timeoutMs: number): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, { method: 'GET', headers, timeout: timeoutMs }, (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        // 60 days of minutes with OI is about 1.5 MB of JSON.
        if (size > 32 * 1024 * 1024) request.destroy(new Error('the answer is larger than 32 MB'));
        else chunks.push(chunk);
      });
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          body = undefined;
        }
        resolve({ status: response.statusCode ?? 0, body });
      });
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
    request.on('error', reject);
    request.end();
  });
}
