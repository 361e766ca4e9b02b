import { bucketEnd, bucketStart, type Candle, type CandleInterval, mergeCandles } from '../../../contracts/candles.ts';
import type { CandleStreamKey, GroupToHub } from '../../../contracts/hub-link.ts';
import type { KiteExchange } from '../../../contracts/kite-instrument.ts';
import type { TickMode } from '../../../contracts/origin-link.ts';
import { type HubLinks, sendTextToHubs } from '../hub-socket.ts';
import { HubStreams } from '../hub-streams.ts';

/**
 * The candle streams a group pushes to its hubs (contracts/hub-link.ts,
 * docs/candles.md): each hub names, whole, the (token, interval) pairs its
 * sessions stream; the group streams those tokens in full mode (exchange
 * times, volume, OI) for as long as some hub names them.
 *
 * Each stream's candle is the closed minutes of its current interval (kept
 * here as they close; a stream that starts mid-interval reads the ones
 * already closed from Postgres and the group's outbox) with the forming
 * minute laid over; the day stream's is the group's day candle. At most
 * once a second, a stream whose candle changed sends it (`candle`); when
 * its interval's last minute closes, or its end passes, the final one goes
 * with `closed: true`. A frame is stringified once for every hub of the stream.
 */
export const PUSH_INTERVAL_MS = 1_000;
/** After its end, how long an interval whose last minute had no trade waits for a late tick before it closes. */
const CLOSE_AFTER_MS = 3_000;

type Stream = {
  token: number;
  interval: CandleInterval;
  hubs: Set<string>;
  /** The interval being built and its closed minutes (by start). */
  bucket: number | undefined;
  minutes: Map<number, Candle>;
  /** Until the minutes closed before the stream began are read, it sends nothing. */
  ready: boolean;
  lastSent: string | undefined;
};

export type CandleStreamDeps = {
  hubs: HubLinks;
  exchange: KiteExchange;
  forming(token: number): { minute: Candle | undefined; day: Candle | undefined };
  /** The minutes of [from, to) closed before now: Postgres and the group's outbox. */
  closedMinutes(token: number, from: number, to: number): Promise<Candle[]>;
  setDemand(tokens: Map<number, TickMode>): void;
  /** Starts (or keeps) a timer that calls `push` in `ms`. */
  wakeIn(ms: number): void;
};

