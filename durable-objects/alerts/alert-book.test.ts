import { describe, expect, it } from 'vitest';
import type { AlertCondition, GroupAlert } from '../../contracts/alerts.ts';
import { decodePacket } from '../../contracts/kite-ticks/decode.ts';
import { ltpPacket } from '../../test/workers/test-origin.ts';
import { AlertBook, type AlertTick, alertTick, type BookChanges, type BookEntry } from './alert-book.ts';

const NOW = Date.parse('2026-01-05T04:00:00Z');
const INFY = { instrument_token: 408065, exchange: 'NSE', tradingsymbol: 'INFY' };
const TCS = { instrument_token: 2953217, exchange: 'NSE', tradingsymbol: 'TCS' };
const USER = '5f1e2d3c-4b5a-4697-8877-665544332211';
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

let serial = 0;
function alert(condition: AlertCondition, overrides: Partial<GroupAlert> = {}): GroupAlert {
  return {
    id: id(++serial),
    user_id: USER,
    instrument: INFY,
    condition,
    repeat: { type: 'once' },
    expires_at: null,
    note: null,
    channels: { sessions: true, webhook: null },
    state: 'active',
    last_triggered_at: null,
    generation: 0,
    ...overrides,
  };
}
const tick = (last_price: number, extra: Partial<AlertTick> = {}): AlertTick => ({ token: INFY.instrument_token, last_price, at: NOW, ...extra });
const keys = (changes: BookChanges) => changes.triggers.map((t) => t.idempotency_key);

/** A book holding `alerts`, added at NOW. */
function bookWith(...alerts: GroupAlert[]): AlertBook {
  const book = new AlertBook();
  for (const a of alerts) book.upsert(a, NOW);
  return book;
}

/** Stands in for the object's storage: folds each call's changes into what a reload would read. */
class Persisted {
  readonly entries = new Map<string, BookEntry>();
  readonly prices = new Map<number, number>();

  keep(changes: BookChanges): BookChanges {
    for (const removed of changes.removed) this.entries.delete(removed);
    for (const [key, entry] of changes.saved) this.entries.set(key, structuredClone(entry));
    for (const [token, price] of changes.prices) {
      if (price === null) this.prices.delete(token);
      else this.prices.set(token, price);
    }
    return changes;
  }

  reload(now: number): AlertBook {
    const book = new AlertBook();
    this.keep(
      book.load(
        [...this.entries.values()].map((e) => structuredClone(e)),
        new Map(this.prices),
        now,
      ),
    );
    return book;
  }
}

