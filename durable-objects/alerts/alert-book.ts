import type { AlertTrigger, ConditionType, GroupAlert } from '../../contracts/alerts.ts';
import type { Tick, TickMode } from '../../contracts/kite-ticks/tick.ts';
import { ThresholdLadder } from './threshold-ladder.ts';
import { TimeQueue } from './time-queue.ts';

/**
 * AlertBook: the alerts of one instrument group, held in memory by the
 * group's Durable Object and evaluated against every tick. Pure: no I/O, no
 * clock (every call takes `now`), so tests and the benchmark drive it
 * exactly. Each mutating call returns the `BookChanges` that must be
 * persisted (trigger-outbox.ts) in the same synchronous turn.
 *
 * Longer than the other modules: it is one class whose exactly-once and
 * crossing-reference rules (below) hold across all of its methods, so they
 * stay together; its data structures are apart (threshold-ladder.ts,
 * time-queue.ts).
 *
 * Cost per tick. An instrument's alerts sit in one ThresholdLadder per
 * condition type, sorted by bound. A level alert fires when the tick's value
 * reaches its bound, so the alerts a tick fires are one end of the ladder
 * (found by binary search, cut off in one go); a crossing fires the bounds
 * between the previous price and this one, again one binary-searched range.
 * Fired recurring level alerts leave the ladder and wait in a TimeQueue
 * until their cool-down ends; alerts due to expire wait in another. So a tick
 * costs O(log n) per condition type in use plus O(1) per alert it fires,
 * whether the instrument has ten alerts or 100,000.
 *
 * Exactly once. A trigger's idempotency key is `<alert id>:<generation>`,
 * the generation being the alert's fires so far. Evaluation advances the
 * generation and disarms the alert (one-shot: `triggered`; recurring:
 * cooling until `last_fired_at` + cool-down) in the same step that emits the
 * trigger, and the caller writes both, with the trigger as a pending outbox
 * row, in the same synchronous turn. A Durable Object commits the writes
 * of one turn atomically and holds back its outputs until they are durable,
 * so after any crash either
 *   - nothing of the evaluation was kept, nor sent: the reloaded book holds
 *     the old generation and armed state, and the same tick (or the next
 *     one meeting the condition) fires the same key again; or
 *   - all of it was kept: the alert is disarmed at the new generation (a
 *     duplicate tick finds nothing to fire) and the trigger waits in the
 *     outbox until Postgres has it. The outbox is flushed with
 *     `INSERT … ON CONFLICT (idempotency_key) DO NOTHING`, so a crash
 *     between the insert and clearing the outbox row inserts nothing twice.
 * Persisted per alert: its definition with generation and state, the
 * generation Postgres is known to hold, `last_fired_at`. Per instrument with
 * crossing alerts: a reference price, rewritten whenever the price moves
 * across any crossing bound held (armed or cooling) and whenever a crossing
 * alert is added. Between those writes the price never passes a bound, so the
 * stored reference sits on the same side of every bound as the true previous
 * price: a reload decides the same crossings, neither inventing one (a
 * duplicate) nor missing one. The price is not written on every tick.
 *
 * Pushes from Postgres (upsert, sync) may be older than the book: they never
 * lower the generation or `last_fired_at`, and a one-shot alert the book saw
 * fire stays `triggered` until a push whose generation has caught up (a
 * resume) re-arms it. Alerts that are not active and have nothing unrecorded
 * are dropped; the book keeps the others only to remember their generation.
 *
 * Forgotten only on Postgres's word. Recording a fire (`recorded`) never
 * drops the alert: a read from Postgres may have been taken before that
 * recording committed and be applied after it, and such a push, meeting no
 * entry, would bring the one-shot alert back armed at its old generation and
 * fire the same key again (a second frame to the owner). Kept, the entry
 * merges with that push and stays fired; it goes at the next push or load
 * that finds it not worth keeping, and a read begun after that began after
 * the recording committed, so it sees the new generation.
 */

/** What the book reads of a tick. */
export type AlertTick = {
  token: number;
  last_price: number;
  /** The previous session's close (quote and full ticks). */
  close?: number;
  /** Today's volume (quote and full ticks of tradable instruments). */
  volume?: number;
  /** Open interest (full ticks of tradable instruments). */
  oi?: number;
  /** When the origin received the tick (ms since epoch). */
  at: number;
};

