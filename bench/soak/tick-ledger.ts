import type { ClientMode } from '../../contracts/client-protocol.ts';
import type { FaultWindows } from './fault-windows.ts';
import type { KiteCarriage } from './kite-carriage.ts';
import type { RoundLog } from './round-log.ts';
import { RoundsSeen } from './rounds-seen.ts';

/**
 * What each session received of each instrument it held, and what it
 * should have received but did not (docs/testing.md, "The soak").
 *
 * Lost ticks are counted exactly where the ticks say which round they
 * are: in `full` mode every packet carries its round's second
 * (`exchange_timestamp`), and the simulator sends every subscribed
 * instrument in every round. So while a session holds an instrument in
 * full mode, from the first tick it receives on, a round the simulator
 * sent (round-log.ts) on the Kite connection that carried the instrument
 * then (kite-carriage.ts) whose tick never arrived is a lost tick: between two
 * received ticks, and after the last one up to the end of the holding,
 * less `tailAllowanceMs` for rounds still on their way. Rounds sent inside
 * a fault's window (fault-windows.ts) are counted apart, as lost to the
 * fault. A round received twice (a resumed session's snapshot repeats one)
 * is a duplicate, not a loss (counted apart inside fault windows too).
 *
 * Stalls cover every mode (`ltp` and `quote` ticks carry no time): a
 * stretch of more than `stallMs` with no tick of an instrument the session
 * held, outside fault windows, from the holding's start or the previous
 * tick to the next tick or the holding's end.
 */
export type LedgerOptions = { stallMs: number; tailAllowanceMs: number };

type Holding = {
  group: string;
  mode: ClientMode;
  /** Rounds older than this second are snapshots from before the holding (or its switch to full mode). */
  firstSecond: number;
  lastSecond: number | undefined;
  lastTickAt: number;
};

/** Rounds between two seconds (exclusive) that may be missing, or after a second and sent before a time. */
type Gap = { slot: number; token: number; group: string; fromSecond: number; toSecond: number; sentBefore: number };
type Stall = { group: string; from: number; to: number };

/** `elsewhere`: how many of the missing rounds another session received (lost on the way to this one, not before the hubs). */
export type LossExample = { slot: number; token: number; group: string; missing: number[]; elsewhere: number };

export type LossReport = {
  /** Ticks received of held instruments, every mode. */
  ticks: number;
  /** Of those, full-mode ticks whose rounds the loss count follows. */
  sequencedTicks: number;
  lost: number;
  /** Of `lost`, the rounds sent while the sessions were still opening (a burst of upgrades and subscriptions). */
  lostWhileOpening: number;
  /** Of `lost`, the rounds no session received at all (lost before the hubs: Kite, the origin, a group object). */
  lostByAll: number;
  /** Rounds missing inside fault windows: the faults' cost, not counted in `lost`. */
  lostToFaults: number;
  sessionsWithLoss: number;
  /** Rounds received twice outside fault windows, and inside them (a link re-sending its latest tick after a fault). */
  duplicates: number;
  duplicatesInFaults: number;
  /** Stretches of more than stallMs without a tick, per session and instrument, outside fault windows. */
  stalls: number;
  longestStallMs: number;
  sessionsWithStalls: number;
  /** The stalls merged in time: a hiccup of the whole platform is one episode of many sessions. The largest few. */
  stallEpisodes: { from: number; to: number; sessions: number }[];
  /** A few of the losses, to start looking from (after the opening first). */
  examples: LossExample[];
};

const EXAMPLES = 5;

/** Overlapping stalls merged into episodes, the ones of most sessions first. */
function episodes(stalls: readonly { slot: number; from: number; to: number }[]): LossReport['stallEpisodes'] {
  const merged: { from: number; to: number; slots: Set<number> }[] = [];
  for (const stall of [...stalls].sort((a, b) => a.from - b.from)) {
    const last = merged.at(-1);
    if (last && stall.from <= last.to) {
      last.to = Math.max(last.to, stall.to);
      last.slots.add(stall.slot);
    } else merged.push({ from: stall.from, to: stall.to, slots: new Set([stall.slot]) });
  }
  return merged
    .map((e) => ({ from: e.from, to: e.to, sessions: e.slots.size }))
    .sort((a, b) => b.sessions - a.sessions)
    .slice(0, EXAMPLES);
}

export class TickLedger {
  readonly #options: LedgerOptions;
  readonly #holdings = new Map<number, Map<number, Holding>>();
  readonly #gaps: Gap[] = [];
  readonly #stalls = new Map<number, Stall[]>();
  readonly #duplicates: { group: string; second: number }[] = [];
  readonly #seen = new RoundsSeen();
  #ticks = 0;
  #sequenced = 0;

  constructor(options: LedgerOptions) {
    this.#options = options;
  }

  /** Ticks received so far (progress lines). */
  get ticks(): number {
    return this.#ticks;
  }

  /** The session holds the instrument in `mode` from `at` on (a new holding, or a change of mode). */
  hold(slot: number, token: number, group: string, mode: ClientMode, at: number): void {
    let held = this.#holdings.get(slot);
    if (!held) {
      held = new Map();
      this.#holdings.set(slot, held);
    }
    const before = held.get(token);
    if (before?.mode === mode) return;
    if (before) this.#endSequence(slot, token, before, at);
    held.set(token, { group, mode, firstSecond: Math.floor(at / 1000), lastSecond: undefined, lastTickAt: before?.lastTickAt ?? at });
  }