describe('AlertBook: each condition fires at its boundary, not before', () => {
  it('price_above fires when last_price reaches the price (equality fires)', () => {
    const a = alert({ type: 'price_above', price: 1500 });
    const book = bookWith(a);
    expect(keys(book.evaluate([tick(1499.95)], NOW))).toEqual([]);
    const fired = book.evaluate([tick(1500)], NOW);
    expect(fired.triggers).toEqual([
      {
        idempotency_key: `${a.id}:0`,
        alert_id: a.id,
        user_id: USER,
        generation: 0,
        instrument: INFY,
        condition: a.condition,
        value: 1500,
        last_price: 1500,
        previous_price: null,
        tick_at: new Date(NOW).toISOString(),
        triggered_at: new Date(NOW).toISOString(),
        note: null,
      },
    ]);
    expect(fired.saved.get(a.id)?.alert).toMatchObject({ state: 'triggered', generation: 1 });
  });

  it('price_below fires when last_price falls to the price', () => {
    const book = bookWith(alert({ type: 'price_below', price: 1500 }));
    expect(keys(book.evaluate([tick(1500.05)], NOW))).toEqual([]);
    expect(book.evaluate([tick(1500)], NOW).triggers).toMatchObject([{ value: 1500 }]);
  });

  it('crosses_up fires when the previous tick was below and this one is at or above', () => {
    const a = alert({ type: 'crosses_up', price: 1500 });
    const book = bookWith(a);
    // The first tick only gives the reference: there is no previous price to have crossed from.
    expect(keys(book.evaluate([tick(1501)], NOW))).toEqual([]);
    expect(keys(book.evaluate([tick(1499.95)], NOW))).toEqual([]);
    expect(book.evaluate([tick(1500)], NOW).triggers).toMatchObject([{ alert_id: a.id, value: 1500, last_price: 1500, previous_price: 1499.95 }]);
  });

  it('crosses_up does not fire from exactly the price, nor staying above it', () => {
    const book = bookWith(alert({ type: 'crosses_up', price: 1500 }, { repeat: { type: 'recurring', cooldown_s: 10 } }));
    book.evaluate([tick(1500)], NOW);
    expect(keys(book.evaluate([tick(1501)], NOW))).toEqual([]);
    expect(keys(book.evaluate([tick(1502)], NOW + 60_000))).toEqual([]);
  });

  it('crosses_down fires when the previous tick was above and this one is at or below', () => {
    const a = alert({ type: 'crosses_down', price: 1500 });
    const book = new AlertBook();
    book.upsert(a, NOW, 1500.05); // seeded with the group's latest price
    expect(book.evaluate([tick(1500)], NOW).triggers).toMatchObject([{ alert_id: a.id, previous_price: 1500.05, last_price: 1500 }]);
    const from = bookWith(alert({ type: 'crosses_down', price: 1500 }));
    from.evaluate([tick(1500)], NOW);
    expect(keys(from.evaluate([tick(1499)], NOW))).toEqual([]);
  });

  it('a crossing alert added with the latest price fires on the next tick that crosses', () => {
    const book = new AlertBook();
    book.upsert(alert({ type: 'crosses_up', price: 1500 }), NOW, 1499);
    expect(book.evaluate([tick(1501)], NOW).triggers).toMatchObject([{ previous_price: 1499 }]);
  });

  it('change_pct_above fires at the percent rise from the previous close, exact moves included', () => {
    const book = bookWith(alert({ type: 'change_pct_above', percent: 5 }));
    expect(keys(book.evaluate([tick(106.46, { close: 101.4 })], NOW))).toEqual([]);
    // (106.47 − 101.4) × 100 / 101.4 is 4.999999999999993 in floating point; it is a 5% rise.
    expect(book.evaluate([tick(106.47, { close: 101.4 })], NOW).triggers).toMatchObject([{ value: 5, last_price: 106.47 }]);
  });

  it('change_pct_below fires at the percent fall, and never on a tick without the close', () => {
    const book = bookWith(alert({ type: 'change_pct_below', percent: -5 }));
    expect(keys(book.evaluate([tick(50)], NOW))).toEqual([]); // an LTP tick carries no close
    expect(keys(book.evaluate([tick(50, { close: 0 })], NOW))).toEqual([]);
    expect(keys(book.evaluate([tick(101.66, { close: 107 })], NOW))).toEqual([]);
    expect(book.evaluate([tick(101.65, { close: 107 })], NOW).triggers).toMatchObject([{ value: -5 }]);
  });

  it('volume_above and oi_above fire when the counter reaches the bound', () => {
    const volume = alert({ type: 'volume_above', volume: 1_000_000 });
    const oi = alert({ type: 'oi_above', oi: 5_000_000 });
    const book = bookWith(volume, oi);
    expect(keys(book.evaluate([tick(10, { volume: 999_999, oi: 4_999_999 }), tick(10)], NOW))).toEqual([]);
    expect(book.evaluate([tick(10, { volume: 1_000_000, oi: 4_999_999 })], NOW).triggers).toMatchObject([{ alert_id: volume.id, value: 1_000_000 }]);
    expect(book.evaluate([tick(10, { volume: 2_000_000, oi: 5_000_000 })], NOW).triggers).toMatchObject([{ alert_id: oi.id, value: 5_000_000 }]);
  });

  it('reads decoded Kite ticks', () => {
    const packet = decodePacket(ltpPacket(INFY.instrument_token, 1500.25));
    expect(alertTick(packet, NOW)).toEqual({ token: INFY.instrument_token, last_price: 1500.25, close: undefined, volume: undefined, oi: undefined, at: NOW });
  });
});

