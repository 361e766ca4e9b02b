/**
 * How long each session took to recover from each fault (docs/testing.md,
 * "The soak").
 *
 * A session is affected by a fault when, as the fault begins, it holds
 * instruments in full mode within the fault's reach (every instrument for
 * Kite's faults and the origin's death, the group's own for a group
 * object's restart): full-mode ticks carry their round's second, so a
 * tick can be told apart from one already on its way before the fault. It
 * has recovered when each of those instruments has ticked with a round the
 * simulator sent after the fault ended and, on /v2/ws, every group it was
 * told was `stale` or `down` since the fault began has been told `live`
 * again (or the session got a new socket, which assumes `live`, or no
 * longer holds anything in that group, of which it then hears nothing). Its
 * recovery time runs from the fault's end (the injection's answer, or for
 * a silence the moment Kite speaks again) to then. A session that closes
 * before, or stops holding all of those instruments, has left and is not
 * counted either way.
 */
export type FaultKind = 'kite-drop' | 'kite-silence' | 'kite-malformed' | 'origin-kill' | 'group-restart';

export type Fault = {
  id: number;
  kind: FaultKind;
  start: number;
  /** When the fault was over (undefined while it lasts). */
  end?: number;
  /** A group object's restart reaches that group's instruments only. */
  group?: string;
  /** When every affected session had recovered or left, or the bound ran out: the end of the fault's window. */
  settledAt?: number;
};

/** A session as a fault begins: its full-mode instruments and their groups. */
export type Exposure = { slot: number; full: { token: number; group: string }[] };

type Watch = {
  waiting: Set<number>;
  satisfiedAt: number | undefined;
  ticksAt: number | undefined;
  notLive: Set<string>;
  everNotLive: boolean;
  liveAt: number | undefined;
  recoveredAt: number | undefined;
  left: boolean;
  /** Recovered or left: no longer holding the fault back. */
  done: boolean;
};

export type FaultOutcome = {
  fault: Fault;
  /** Sessions open with instruments in reach (measured), and open ones without any in full mode (not measured). */
  affected: number;
  unmeasured: number;
  /** ms from the fault's end to each recovered session's recovery, ascending. */
  recoveryMs: number[];
  /** Of the recovered, how many were told the feed was not live, and how long until `live` came back (ms, ascending). */
  toldNotLive: number;
  liveMs: number[];
  left: number;
  /** Sessions not recovered within the bound (or by the end of the soak). */
  unrecovered: number;
  /** A few of those: the instruments each still waited for a tick of when the bound ran out, and the groups it was last told were not live. */
  stuck: { slot: number; waiting: number[]; notLive: string[] }[];
};

const STUCK_SHOWN = 5;

type Tracked = { fault: Fault; watches: Map<number, Watch>; unmeasured: number; pending: number };

export class RecoveryTracker {
  readonly #faults: Tracked[] = [];
  readonly #sentAt: (second: number) => number;
  readonly #boundMs: number;
  readonly #onProgress: () => void;

  /** `sentAt`: when the simulator sent the round of a second (round-log.ts); `onProgress`: a session recovered or left. */
  constructor(sentAt: (second: number) => number, boundMs: number, onProgress: () => void = () => {}) {
    this.#sentAt = sentAt;
    this.#boundMs = boundMs;
    this.#onProgress = onProgress;
  }

  begin(fault: Fault, sessions: readonly Exposure[]): void {
    const watches = new Map<number, Watch>();
    let unmeasured = 0;
    for (const { slot, full } of sessions) {
      const inReach = full.filter((f) => fault.group === undefined || f.group === fault.group);
      if (inReach.length === 0) {
        if (fault.group === undefined) unmeasured++;
        continue;
      }
      watches.set(slot, {
        waiting: new Set(inReach.map((f) => f.token)),
        satisfiedAt: undefined,
        ticksAt: undefined,
        notLive: new Set(),
        everNotLive: false,
        liveAt: undefined,
        recoveredAt: undefined,
        left: false,
        done: false,
      });
    }
    this.#faults.push({ fault, watches, unmeasured, pending: watches.size });
  }

  /** The fault is over (a silence lifted): ticks of rounds sent after `at` are recovery. */
  ended(fault: Fault, at: number): void {
    fault.end = at;
  }

