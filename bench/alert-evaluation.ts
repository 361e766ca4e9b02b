import { type AlertCondition, CONDITION_TYPES, type GroupAlert } from '../contracts/alerts.ts';
import { AlertBook, type AlertTick, type BookEntry } from '../durable-objects/alerts/alert-book.ts';
import { seededRandom } from '../kite-sim/seeded-random.ts';

/**
 * What alert evaluation costs a group object per tick: ticks per second
 * through AlertBook.evaluate with 0, 1,000 and 100,000 active alerts spread
 * over the group's instruments, and 100,000 on a single instrument (the
 * case sorted thresholds exist for), each against the empty book in the
 * same run.
 *
 * The group: 200 instruments, one batch a frame with a tick of each, prices
 * on seeded random walks within ±5 % of 1,000 (so crossings happen), volume
 * and OI growing. Alerts: all eight condition types, bounds spread over
 * ±20 % of the price as traders set them (most are out of reach at any
 * moment, those near the price fire), recurring with a 5-minute cool-down,
 * so they fire, cool and re-arm during the run (the clock moves 100 ms a
 * batch). The triggers per second show how much of the cost is firing.
 * Each book runs in alternating half-second rounds (3 each) and keeps its
 * best, so a busy neighbour on a 2-core machine hurts all alike. The ratio
 * is time per tick over the empty book's: lower is better.
 */
type Row = { name: string; baseline: string; ratio: number; detail: string };

const INSTRUMENTS = 200;
const BATCHES = 1_024;
const BATCH_STEP_MS = 100;
const ROUNDS = 3;
const ROUND_MS = 500;
const START = Date.UTC(2026, 0, 5, 3, 45);
const BASELINE = 'the same ticks through an empty AlertBook (ratio = time per tick / its time)';

export async function benchAlertEvaluation(): Promise<Row[]> {
  const batches = tickBatches();
  const tokens = batches[0]?.map((t) => t.token) ?? [];
  const cases = [
    { label: 'no alerts', book: loaded([]) },
    { label: '1,000 alerts over 200 instruments', book: loaded(alerts(1_000, tokens)) },
    { label: '100,000 alerts over 200 instruments', book: loaded(alerts(100_000, tokens)) },
    { label: '100,000 alerts on one instrument', book: loaded(alerts(100_000, [tokens[0] as number])) },
  ];
  const results = race(
    batches,
    cases.map((c) => c.book),
  );
  const [empty] = results;
  if (!empty) return [];
  return cases.slice(1).map((c, i) => {
    const result = results[i + 1] as Result;
    return {
      name: `Alert evaluation per group object, ${c.label}`,
      baseline: BASELINE,
      ratio: empty.ticksPerSecond / result.ticksPerSecond,
      detail: `${rate(result.ticksPerSecond)} vs ${rate(empty.ticksPerSecond)} with none; ${Math.round(result.firesPerSecond).toLocaleString('en')} triggers/s`,
    };
  });
}

type Result = { ticksPerSecond: number; firesPerSecond: number };

/** Ticks and triggers per second of each book: alternating rounds after a warm-up, best round kept. */
function race(batches: AlertTick[][], books: AlertBook[]): Result[] {
  const best = books.map((): Result => ({ ticksPerSecond: 0, firesPerSecond: 0 }));
  const clocks = books.map(() => 0);
  const step = (b: number): number => {
    const n = clocks[b] as number;
    clocks[b] = n + 1;
    const batch = batches[n % BATCHES] as AlertTick[];
    return (books[b] as AlertBook).evaluate(batch, START + n * BATCH_STEP_MS).triggers.length;
  };
  books.forEach((_, b) => {
    for (let i = 0; i < 50; i++) step(b); // warm up the JIT and let the first fires settle
  });
  for (let round = 0; round < ROUNDS; round++) {
    books.forEach((_, b) => {
      let ticks = 0;
      let fires = 0;
      const start = performance.now();
      let elapsed = 0;
      do {
        fires += step(b);
        ticks += INSTRUMENTS;
        elapsed = performance.now() - start;
      } while (elapsed < ROUND_MS);
      const ticksPerSecond = ticks / (elapsed / 1000);
      if (ticksPerSecond > (best[b] as Result).ticksPerSecond) best[b] = { ticksPerSecond, firesPerSecond: fires / (elapsed / 1000) };
    });
  }
  return best;
}

/** BATCHES frames of one tick per instrument, on seeded random walks. */
function tickBatches(): AlertTick[][] {
  const random = seededRandom(1);
  const prices = Array.from({ length: INSTRUMENTS }, () => 1_000);
  return Array.from({ length: BATCHES }, (_, n) =>
    prices.map((price, i) => {
      const next = Math.max(950, Math.min(1_050, Math.round((price + (random() - 0.5) * 2) * 20) / 20));
      prices[i] = next;
      return { token: 256 * (1_000 + i) + 2, last_price: next, close: 1_000, volume: 10_000 * (n + 1), oi: 50_000 + n, at: START + n * BATCH_STEP_MS };
    }),
  );
}

function alerts(count: number, tokens: number[]): BookEntry[] {
  const random = seededRandom(2);
  return Array.from({ length: count }, (_, n) => {
    const token = tokens[n % tokens.length] as number;
    const type = CONDITION_TYPES[n % CONDITION_TYPES.length] as AlertCondition['type'];
    const spread = random() * 0.2;
    const condition: AlertCondition =
      type === 'change_pct_above'
        ? { type, percent: Math.max(0.01, spread * 100) }
        : type === 'change_pct_below'
          ? { type, percent: -Math.max(0.01, spread * 100) }
          : type === 'volume_above'
            ? { type, volume: Math.ceil(random() * 40_000 * BATCHES) }
            : type === 'oi_above'
              ? { type, oi: 50_000 + Math.ceil(random() * 4 * BATCHES) }
              : { type, price: Math.round(1_000 * (0.8 + 2 * spread) * 20) / 20 };
    const alert: GroupAlert = {
      id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
      user_id: '5f1e2d3c-4b5a-4697-8877-665544332211',
      instrument: { instrument_token: token, exchange: 'NFO', tradingsymbol: `BENCH${token}` },
      condition,
      repeat: { type: 'recurring', cooldown_s: 300 },
      expires_at: null,
      note: null,
      channels: { sessions: true, webhook: null },
      state: 'active',
      last_triggered_at: null,
      generation: 0,
    };
    return { alert, recorded_generation: 0, last_fired_at: null };
  });
}

function loaded(entries: BookEntry[]): AlertBook {
  const book = new AlertBook();
  book.load(entries, new Map(), START);
  return book;
}

function rate(ticksPerSecond: number): string {
  return ticksPerSecond >= 1e6 ? `${(ticksPerSecond / 1e6).toFixed(2)} M ticks/s` : `${(ticksPerSecond / 1e3).toFixed(0)} k ticks/s`;
}