export function alertTick(tick: Tick, receivedAt: number): AlertTick {
  return {
    token: tick.instrument_token,
    last_price: tick.last_price,
    close: 'ohlc' in tick ? tick.ohlc.close : undefined,
    volume: 'volume_traded' in tick ? tick.volume_traded : undefined,
    oi: 'oi' in tick ? tick.oi : undefined,
    at: receivedAt,
  };
}

/** One alert as the book persists it. */
export type BookEntry = {
  /** The definition with the book's generation and state (never behind what Postgres pushed). */
  alert: GroupAlert;
  /** Fires Postgres is known to hold (pushed, or recorded from the outbox). */
  recorded_generation: number;
  /** When it last fired (ms, the object's clock), null if never. */
  last_fired_at: number | null;
};

/** What a call changed, to persist in the same turn (TriggerOutbox.apply). */
export type BookChanges = {
  /** New triggers: the outbox's pending rows. */
  triggers: AlertTrigger[];
  /** Where each new trigger goes, by idempotency key: its alert's channels when it fired. */
  channels: Map<string, GroupAlert['channels']>;
  /** Alerts whose stored entry is new or changed. */
  saved: Map<string, BookEntry>;
  /** Alerts to delete from storage. */
  removed: string[];
  /** Crossing reference prices to store (null: delete). */
  prices: Map<number, number | null>;
  /** Alerts that reached expires_at in this call; Postgres may mark them expired. */
  expired: string[];
  /** Idempotency keys Postgres now holds: their outbox rows go. */
  recorded: string[];
};

type Metric = 'price' | 'change_pct' | 'volume' | 'oi';
/** A level fires when `dir × value ≥ key` with `key = dir × bound`: above −1, below +1, so the fired are always the ladder's top end. */
const LEVELS = {
  price_above: { metric: 'price', dir: -1 },
  price_below: { metric: 'price', dir: 1 },
  change_pct_above: { metric: 'change_pct', dir: -1 },
  change_pct_below: { metric: 'change_pct', dir: 1 },
  volume_above: { metric: 'volume', dir: -1 },
  oi_above: { metric: 'oi', dir: -1 },
} as const satisfies Partial<Record<ConditionType, { metric: Metric; dir: 1 | -1 }>>;
type LevelType = keyof typeof LEVELS;
type CrossType = 'crosses_up' | 'crosses_down';

/** The tick mode an alert type needs: the close and volume come with quote ticks, OI with full ones. */
const MODE: Record<ConditionType, TickMode> = {
  price_above: 'ltp',
  price_below: 'ltp',
  crosses_up: 'ltp',
  crosses_down: 'ltp',
  change_pct_above: 'quote',
  change_pct_below: 'quote',
  volume_above: 'quote',
  oi_above: 'full',
};

/**
 * armed: in its ladder. cooling: fired, recurring, armed again at rearmAt
 * (a level waits in the cooling queue; a crossing stays in its ladder and is
 * skipped until then). idle: not evaluated (not active, or fired once).
 */
type Status = 'armed' | 'cooling' | 'idle';

type Held = {
  readonly id: string;
  readonly key: number;
  readonly type: ConditionType;
  readonly token: number;
  entry: BookEntry;
  status: Status;
  rearmAt: number;
};

type Instrument = {
  ladders: Map<ConditionType, ThresholdLadder<Held>>;
  /** Armed or cooling alerts, by the tick mode they need. */
  live: Record<TickMode, number>;
  crossings: number;
  /** The last price the crossings were judged against; undefined until a tick (or a seed) gives one. */
  price: number | undefined;
};

export class AlertBook {
  readonly #alerts = new Map<string, Held>();
  readonly #instruments = new Map<number, Instrument>();
  /** Fired recurring level alerts, by when they are armed again. */
  readonly #cooling = new TimeQueue<Held>();
  /** Live alerts with an expiry, by it. */
  readonly #expiries = new TimeQueue<Held>();

  /** Alerts held (active ones, and others kept for their fires until Postgres's next word about them). */
  get size(): number {
    return this.#alerts.size;
  }