describe('AlertBook: one-shot, recurring, expiry', () => {
  it('fires a one-shot alert once, however often the tick comes', () => {
    const a = alert({ type: 'price_above', price: 1500 });
    const book = bookWith(a);
    expect(keys(book.evaluate([tick(1501), tick(1501)], NOW))).toEqual([`${a.id}:0`]);
    expect(keys(book.evaluate([tick(1501)], NOW + 1))).toEqual([]);
    expect(book.watches(INFY.instrument_token)).toBe(false);
  });

  it('fires a recurring level alert again only after its cool-down, while the condition holds', () => {
    const a = alert({ type: 'price_above', price: 1500 }, { repeat: { type: 'recurring', cooldown_s: 60 } });
    const book = bookWith(a);
    expect(keys(book.evaluate([tick(1501)], NOW))).toEqual([`${a.id}:0`]);
    expect(keys(book.evaluate([tick(1502)], NOW + 59_999))).toEqual([]);
    expect(keys(book.evaluate([tick(1499)], NOW + 60_000))).toEqual([]);
    expect(keys(book.evaluate([tick(1503)], NOW + 61_000))).toEqual([`${a.id}:1`]);
    expect(book.evaluate([tick(1504)], NOW + 121_000).saved.get(a.id)?.alert).toMatchObject({ state: 'active', generation: 3 });
  });

  it('drops crossings during a recurring crossing alert’s cool-down and fires the next one after it', () => {
    const a = alert({ type: 'crosses_up', price: 1500 }, { repeat: { type: 'recurring', cooldown_s: 30 } });
    const book = new AlertBook();
    book.upsert(a, NOW, 1499);
    expect(keys(book.evaluate([tick(1500)], NOW))).toEqual([`${a.id}:0`]);
    expect(keys(book.evaluate([tick(1499), tick(1501)], NOW + 10_000))).toEqual([]);
    expect(keys(book.evaluate([tick(1498)], NOW + 29_000))).toEqual([]);
    expect(book.evaluate([tick(1500.5)], NOW + 30_000).triggers).toMatchObject([{ idempotency_key: `${a.id}:1`, previous_price: 1498 }]);
  });

  it('never fires an alert at or after its expiry, and reports it expired', () => {
    const a = alert({ type: 'price_above', price: 1500 }, { expires_at: new Date(NOW + 1_000).toISOString() });
    const book = bookWith(a);
    expect(keys(book.evaluate([tick(1499)], NOW + 999))).toEqual([]);
    const expired = book.evaluate([tick(1501)], NOW + 1_000);
    expect(keys(expired)).toEqual([]);
    expect(expired.expired).toEqual([a.id]);
    expect(expired.removed).toEqual([a.id]);
    expect(book.size).toBe(0);
    // A push of an alert already past its expiry is not taken.
    expect(book.upsert(alert({ type: 'price_above', price: 1 }, { expires_at: new Date(NOW).toISOString() }), NOW).expired).toHaveLength(1);
  });

  it('does not evaluate paused alerts, and re-arms them on resume', () => {
    const a = alert({ type: 'price_below', price: 100 });
    const book = bookWith({ ...a, state: 'paused' });
    expect(book.size).toBe(0);
    expect(keys(book.evaluate([tick(90)], NOW))).toEqual([]);
    book.upsert(a, NOW);
    expect(keys(book.evaluate([tick(90)], NOW))).toEqual([`${a.id}:0`]);
  });

  it('stops evaluating a deleted alert', () => {
    const a = alert({ type: 'price_above', price: 10 });
    const book = bookWith(a, alert({ type: 'price_above', price: 20 }));
    expect(book.remove(a.id, NOW).removed).toEqual([a.id]);
    expect(book.evaluate([tick(15)], NOW).triggers).toEqual([]);
    expect(book.evaluate([tick(25)], NOW).triggers).toHaveLength(1);
  });

  it('moves an updated alert to its new bound', () => {
    const a = alert({ type: 'price_above', price: 10 });
    const book = bookWith(a);
    book.upsert({ ...a, condition: { type: 'price_above', price: 20 }, note: 'moved' }, NOW);
    expect(keys(book.evaluate([tick(15)], NOW))).toEqual([]);
    expect(book.evaluate([tick(20)], NOW).triggers).toMatchObject([{ alert_id: a.id, note: 'moved', condition: { price: 20 } }]);
  });
});

