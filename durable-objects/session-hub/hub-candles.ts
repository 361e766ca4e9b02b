import { type Candle, type CandleInterval, kiteCandleTime } from '../../contracts/candles.ts';
import type { CandleFrame, ServerMessage } from '../../contracts/client-protocol.ts';
import type { CandleStreamKey, GroupToHub } from '../../contracts/hub-link.ts';
import type { GroupKey } from '../../contracts/instrument-group.ts';

/**
 * The candle streams a hub's sessions hold (docs/candles.md,
 * `subscribe_candles`): one stream per (token, interval) however many
 * sessions hold it, named to its group over the hub's link (`candles`),
 * and each candle the group sends fanned out as it came, stringified once.
 * The last candle of a stream is kept, so a session joining a stream gets
 * it at once. Memory only: a session's candle streams end with it.
 */
type Stream = { group: GroupKey; token: number; interval: CandleInterval; last: Candle | null; sessions: Set<string> };

export type CandleOut = { message: Extract<ServerMessage, { type: 'candle' | 'candle_closed' }>; sessions: Iterable<string> };

export class HubCandles {
  readonly #streams = new Map<string, Stream>();
  /** session id → the keys of its streams. */
  readonly #bySession = new Map<string, Set<string>>();

  countOf(session: string): number {
    return this.#bySession.get(session)?.size ?? 0;
  }

  has(session: string, token: number, interval: CandleInterval): boolean {
    return this.#bySession.get(session)?.has(streamKey(token, interval)) ?? false;
  }

  /** A session joins a stream; `isNew` when the hub did not stream it (the group must hear of it), and the candle as held. */
  subscribe(session: string, group: GroupKey, token: number, interval: CandleInterval): { isNew: boolean; last: Candle | null } {
    const key = streamKey(token, interval);
    let stream = this.#streams.get(key);
    const isNew = stream === undefined;
    if (!stream) {
      stream = { group, token, interval, last: null, sessions: new Set() };
      this.#streams.set(key, stream);
    }
    stream.sessions.add(session);
    const held = this.#bySession.get(session) ?? new Set<string>();
    held.add(key);
    this.#bySession.set(session, held);
    return { isNew, last: stream.last };
  }

  /** A session leaves a stream; the group whose streams changed (the last session left), if any. */
  unsubscribe(session: string, token: number, interval: CandleInterval): GroupKey | undefined {
    const key = streamKey(token, interval);
    return this.#bySession.get(session)?.has(key) ? this.#leave(session, key) : undefined;
  }

  /** A session ended: the groups whose streams changed. */
  dropSession(session: string): Set<GroupKey> {
    const changed = new Set<GroupKey>();
    for (const key of [...(this.#bySession.get(session) ?? [])]) {
      const group = this.#leave(session, key);
      if (group !== undefined) changed.add(group);
    }
    return changed;
  }

  /** The streams the hub holds on a group, as its link names them. */
  streamsOf(group: GroupKey): CandleStreamKey[] {
    const keys: CandleStreamKey[] = [];
    for (const stream of this.#streams.values()) if (stream.group === group) keys.push({ token: stream.token, interval: stream.interval });
    return keys;
  }

  /** A group's candle: kept as the stream's last, and what goes to which sessions. */
  onFrame(group: GroupKey, frame: Extract<GroupToHub, { type: 'candle' }>): CandleOut | undefined {
    const stream = this.#streams.get(streamKey(frame.token, frame.interval));
    if (!stream || stream.group !== group) return undefined;
    stream.last = frame.closed ? null : frame.candle;
    return { message: candleMessage(frame.closed, frame.token, frame.interval, frame.candle), sessions: stream.sessions };
  }

  list(): (CandleStreamKey & { group: string; sessions: number })[] {
    return [...this.#streams.values()].map((s) => ({ group: s.group, token: s.token, interval: s.interval, sessions: s.sessions.size }));
  }

  #leave(session: string, key: string): GroupKey | undefined {
    const held = this.#bySession.get(session);
    held?.delete(key);
    if (held?.size === 0) this.#bySession.delete(session);
    const stream = this.#streams.get(key);
    if (!stream) return undefined;
    stream.sessions.delete(session);
    if (stream.sessions.size > 0) return undefined;
    this.#streams.delete(key);
    return stream.group;
  }
}

export function candleMessage(closed: boolean, token: number, interval: CandleInterval, candle: Candle): CandleOut['message'] {
  return { type: closed ? 'candle_closed' : 'candle', instrument_token: token, interval, candle: candleFrame(candle) };
}

function candleFrame(candle: Candle): CandleFrame {
  return {
    time: kiteCandleTime(candle.time),
    open: candle.open,
    high: candle.high,
    low: candle.low,
    close: candle.close,
    volume: candle.volume,
    oi: candle.oi,
  };
}

const streamKey = (token: number, interval: CandleInterval) => `${token}|${interval}`;