  /** Whether any armed or cooling alert is on `token`: the group need not decode the others' ticks. */
  watches(token: number): boolean {
    return this.#instruments.has(token);
  }

  /** The tick mode each watched instrument needs, for the group's demand. */
  demand(): Map<number, TickMode> {
    const out = new Map<number, TickMode>();
    for (const [token, instrument] of this.#instruments) {
      out.set(token, instrument.live.full > 0 ? 'full' : instrument.live.quote > 0 ? 'quote' : 'ltp');
    }
    return out;
  }

  /** Replaces the book with what storage held (at the object's start); `prices` are the stored crossing references. */
  load(entries: readonly BookEntry[], prices: ReadonlyMap<number, number>, now: number): BookChanges {
    return this.#rebuild(entries, prices, now, emptyChanges());
  }

  /**
   * Reconciles with Postgres: `alerts` is every alert of the group in any
   * state (one not listed was deleted). Each is merged as `upsert` merges.
   */
  sync(alerts: readonly GroupAlert[], now: number): BookChanges {
    const changes = emptyChanges();
    const entries = alerts.map((alert) => merge(this.#alerts.get(alert.id)?.entry, alert));
    const listed = new Set(alerts.map((alert) => alert.id));
    for (const id of this.#alerts.keys()) if (!listed.has(id)) changes.removed.push(id);
    const prices = new Map<number, number>();
    for (const [token, instrument] of this.#instruments) if (instrument.price !== undefined) prices.set(token, instrument.price);
    this.#rebuild(entries, prices, now, changes);
    for (const [id, held] of this.#alerts) changes.saved.set(id, held.entry);
    return changes;
  }

  /**
   * Adds or replaces one alert (create, update, pause, resume). `lastPrice`,
   * the instrument's latest price if the group holds one, seeds the crossing
   * reference of an instrument that has none, so a new crossing alert can
   * fire on the very next tick.
   */
  upsert(alert: GroupAlert, now: number, lastPrice?: number): BookChanges {
    const changes = emptyChanges();
    this.#advance(now, changes);
    const old = this.#alerts.get(alert.id);
    const token = alert.instrument.instrument_token;
    const reference = this.#instruments.get(token)?.price ?? lastPrice;
    if (old) this.#forget(old, changes);
    const held = this.#hold(merge(old?.entry, alert), now, changes);
    if (!held) return changes;
    changes.removed = changes.removed.filter((id) => id !== held.id);
    changes.saved.set(held.id, held.entry);
    this.#place(held);
    const instrument = this.#instruments.get(token);
    if (instrument && instrument.crossings > 0) {
      instrument.price ??= reference;
      // The set of crossing bounds may have grown: store the reference it is judged against now (see the header).
      if (instrument.price !== undefined) changes.prices.set(token, instrument.price);
    }
    return changes;
  }

  /** Deletes one alert. */
  remove(id: string, now: number): BookChanges {
    const changes = emptyChanges();
    this.#advance(now, changes);
    const held = this.#alerts.get(id);
    if (held) this.#forget(held, changes);
    return changes;
  }

  /**
   * Evaluates ticks in order (a batch may hold several of one instrument),
   * after expiring and re-arming what is due at `now`. A recurring alert
   * fires at most once per call: its cool-down is at least 10 s.
   */
  evaluate(ticks: readonly AlertTick[], now: number): BookChanges {
    const changes = emptyChanges();
    this.#advance(now, changes);
    for (const tick of ticks) {
      const instrument = this.#instruments.get(tick.token);
      if (instrument === undefined) continue;
      for (const [type, ladder] of instrument.ladders) {
        if (!isCross(type)) this.#fireLevel(type, ladder, tick, now, changes);
      }
      if (instrument.crossings > 0) this.#fireCrossings(instrument, tick, now, changes);
    }
    return changes;
  }

  /**
   * Postgres holds these triggers now: their outbox rows go. An alert kept
   * only for them stays until Postgres's next word about it (see the header).
   */
  recorded(triggers: readonly Pick<AlertTrigger, 'alert_id' | 'generation' | 'idempotency_key'>[]): BookChanges {
    const changes = emptyChanges();
    for (const trigger of triggers) {
      changes.recorded.push(trigger.idempotency_key);
      const held = this.#alerts.get(trigger.alert_id);
      if (!held || held.entry.recorded_generation > trigger.generation) continue;
      held.entry = { ...held.entry, recorded_generation: trigger.generation + 1 };
      changes.saved.set(held.id, held.entry);
    }
    return changes;
  }

  // ---- evaluation ----

  #fireLevel(type: LevelType, ladder: ThresholdLadder<Held>, tick: AlertTick, now: number, changes: BookChanges): void {
    if (ladder.length === 0) return;
    const { metric, dir } = LEVELS[type];
    const value = metricOf(tick, metric);
    if (value === undefined) return;
    const from = ladder.lowerBound(dir * value);
    if (from === ladder.length) return;
    for (const held of ladder.cutFrom(from)) this.#fire(held, value, tick, null, now, changes);
  }

  /**
   * crosses_up fires the bounds in (previous, price], crosses_down those in
   * [price, previous): strictly on one side before, at or past it now. The
   * reference is stored whenever the price passed a bound, fired or not.
   */
  #fireCrossings(instrument: Instrument, tick: AlertTick, now: number, changes: BookChanges): void {
    const previous = instrument.price;
    const price = tick.last_price;
    instrument.price = price;
    if (previous === undefined) {
      changes.prices.set(tick.token, price);
      return;
    }
    if (price === previous) return;
    let passedBound = false;
    const up = instrument.ladders.get('crosses_up');
    if (up && up.length > 0) {
      const from = up.upperBound(previous);
      const to = up.upperBound(price);
      if (from !== to) passedBound = true;
      if (price > previous && from < to) this.#fireRange(up, from, to, tick, previous, now, changes);
    }
    const down = instrument.ladders.get('crosses_down');
    if (down && down.length > 0) {
      const from = down.lowerBound(price);
      const to = down.lowerBound(previous);
      if (from !== to) passedBound = true;
      if (price < previous && from < to) this.#fireRange(down, from, to, tick, previous, now, changes);
    }
    if (passedBound && this.#instruments.get(tick.token) === instrument) changes.prices.set(tick.token, price);
  }

  /** Fires the crossing alerts of [from, to) that are not cooling; one-shot ones leave the ladder, recurring ones stay to cool. */
  #fireRange(ladder: ThresholdLadder<Held>, from: number, to: number, tick: AlertTick, previous: number, now: number, changes: BookChanges): void {
    ladder.removeIn(from, to, (held) => {
      if (held.status === 'cooling' && now < held.rearmAt) return false;
      this.#fire(held, tick.last_price, tick, previous, now, changes);
      return held.status === 'idle';
    });
  }

  /** Emits the trigger and advances the alert: generation + 1, then triggered (one-shot) or cooling (recurring). */
  #fire(held: Held, value: number, tick: AlertTick, previous: number | null, now: number, changes: BookChanges): void {
    const alert = held.entry.alert;
    const firedAt = new Date(now).toISOString();
    const key = `${alert.id}:${alert.generation}`;
    changes.channels.set(key, alert.channels);
    changes.triggers.push({
      idempotency_key: key,
      alert_id: alert.id,
      user_id: alert.user_id,
      generation: alert.generation,
      instrument: alert.instrument,
      condition: alert.condition,
      value,
      last_price: tick.last_price,
      previous_price: previous,
      tick_at: new Date(tick.at).toISOString(),
      triggered_at: firedAt,
      note: alert.note,
    });
    const once = alert.repeat.type === 'once';
    held.entry = {
      ...held.entry,
      alert: { ...alert, generation: alert.generation + 1, state: once ? 'triggered' : alert.state, last_triggered_at: firedAt },
      last_fired_at: now,
    };
    changes.saved.set(held.id, held.entry);
    if (once) {
      this.#release(held, changes);
    } else {
      held.status = 'cooling';
      held.rearmAt = now + cooldownMs(alert);
      if (!isCross(held.type)) this.#cooling.push(held.rearmAt, held);
    }
  }

  /** Expires what is due and puts cooled-down level alerts back in their ladders. */
  #advance(now: number, changes: BookChanges): void {
    this.#expiries.popDue(now, (held) => {
      if (this.#alerts.get(held.id) === held && held.status !== 'idle') this.#expire(held, changes);
    });
    const rearmed = new Map<ThresholdLadder<Held>, Held[]>();
    this.#cooling.popDue(now, (held, at) => {
      if (this.#alerts.get(held.id) !== held || held.status !== 'cooling' || held.rearmAt !== at) return;
      held.status = 'armed';
      pushTo(rearmed, this.#ladder(held), held);
    });
    for (const [ladder, held] of rearmed) ladder.insertAll(held);
  }