describe('AlertBook: many alerts on one instrument', () => {
  const N = 100_000;

  it(`fires exactly the ${N.toLocaleString('en')} level alerts a tick reaches, each once, in bound order`, () => {
    const above = Array.from({ length: N }, (_, i) => alert({ type: 'price_above', price: i + 1 }));
    const book = new AlertBook();
    book.load(
      above.map((a) => ({ alert: a, recorded_generation: 0, last_fired_at: null })),
      new Map(),
      NOW,
    );
    expect(book.evaluate([tick(0.5)], NOW).triggers).toEqual([]);
    const first = book.evaluate([tick(50_000.5)], NOW).triggers;
    expect(first).toHaveLength(50_000);
    expect(first[0]?.condition).toEqual({ type: 'price_above', price: 50_000 });
    expect(new Set(first.map((t) => (t.condition as { price: number }).price))).toEqual(
      new Set(above.slice(0, 50_000).map((a) => (a.condition as { price: number }).price)),
    );
    expect(book.evaluate([tick(50_000.5)], NOW).triggers).toEqual([]);
    expect(book.evaluate([tick(50_010)], NOW).triggers.map((t) => t.value)).toEqual(Array(10).fill(50_010));
    expect(book.evaluate([tick(1e9)], NOW).triggers).toHaveLength(N - 50_010);
  });

  it(`fires exactly the crossing alerts between two prices among ${N.toLocaleString('en')}`, () => {
    const book = new AlertBook();
    const entries = Array.from({ length: N }, (_, i) => ({
      alert: alert({ type: i % 2 === 0 ? 'crosses_up' : 'crosses_down', price: 1000 + i / 100 }, { repeat: { type: 'recurring', cooldown_s: 10 } }),
      recorded_generation: 0,
      last_fired_at: null,
    }));
    book.load(entries, new Map([[INFY.instrument_token, 1500]]), NOW);
    const bounds = (changes: BookChanges) => changes.triggers.map((t) => Math.round((t.condition as { price: number }).price * 100) / 100);
    // Up from 1500 to 1500.1: the crosses_up bounds (even hundredths) in (1500, 1500.1].
    expect(bounds(book.evaluate([tick(1500.1)], NOW))).toEqual([1500.02, 1500.04, 1500.06, 1500.08, 1500.1]);
    // Down to 1499.9: the crosses_down bounds (odd hundredths) in [1499.9, 1500.1).
    const down = [1499.91, 1499.93, 1499.95, 1499.97, 1499.99, 1500.01, 1500.03, 1500.05, 1500.07, 1500.09];
    expect(bounds(book.evaluate([tick(1499.9)], NOW))).toEqual(down);
    // Up again within the 10 s cool-down: only the bounds in (1499.9, 1500], which have not fired; the five above cool.
    expect(bounds(book.evaluate([tick(1500.1)], NOW + 9_999))).toEqual([1499.92, 1499.94, 1499.96, 1499.98, 1500]);
    // Once the first fires have cooled, the same moves fire them again; the five fired at +9.999 s still cool.
    expect(bounds(book.evaluate([tick(1499.9), tick(1500.1)], NOW + 10_000))).toEqual([...down, 1500.02, 1500.04, 1500.06, 1500.08, 1500.1]);
  });

  it('keeps instruments apart', () => {
    const book = bookWith(alert({ type: 'price_above', price: 10 }), alert({ type: 'price_above', price: 10 }, { instrument: TCS }));
    expect(book.evaluate([tick(11)], NOW).triggers.map((t) => t.instrument)).toEqual([INFY]);
    expect(book.evaluate([tick(11, { token: TCS.instrument_token })], NOW).triggers.map((t) => t.instrument)).toEqual([TCS]);
  });

  it('asks for the tick mode its alerts need', () => {
    const book = bookWith(alert({ type: 'crosses_up', price: 1 }), alert({ type: 'oi_above', oi: 1 }, { instrument: TCS }));
    expect(book.demand()).toEqual(
      new Map([
        [INFY.instrument_token, 'ltp'],
        [TCS.instrument_token, 'full'],
      ]),
    );
    book.upsert(alert({ type: 'change_pct_above', percent: 1 }), NOW);
    expect(book.demand().get(INFY.instrument_token)).toBe('quote');
  });
});