export class CandleStreams {
  readonly #deps: CandleStreamDeps;
  readonly #streams = new HubStreams<Stream>((stream) => {
    const keys = this.#byToken.get(stream.token);
    keys?.delete(streamKey(stream.token, stream.interval));
    if (keys?.size === 0) this.#byToken.delete(stream.token);
  });
  /** token → its streams' keys (closing minutes find their streams in one lookup). */
  readonly #byToken = new Map<number, Set<string>>();

  constructor(deps: CandleStreamDeps) {
    this.#deps = deps;
  }

  get size(): number {
    return this.#streams.size;
  }

  /** A hub's whole set of streams: new ones start, dropped ones stop, and the streamed tokens are the group's `candles` demand. */
  set(hub: string, streams: readonly CandleStreamKey[], now: number): void {
    const named = new Map(
      streams.map(({ token, interval }) => [
        streamKey(token, interval),
        (): Stream => ({ token, interval, hubs: new Set(), bucket: undefined, minutes: new Map(), ready: false, lastSent: undefined }),
      ]),
    );
    this.#streams.name(hub, named, (stream, created) => {
      if (!created) {
        // A hub joining a stream others have (its new link after a reconnect) gets its candle with the next push.
        stream.lastSent = undefined;
        return;
      }
      const keys = this.#byToken.get(stream.token) ?? new Set<string>();
      keys.add(streamKey(stream.token, stream.interval));
      this.#byToken.set(stream.token, keys);
      void this.#seed(stream, now);
    });
    this.#demandChanged();
    this.#deps.wakeIn(0);
  }

  /** A hub's link closed: its streams go with it. */
  drop(hub: string): void {
    if (this.#streams.drop(hub)) this.#demandChanged();
  }

  /** A minute of `token` closed (minute-candles.ts): folded into its streams; an interval it completes closes. */
  minuteClosed(token: number, minute: Candle): void {
    const keys = this.#byToken.get(token);
    if (!keys) return;
    for (const key of keys) {
      const stream = this.#streams.get(key);
      if (!stream) continue;
      if (stream.interval === 'minute') {
        this.#send(stream, minute, true);
        continue;
      }
      if (stream.interval === 'day') continue;
      const start = bucketStart(minute.time, stream.interval, this.#deps.exchange);
      if (stream.bucket !== undefined && stream.bucket !== start) this.#closeBucket(stream);
      stream.bucket = start;
      stream.minutes.set(minute.time, minute);
      if (minute.time + 60_000 >= bucketEnd(start, stream.interval)) this.#closeBucket(stream);
    }
  }

  /** Every stream whose candle changed sends it; intervals whose end passed without their last minute close. Returns whether to come back. */
  push(now: number): boolean {
    for (const stream of this.#streams.values()) {
      if (!stream.ready) continue;
      if (stream.interval === 'day') {
        const day = this.#deps.forming(stream.token).day;
        if (day) this.#send(stream, day, false);
        continue;
      }
      if (stream.bucket !== undefined && bucketEnd(stream.bucket, stream.interval) + CLOSE_AFTER_MS <= now) this.#closeBucket(stream);
      const current = this.#current(stream);
      if (current) this.#send(stream, current, false);
    }
    return this.#streams.size > 0;
  }

  #current(stream: Stream): Candle | undefined {
    const forming = this.#deps.forming(stream.token).minute;
    if (stream.interval === 'minute') return forming;
    const start = forming ? bucketStart(forming.time, stream.interval, this.#deps.exchange) : stream.bucket;
    if (start === undefined) return undefined;
    const closed = start === stream.bucket ? [...stream.minutes.values()].sort((a, b) => a.time - b.time) : [];
    return mergeCandles(start, forming ? [...closed, forming] : closed);
  }

  #closeBucket(stream: Stream): void {
    const start = stream.bucket;
    const closed =
      start === undefined
        ? undefined
        : mergeCandles(
            start,
            [...stream.minutes.values()].sort((a, b) => a.time - b.time),
          );
    stream.bucket = undefined;
    stream.minutes.clear();
    if (closed && stream.ready) this.#send(stream, closed, true);
  }

  /** The minutes of the stream's current interval closed before it began. */
  async #seed(stream: Stream, now: number): Promise<void> {
    if (stream.interval === 'minute' || stream.interval === 'day') {
      stream.ready = true;
      return;
    }
    const start = bucketStart(now - (now % 60_000), stream.interval, this.#deps.exchange);
    try {
      const minutes = await this.#deps.closedMinutes(stream.token, start, now);
      if (stream.bucket === undefined || stream.bucket === start) {
        stream.bucket = start;
        // What closed while Postgres was read is already here, and is the fresher copy.
        for (const minute of minutes) if (!stream.minutes.has(minute.time)) stream.minutes.set(minute.time, minute);
      }
    } catch (error) {
      console.warn(`candle stream ${stream.token} ${stream.interval}: the interval's earlier minutes could not be read (it starts from now): ${String(error)}`);
    }
    stream.ready = true;
  }

  #send(stream: Stream, candle: Candle, closed: boolean): void {
    const frame: GroupToHub = { type: 'candle', token: stream.token, interval: stream.interval, closed, candle };
    const text = JSON.stringify(frame);
    if (!closed && text === stream.lastSent) return;
    stream.lastSent = closed ? undefined : text;
    sendTextToHubs(this.#deps.hubs.open(), stream.hubs, text);
  }

  #demandChanged(): void {
    this.#deps.setDemand(new Map([...this.#byToken.keys()].map((token) => [token, 'full' as const])));
  }
}

const streamKey = (token: number, interval: CandleInterval) => `${token}|${interval}`;