  /** A live alert past its expiry: no longer evaluated, kept only while it has unrecorded fires. */
  #expire(held: Held, changes: BookChanges): void {
    this.#unplace(held);
    this.#release(held, changes);
    held.entry = { ...held.entry, alert: { ...held.entry.alert, state: 'expired' } };
    changes.expired.push(held.id);
    if (worthKeeping(held.entry)) changes.saved.set(held.id, held.entry);
    else this.#forget(held, changes);
  }

  // ---- holding alerts ----

  /**
   * Takes an entry into the book: counted on its instrument if live, queued
   * for expiry. Returns undefined (and records the removal) for an entry
   * that expired or is not worth keeping. The caller places it.
   */
  #hold(entry: BookEntry, now: number, changes: BookChanges): Held | undefined {
    const alert = entry.alert;
    let kept = entry;
    if (alert.expires_at !== null && Date.parse(alert.expires_at) <= now && (alert.state === 'active' || alert.state === 'paused')) {
      kept = { ...entry, alert: { ...alert, state: 'expired' } };
      changes.expired.push(alert.id);
      changes.saved.set(alert.id, kept);
    }
    if (!worthKeeping(kept)) {
      changes.saved.delete(alert.id);
      changes.removed.push(alert.id);
      return undefined;
    }
    const type = alert.condition.type;
    const rearmAt = kept.last_fired_at === null ? 0 : kept.last_fired_at + cooldownMs(alert);
    const status: Status = kept.alert.state !== 'active' ? 'idle' : now < rearmAt ? 'cooling' : 'armed';
    const bound = boundOf(alert.condition);
    const held: Held = {
      id: alert.id,
      key: isCross(type) ? bound : LEVELS[type].dir * bound,
      type,
      token: alert.instrument.instrument_token,
      entry: kept,
      status,
      rearmAt,
    };
    this.#alerts.set(held.id, held);
    if (status !== 'idle') {
      if (alert.expires_at !== null) this.#expiries.push(Date.parse(alert.expires_at), held);
      const instrument = this.#instrument(held.token);
      instrument.live[MODE[type]]++;
      if (isCross(type)) instrument.crossings++;
    }
    return held;
  }

  /** Whether a held alert sits in its ladder: armed, or a cooling crossing (skipped until it re-arms). */
  #inLadder(held: Held): boolean {
    return held.status === 'armed' || (held.status === 'cooling' && isCross(held.type));
  }

  /** Puts a held alert where its status says: its ladder, the cooling queue, or nowhere. */
  #place(held: Held): void {
    if (this.#inLadder(held)) this.#ladder(held).insert(held);
    else if (held.status === 'cooling') this.#cooling.push(held.rearmAt, held);
  }

  /** Takes it out of its ladder (a queued entry goes stale by itself). */
  #unplace(held: Held): void {
    if (this.#inLadder(held)) this.#ladder(held).remove(held);
  }

  /** Forgets an alert: out of its ladder, off its instrument, out of storage. */
  #forget(held: Held, changes: BookChanges): void {
    this.#unplace(held);
    this.#release(held, changes);
    this.#alerts.delete(held.id);
    changes.saved.delete(held.id);
    changes.removed.push(held.id);
  }

  /** Makes a live alert idle and uncounts it; an instrument left with none is forgotten with its reference price. */
  #release(held: Held, changes: BookChanges): void {
    if (held.status === 'idle') return;
    held.status = 'idle';
    const instrument = this.#instruments.get(held.token);
    if (!instrument) return;
    instrument.live[MODE[held.type]]--;
    if (isCross(held.type)) instrument.crossings--;
    if (instrument.live.ltp + instrument.live.quote + instrument.live.full > 0) return;
    this.#instruments.delete(held.token);
    changes.prices.set(held.token, null);
  }

  #rebuild(entries: readonly BookEntry[], prices: ReadonlyMap<number, number>, now: number, changes: BookChanges): BookChanges {
    this.#alerts.clear();
    this.#instruments.clear();
    this.#cooling.clear();
    this.#expiries.clear();
    const byLadder = new Map<ThresholdLadder<Held>, Held[]>();
    for (const entry of entries) {
      const held = this.#hold(entry, now, changes);
      if (!held) continue;
      if (this.#inLadder(held)) pushTo(byLadder, this.#ladder(held), held);
      else if (held.status === 'cooling') this.#cooling.push(held.rearmAt, held);
    }
    for (const [ladder, held] of byLadder) ladder.insertAll(held);
    for (const [token, price] of prices) {
      const instrument = this.#instruments.get(token);
      if (instrument && instrument.crossings > 0) instrument.price = price;
      else changes.prices.set(token, null);
    }
    return changes;
  }

  #instrument(token: number): Instrument {
    let instrument = this.#instruments.get(token);
    if (!instrument) {
      instrument = { ladders: new Map(), live: { ltp: 0, quote: 0, full: 0 }, crossings: 0, price: undefined };
      this.#instruments.set(token, instrument);
    }
    return instrument;
  }

  #ladder(held: Held): ThresholdLadder<Held> {
    const instrument = this.#instrument(held.token);
    let ladder = instrument.ladders.get(held.type);
    if (!ladder) {
      ladder = new ThresholdLadder<Held>();
      instrument.ladders.set(held.type, ladder);
    }
    return ladder;
  }
}

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** A push merged into what the book knows: generation and last fire never go back; a one-shot the book saw fire stays triggered. */
function merge(local: BookEntry | undefined, pushed: GroupAlert): BookEntry {
  const generation = Math.max(local?.alert.generation ?? 0, pushed.generation);
  const pushedFiredAt = pushed.last_triggered_at === null ? null : Date.parse(pushed.last_triggered_at);
  const localFiredAt = local?.last_fired_at ?? null;
  const lastFiredAt = localFiredAt === null ? pushedFiredAt : pushedFiredAt === null ? localFiredAt : Math.max(localFiredAt, pushedFiredAt);
  const firedSincePush = generation > pushed.generation;
  const state = pushed.repeat.type === 'once' && pushed.state === 'active' && firedSincePush ? 'triggered' : pushed.state;
  return {
    alert: {
      ...pushed,
      generation,
      state,
      last_triggered_at: lastFiredAt === null ? null : new Date(lastFiredAt).toISOString(),
    },
    recorded_generation: Math.max(local?.recorded_generation ?? 0, pushed.generation),
    last_fired_at: lastFiredAt,
  };
}

