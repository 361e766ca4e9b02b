import { type Candle, type CandleInterval, kiteCandleTime } from '../../contracts/candles.ts';
import type { CandleFrame, ServerMessage } from '../../contracts/client-protocol.ts';
import type { CandleStreamKey, GroupToHub } from '../../contracts/hub-link.ts';
import type { GroupKey } from '../../contracts/instrument-group.ts';
import { SessionStreams } from './session-streams.ts';

/**
 * The candle streams a hub's sessions hold (docs/candles.md,
 * `subscribe_candles`): one stream per (token, interval) however many
 * sessions hold it (session-streams.ts), named to its group over the hub's link (`candles`),
 * and each candle the group sends fanned out as it came, stringified once.
 * The last candle of a stream is kept, so a session joining a stream gets
 * it at once. Memory only: a session's candle streams end with it.
 */
type Stream = { group: GroupKey; token: number; interval: CandleInterval; last: Candle | null; sessions: Set<string> };

export type CandleOut = { message: Extract<ServerMessage, { type: 'candle' | 'candle_closed' }>; sessions: Iterable<string> };

export class HubCandles {
  readonly #streams = new SessionStreams<Stream>();

  countOf(session: string): number {
    return this.#streams.countOf(session);
  }

  has(session: string, token: number, interval: CandleInterval): boolean {
    return this.#streams.keysOf(session).has(streamKey(token, interval));
  }

  /** A session joins a stream; `isNew` when the hub did not stream it (the group must hear of it), and the candle as held. */
  subscribe(session: string, group: GroupKey, token: number, interval: CandleInterval): { isNew: boolean; last: Candle | null } {
    const { stream, isNew } = this.#streams.join(session, streamKey(token, interval), () => ({ group, token, interval, last: null, sessions: new Set() }));
    return { isNew, last: stream.last };
  }

  /** A session leaves a stream; the group whose streams changed (the last session left), if any. */
  unsubscribe(session: string, token: number, interval: CandleInterval): GroupKey | undefined {
    return this.#streams.leave(session, streamKey(token, interval));
  }

  /** A session ended: the groups whose streams changed. */
  dropSession(session: string): Set<GroupKey> {
    return this.#streams.dropSession(session);
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