  /** A tick the session received; `second` is its exchange_timestamp, null in modes without one. */
  tick(slot: number, token: number, mode: ClientMode, second: number | null, at: number): void {
    const holding = this.#holdings.get(slot)?.get(token);
    if (!holding) return; // in flight after an unsubscribe: the isolation check judges it
    this.#ticks++;
    this.#stall(slot, holding.group, holding.lastTickAt, at);
    holding.lastTickAt = at;
    if (second === null || mode !== 'full' || holding.mode !== 'full' || second < holding.firstSecond) return;
    if (holding.lastSecond !== undefined && second <= holding.lastSecond) {
      this.#duplicates.push({ group: holding.group, second });
      return;
    }
    this.#sequenced++;
    this.#seen.mark(token, second);
    if (holding.lastSecond !== undefined && second > holding.lastSecond + 1)
      this.#gaps.push({ slot, token, group: holding.group, fromSecond: holding.lastSecond, toSecond: second, sentBefore: Number.POSITIVE_INFINITY });
    holding.lastSecond = second;
  }

  release(slot: number, token: number, at: number): void {
    const held = this.#holdings.get(slot);
    const holding = held?.get(token);
    if (!held || !holding) return;
    this.#endSequence(slot, token, holding, at);
    this.#stall(slot, holding.group, holding.lastTickAt, at);
    held.delete(token);
  }

  /** The session closed: it holds nothing from `at` on. */
  releaseAll(slot: number, at: number): void {
    for (const token of [...(this.#holdings.get(slot)?.keys() ?? [])]) this.release(slot, token, at);
  }

  /** What was lost, once the rounds, their carriage and the fault windows are known (the soak has ended); `openedAt`: when every session had opened. */
  report(rounds: RoundLog, carriage: KiteCarriage, windows: FaultWindows, openedAt: number): LossReport {
    let lost = 0;
    let lostWhileOpening = 0;
    let lostByAll = 0;
    let lostToFaults = 0;
    const sessionsWithLoss = new Set<number>();
    const examples: LossExample[] = [];
    const openingExamples: LossExample[] = [];
    for (const gap of this.#gaps) {
      const missing: number[] = [];
      let whileOpening = 0;
      for (const round of rounds.between(gap.fromSecond, gap.toSecond, gap.sentBefore)) {
        if (!carriage.carried(gap.token, round)) continue;
        if (windows.covers(gap.group, round.sentAt)) lostToFaults++;
        else {
          missing.push(round.second);
          if (round.sentAt < openedAt) whileOpening++;
        }
      }
      if (missing.length === 0) continue;
      const elsewhere = missing.filter((second) => this.#seen.has(gap.token, second)).length;
      lost += missing.length;
      lostWhileOpening += whileOpening;
      lostByAll += missing.length - elsewhere;
      sessionsWithLoss.add(gap.slot);
      const list = whileOpening === missing.length ? openingExamples : examples;
      if (list.length < EXAMPLES) list.push({ slot: gap.slot, token: gap.token, group: gap.group, missing, elsewhere });
    }
    const stalls: { slot: number; from: number; to: number }[] = [];
    for (const [slot, list] of this.#stalls) {
      for (const stall of list) {
        const outside = windows.longestOutside(stall.group, stall.from, stall.to);
        if (outside.to - outside.from > this.#options.stallMs) stalls.push({ slot, ...outside });
      }
    }
    return {
      ticks: this.#ticks,
      sequencedTicks: this.#sequenced,
      lost,
      lostWhileOpening,
      lostByAll,
      lostToFaults,
      sessionsWithLoss: sessionsWithLoss.size,
      duplicates: this.#duplicates.filter((d) => !windows.covers(d.group, rounds.sentAt(d.second))).length,
      duplicatesInFaults: this.#duplicates.filter((d) => windows.covers(d.group, rounds.sentAt(d.second))).length,
      stalls: stalls.length,
      longestStallMs: Math.max(0, ...stalls.map((s) => s.to - s.from)),
      sessionsWithStalls: new Set(stalls.map((s) => s.slot)).size,
      stallEpisodes: episodes(stalls),
      // The steady state's first: the opening's burst is expected to cost some.
      examples: [...examples, ...openingExamples].slice(0, EXAMPLES),
    };
  }

  /** A full-mode sequence ends (the holding ends or leaves full mode): rounds after its last tick, sent in good time before the end, were due. */
  #endSequence(slot: number, token: number, holding: Holding, at: number): void {
    if (holding.mode !== 'full' || holding.lastSecond === undefined) return;
    this.#gaps.push({
      slot,
      token,
      group: holding.group,
      fromSecond: holding.lastSecond,
      toSecond: Number.POSITIVE_INFINITY,
      sentBefore: at - this.#options.tailAllowanceMs,
    });
  }

  #stall(slot: number, group: string, from: number, to: number): void {
    if (to - from <= this.#options.stallMs) return;
    let list = this.#stalls.get(slot);
    if (!list) {
      list = [];
      this.#stalls.set(slot, list);
    }
    list.push({ group, from, to });
  }
}