/** Active alerts are evaluated; others are kept only while they have fires Postgres has not recorded. */
function worthKeeping(entry: BookEntry): boolean {
  return entry.alert.state === 'active' || entry.recorded_generation < entry.alert.generation;
}

function isCross(type: ConditionType): type is CrossType {
  return type === 'crosses_up' || type === 'crosses_down';
}

function cooldownMs(alert: GroupAlert): number {
  return alert.repeat.type === 'recurring' ? alert.repeat.cooldown_s * 1000 : 0;
}

function boundOf(condition: GroupAlert['condition']): number {
  switch (condition.type) {
    case 'change_pct_above':
    case 'change_pct_below':
      return condition.percent;
    case 'volume_above':
      return condition.volume;
    case 'oi_above':
      return condition.oi;
    default:
      return condition.price;
  }
}

/**
 * A tick's value for a metric, or undefined when the tick does not carry it.
 * The percent change is rounded to 1e-6 so that a move of exactly 5% is 5,
 * not 4.999999999999999, and a bound of 5 fires on it.
 */
function metricOf(tick: AlertTick, metric: Metric): number | undefined {
  switch (metric) {
    case 'price':
      return tick.last_price;
    case 'change_pct':
      return tick.close === undefined || tick.close <= 0 ? undefined : Math.round(((tick.last_price - tick.close) * 100 * 1e6) / tick.close) / 1e6;
    case 'volume':
      return tick.volume;
    case 'oi':
      return tick.oi;
  }
}

function emptyChanges(): BookChanges {
  return { triggers: [], channels: new Map(), saved: new Map(), removed: [], prices: new Map(), expired: [], recorded: [] };
}
