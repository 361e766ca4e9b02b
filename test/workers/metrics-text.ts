import { exports } from 'cloudflare:workers';
import { expect } from 'vitest';

/** The token vitest.config.ts gives the workers tests' worker. */
export const METRICS_TOKEN = 'test-metrics-token-0123456789';

/** One line of the Prometheus text format: `# HELP …`, `# TYPE …`, or `name{label="value",…} number`. */
const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})?) (-?[0-9.e+-]+|[+-]Inf|NaN)$/;
const COMMENT_LINE = /^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$/;

/** GET /metrics with the token, parsed: each series (`name{labels}` as written) with its value; fails on a line of another shape. */
export async function scrape(): Promise<Map<string, number>> {
  const response = await exports.default.fetch('http://edge.test/metrics', { headers: { Authorization: `Bearer ${METRICS_TOKEN}` } });
  expect(response.status).toBe(200);
  return parseExposition(await response.text());
}

export function parseExposition(text: string): Map<string, number> {
  const series = new Map<string, number>();
  expect(text.endsWith('\n')).toBe(true);
  for (const line of text.slice(0, -1).split('\n')) {
    if (COMMENT_LINE.test(line)) continue;
    const match = SAMPLE_LINE.exec(line);
    if (!match) throw new Error(`not a line of the Prometheus text format: ${JSON.stringify(line)}`);
    series.set(match[1] as string, Number(match[2] === '+Inf' ? Infinity : match[2]));
  }
  return series;
}

/** A series' value, 0 when the scrape does not have it (a counter not yet moved). */
export const seriesValue = (scraped: Map<string, number>, series: string) => scraped.get(series) ?? 0;
