import autocannon from 'autocannon';

/**
 * Latency of HTTP routes on the local stack, one request at a time (so the
 * percentiles are latency, not queueing on 2 shared cores), against the
 * same work done straight from this process: what the instruments API and
 * the candles benches measure. Percentiles come from every response's own
 * time (autocannon's summary has no p95).
 */
export type Latency = { p50: number; p95: number; p99: number; rps: number };

/** How long each load and each direct baseline runs. */
export const LOAD_SECONDS = 5;

/** `path()` gives each request's path; an answer other than `expectedStatus`, or a transport error, fails the run. */
export async function loadOneAtATime(
  base: string,
  path: () => string,
  options: { expectedStatus?: number; headers?: Record<string, string> } = {},
): Promise<Latency> {
  const expectedStatus = options.expectedStatus ?? 200;
  const latencies: number[] = [];
  let unexpected = 0;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const run = autocannon(
      {
        url: base,
        connections: 1,
        duration: LOAD_SECONDS,
        ...(options.headers ? { headers: options.headers } : {}),
        requests: [{ setupRequest: (req) => ({ ...req, path: path() }) }],
      },
      (error, done) => (error ? reject(error) : resolve(done)),
    );
    run.on('response', (_client, status, _bytes, responseTime) => {
      if (status !== expectedStatus) unexpected++;
      latencies.push(responseTime);
    });
  });
  if (unexpected > 0 || result.errors > 0) throw new Error(`${unexpected} answers other than ${expectedStatus} and ${result.errors} errors`);
  return { ...percentiles(latencies), rps: Math.round(latencies.length / LOAD_SECONDS) };
}

/** The baseline: `run` from this process, one at a time like the load, for as long. */
export async function timeDirect(run: () => Promise<void>): Promise<Latency> {
  const latencies: number[] = [];
  const until = Date.now() + LOAD_SECONDS * 1000;
  while (Date.now() < until) {
    const start = performance.now();
    await run();
    latencies.push(performance.now() - start);
  }
  return { ...percentiles(latencies), rps: Math.round(latencies.length / LOAD_SECONDS) };
}

export function percentiles(latencies: number[]): Omit<Latency, 'rps'> {
  if (latencies.length === 0) throw new Error('no request completed');
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}

export const ms = (value: number) => `${value.toFixed(1)} ms`;
export const describeLatency = (l: Latency) =>
  `p50 ${l.p50.toFixed(1)} / p95 ${l.p95.toFixed(1)} / p99 ${l.p99.toFixed(1)} ms${Number.isNaN(l.rps) ? '' : `, ${l.rps} req/s`}`;
