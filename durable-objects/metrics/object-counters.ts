import { dataPoint, type Sample, seriesKey } from '../../contracts/edge-metrics.ts';

/**
 * A Durable Object's counters (docs/edge-metrics.md). Totals live in
 * memory and in the object's SQLite, so neither a restart nor hibernation
 * sets one back (Prometheus would read that as a reset). They are written
 * at most FLUSH_MS after they move, and each write also sends every
 * series' increase since the last one to Analytics Engine (the METRICS
 * binding, when there is one): one data point per series per flush,
 * never one per event.
 *
 * A hot path holds its series' Counter and adds to `value`: an integer
 * add, no lookup. It calls moved() at most once per batch of events.
 */
export const FLUSH_MS = 10_000;

export type Counter = { value: number };
export type CounterName = Exclude<Sample['name'], 'kite_edge_ws_sessions' | 'kite_edge_feed_age_seconds'>;
type Series = { name: CounterName; labels: Record<string, string>; counter: Counter; written: number };

export class ObjectCounters {
  readonly #sql: SqlStorage;
  readonly #sink: AnalyticsEngineDataset | undefined;
  readonly #series = new Map<string, Series>();
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(sql: SqlStorage, sink: AnalyticsEngineDataset | undefined) {
    this.#sql = sql;
    this.#sink = sink;
    sql.exec('CREATE TABLE IF NOT EXISTS metric_counters (series TEXT PRIMARY KEY, name TEXT NOT NULL, labels TEXT NOT NULL, value REAL NOT NULL)');
    for (const row of sql.exec<{ series: string; name: string; labels: string; value: number }>('SELECT series, name, labels, value FROM metric_counters')) {
      const labels = JSON.parse(row.labels) as Record<string, string>;
      this.#series.set(row.series, { name: row.name as CounterName, labels, counter: { value: row.value }, written: row.value });
    }
  }

  /** The series' counter, made (at 0) on first use. */
  counter(name: CounterName, labels: Record<string, string> = {}): Counter {
    const key = seriesKey(name, labels);
    let series = this.#series.get(key);
    if (!series) {
      series = { name, labels, counter: { value: 0 }, written: 0 };
      this.#series.set(key, series);
    }
    return series.counter;
  }

  /** Adds `n` to a series and schedules the write. */
  add(name: CounterName, labels: Record<string, string>, n = 1): void {
    this.counter(name, labels).value += n;
    this.moved();
  }

  /** Some counter moved: written within FLUSH_MS. */
  moved(): void {
    this.#timer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  /** Writes what moved since the last write, to SQLite and to Analytics Engine. */
  flush(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const [key, series] of this.#series) {
      const { value } = series.counter;
      if (value === series.written) continue;
      this.#sql.exec(
        'INSERT INTO metric_counters (series, name, labels, value) VALUES (?, ?, ?, ?) ON CONFLICT (series) DO UPDATE SET value = excluded.value',
        key,
        series.name,
        JSON.stringify(series.labels),
        value,
      );
      this.#sink?.writeDataPoint(dataPoint(series.name, series.labels, value - series.written));
      series.written = value;
    }
  }

  /** Every series' total (written first, so what a scrape saw survives a restart). */
  samples(): Sample[] {
    this.flush();
    return [...this.#series.values()].map(({ name, labels, counter }) => ({ name, labels, value: counter.value }));
  }
}