  tick(slot: number, token: number, second: number, at: number): void {
    for (const { tracked, watch } of this.#watching(slot)) {
      const { end } = tracked.fault;
      if (end === undefined || !watch.waiting.has(token) || this.#sentAt(second) <= end) continue;
      watch.waiting.delete(token);
      watch.satisfiedAt = at;
      if (watch.waiting.size === 0) watch.ticksAt = at;
      this.#check(tracked, watch);
    }
  }

  status(slot: number, group: string, live: boolean, at: number): void {
    for (const { tracked, watch } of this.#watching(slot)) {
      if (at < tracked.fault.start) continue;
      if (live) {
        if (!watch.notLive.delete(group)) continue;
        if (watch.notLive.size === 0) watch.liveAt = at;
      } else {
        watch.notLive.add(group);
        watch.everNotLive = true;
        watch.liveAt = undefined;
      }
      this.#check(tracked, watch);
    }
  }

  /** A new socket for the session (a resume): it assumes `live` until told otherwise. */
  reconnected(slot: number, at: number): void {
    for (const { tracked, watch } of this.#watching(slot)) {
      if (watch.notLive.size === 0) continue;
      watch.notLive.clear();
      watch.liveAt = at;
      this.#check(tracked, watch);
    }
  }

  /** The groups the session holds instruments of now: it is told nothing more of a group it left, so it waits for no `live` of it. */
  holding(slot: number, groups: ReadonlySet<string>, at: number): void {
    for (const { tracked, watch } of this.#watching(slot)) {
      if (watch.notLive.size === 0) continue;
      for (const group of watch.notLive) if (!groups.has(group)) watch.notLive.delete(group);
      if (watch.notLive.size > 0) continue;
      watch.liveAt = at;
      this.#check(tracked, watch);
    }
  }

  /** The session no longer holds `token` in full mode: it cannot tell recovery on it. */
  released(slot: number, token: number): void {
    for (const { tracked, watch } of this.#watching(slot)) {
      if (!watch.waiting.delete(token) || watch.waiting.size > 0) continue;
      if (watch.satisfiedAt === undefined) this.#leave(tracked, watch);
      else watch.ticksAt = watch.satisfiedAt;
      this.#check(tracked, watch);
    }
  }

  /** The session closed (its socket is gone). */
  left(slot: number): void {
    for (const { tracked, watch } of this.#watching(slot)) this.#leave(tracked, watch);
  }

  /** Whether every affected session has recovered or left, or the bound has run out; settles the fault if so. */
  settled(fault: Fault, now: number): boolean {
    const tracked = this.#faults.find((t) => t.fault === fault);
    if (!tracked || fault.settledAt !== undefined) return true;
    if (fault.end === undefined) return false;
    if (tracked.pending === 0) fault.settledAt = Math.max(fault.end, ...[...tracked.watches.values()].map((w) => w.recoveredAt ?? 0));
    else if (now > fault.end + this.#boundMs) fault.settledAt = fault.end + this.#boundMs;
    return fault.settledAt !== undefined;
  }

  outcomes(): FaultOutcome[] {
    return this.#faults.map(({ fault, watches, unmeasured }) => {
      const all = [...watches.values()];
      const recovered = all.filter((w) => w.recoveredAt !== undefined && !this.#late(fault, w));
      const end = fault.end ?? fault.start;
      return {
        fault,
        affected: watches.size,
        unmeasured,
        recoveryMs: recovered.map((w) => (w.recoveredAt as number) - end).sort((a, b) => a - b),
        toldNotLive: recovered.filter((w) => w.everNotLive).length,
        liveMs: recovered.flatMap((w) => (w.everNotLive && w.liveAt !== undefined ? [w.liveAt - end] : [])).sort((a, b) => a - b),
        left: all.filter((w) => w.left && w.recoveredAt === undefined).length,
        unrecovered: all.filter((w) => (!w.left && w.recoveredAt === undefined) || this.#late(fault, w)).length,
        stuck: [...watches]
          .filter(([, w]) => !w.left && w.recoveredAt === undefined)
          .slice(0, STUCK_SHOWN)
          .map(([slot, w]) => ({ slot, waiting: [...w.waiting], notLive: [...w.notLive] })),
      };
    });
  }

  /** Recovered, but after the bound. */
  #late(fault: Fault, watch: Watch): boolean {
    return watch.recoveredAt !== undefined && watch.recoveredAt - (fault.end ?? fault.start) > this.#boundMs;
  }

  #check(tracked: Tracked, watch: Watch): void {
    if (watch.done || watch.ticksAt === undefined || watch.notLive.size > 0) return;
    watch.recoveredAt = Math.max(watch.ticksAt, watch.liveAt ?? 0);
    this.#done(tracked, watch);
  }

  #leave(tracked: Tracked, watch: Watch): void {
    if (watch.done) return;
    watch.left = true;
    this.#done(tracked, watch);
  }

  #done(tracked: Tracked, watch: Watch): void {
    watch.done = true;
    tracked.pending--;
    this.#onProgress();
  }

  /** The watches of a session in faults not settled yet. */
  *#watching(slot: number): Generator<{ tracked: Tracked; watch: Watch }> {
    for (const tracked of this.#faults) {
      if (tracked.fault.settledAt !== undefined) continue;
      const watch = tracked.watches.get(slot);
      if (watch && !watch.done) yield { tracked, watch };
    }
  }
}