describe('AlertBook: exactly once across reloads and pushes', () => {
  it('gives the same idempotency key when a crossing is evaluated again after a restart that kept nothing of it', () => {
    const store = new Persisted();
    const a = alert({ type: 'crosses_up', price: 1500 });
    const before = new AlertBook();
    store.keep(before.upsert(a, NOW, 1499));
    const lost = before.evaluate([tick(1501)], NOW); // the object dies before these changes are written
    const after = store.reload(NOW + 5);
    expect(keys(after.evaluate([tick(1501)], NOW + 5))).toEqual(keys(lost));
    expect(keys(lost)).toEqual([`${a.id}:0`]);
  });

  it('fires nothing again after a restart that kept the crossing, even for the same tick', () => {
    const store = new Persisted();
    const a = alert({ type: 'crosses_up', price: 1500 }, { repeat: { type: 'recurring', cooldown_s: 10 } });
    const book = new AlertBook();
    store.keep(book.upsert(a, NOW, 1499));
    expect(keys(store.keep(book.evaluate([tick(1501)], NOW)))).toEqual([`${a.id}:0`]);
    const reloaded = store.reload(NOW + 60_000);
    expect(keys(reloaded.evaluate([tick(1501)], NOW + 60_000))).toEqual([]);
    expect(keys(reloaded.evaluate([tick(1499), tick(1500)], NOW + 60_000))).toEqual([`${a.id}:1`]);
  });

  it('neither loses nor invents a crossing across a restart: the stored reference follows every bound the price passes', () => {
    const a = alert({ type: 'crosses_up', price: 1500 }, { repeat: { type: 'recurring', cooldown_s: 30 } });
    const run = (restartAt: number | null) => {
      const store = new Persisted();
      let book = new AlertBook();
      store.keep(book.upsert(a, NOW, 1499));
      const ticks: [number, number][] = [
        [1500.5, 0],
        [1500.7, 1_000],
        [1499.5, 5_000],
        [1499.6, 6_000],
        [1501, 40_000],
        [1502, 41_000],
      ];
      const fired: string[] = [];
      ticks.forEach(([price, at], i) => {
        if (i === restartAt) book = store.reload(NOW + at);
        fired.push(...keys(store.keep(book.evaluate([tick(price)], NOW + at))));
      });
      return fired;
    };
    const uninterrupted = run(null);
    expect(uninterrupted).toEqual([`${a.id}:0`, `${a.id}:1`]);
    for (let restartAt = 1; restartAt < 6; restartAt++) expect(run(restartAt)).toEqual(uninterrupted);
  });

  it('stores the crossing reference only when the price passes a bound', () => {
    const book = new AlertBook();
    book.upsert(alert({ type: 'crosses_up', price: 1500 }), NOW, 1490);
    expect(book.evaluate([tick(1491)], NOW).prices.size).toBe(0);
    expect(book.evaluate([tick(1495), tick(1499.95)], NOW).prices.size).toBe(0);
    expect(book.evaluate([tick(1500)], NOW).prices).toEqual(new Map([[INFY.instrument_token, null]])); // its last alert fired: nothing left to judge
  });

  it('keeps a one-shot alert triggered when a stale push arrives before the trigger is recorded, and re-arms it on a resume', () => {
    const a = alert({ type: 'price_above', price: 1500 });
    const book = bookWith(a);
    expect(keys(book.evaluate([tick(1501)], NOW))).toEqual([`${a.id}:0`]);
    // The user edits the note; Postgres has not recorded the fire, so the push still says generation 0, active.
    const stale = book.upsert({ ...a, note: 'edited' }, NOW);
    expect(stale.saved.get(a.id)?.alert).toMatchObject({ state: 'triggered', generation: 1, note: 'edited' });
    expect(keys(book.evaluate([tick(1502)], NOW))).toEqual([]);
    // Recorded, then resumed: Postgres now says generation 1, active.
    book.recorded([{ alert_id: a.id, generation: 0, idempotency_key: `${a.id}:0` }]);
    book.upsert({ ...a, generation: 1 }, NOW);
    expect(keys(book.evaluate([tick(1503)], NOW))).toEqual([`${a.id}:1`]);
  });

  it('keeps the later last fire of a push and its own, so a push cannot cut a cool-down short', () => {
    const a = alert({ type: 'price_above', price: 1500 }, { repeat: { type: 'recurring', cooldown_s: 60 } });
    const book = bookWith(a);
    book.evaluate([tick(1501)], NOW);
    book.upsert({ ...a, note: 'edited' }, NOW + 1_000);
    expect(keys(book.evaluate([tick(1501)], NOW + 59_000))).toEqual([]);
    expect(keys(book.evaluate([tick(1501)], NOW + 60_000))).toEqual([`${a.id}:1`]);
  });

  it('clears the outbox row of a recorded fire and forgets the fired one-shot alert at Postgres’s next word about it', () => {
    const a = alert({ type: 'price_above', price: 1500 });
    const book = bookWith(a);
    book.evaluate([tick(1501)], NOW);
    const recorded = book.recorded([{ alert_id: a.id, generation: 0, idempotency_key: `${a.id}:0` }]);
    expect(recorded.recorded).toEqual([`${a.id}:0`]);
    expect(recorded.removed).toEqual([]);
    expect(recorded.saved.get(a.id)).toMatchObject({ recorded_generation: 1, alert: { generation: 1, state: 'triggered' } });
    expect(book.size).toBe(1);
    // Postgres says what it recorded: generation 1, triggered.
    expect(book.upsert({ ...a, generation: 1, state: 'triggered' }, NOW).removed).toContain(a.id);
    expect(book.size).toBe(0);
  });

  // A read from Postgres taken before the recording committed, applied after it (the group reads and records concurrently).
  for (const push of ['upsert', 'sync'] as const) {
    it(`does not fire a recorded one-shot alert again when a read older than the recording arrives after it (${push})`, () => {
      const a = alert({ type: 'price_above', price: 1500 });
      const book = bookWith(a);
      expect(keys(book.evaluate([tick(1501)], NOW))).toEqual([`${a.id}:0`]);
      book.recorded([{ alert_id: a.id, generation: 0, idempotency_key: `${a.id}:0` }]);
      const stale = push === 'upsert' ? book.upsert(a, NOW) : book.sync([a], NOW);
      expect(stale.saved.has(a.id)).toBe(false);
      expect(book.size).toBe(0);
      expect(book.watches(INFY.instrument_token)).toBe(false);
      expect(keys(book.evaluate([tick(1501)], NOW))).toEqual([]);
    });
  }

  it('reconciles with Postgres: unlisted alerts go, listed ones merge', () => {
    const kept = alert({ type: 'price_above', price: 10 });
    const gone = alert({ type: 'price_above', price: 10 });
    const book = bookWith(kept, gone);
    const changes = book.sync([{ ...kept, condition: { type: 'price_above', price: 20 } }], NOW);
    expect(changes.removed).toEqual([gone.id]);
    expect([...changes.saved.keys()]).toEqual([kept.id]);
    expect(keys(book.evaluate([tick(15)], NOW))).toEqual([]);
    expect(keys(book.evaluate([tick(20)], NOW))).toEqual([`${kept.id}:0`]);
  });
});
