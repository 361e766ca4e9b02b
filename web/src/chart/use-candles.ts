import { type CandleFrame, type KiteCandleRow, KiteEdgeApiError } from '@kite-edge/client';
import { useEffect, useState } from 'preact/hooks';
import { parseKiteCandleTime } from '../../../contracts/candles.ts';
import { explain } from '../problems.ts';
import type { Session } from '../session.ts';
import type { Bar, CandleChart } from './candle-chart.ts';
import { type ChartInterval, historyRange } from './intervals.ts';

/**
 * One instrument's candles at one interval, into a drawn chart: the history
 * (GET /instruments/historical, docs/candles.md) drawn whole, then the
 * forming candle from `/v2/ws` (`subscribe_candles`) laid over its last one
 * at most once a second. The stream is asked for at once, beside the
 * history; a frame that arrives before the history waits for it. Switching
 * the instrument or the interval drops the stream and starts over, and so
 * does a new connection after a lost one (the client subscribes the stream
 * again by itself; the history fills what closed meanwhile).
 */
export type CandlesState =
  | { phase: 'loading' }
  | { phase: 'shown'; count: number; first: number | undefined; incomplete: string | null }
  | { phase: 'problem'; message: string };

export type CandlesView = {
  state: CandlesState;
  /** The newest candle: the forming one once the stream has spoken. */
  latest: Bar | undefined;
  /** Whether a live candle frame has arrived since the history was drawn. */
  live: boolean;
  /** Why the live candles are not streaming, when they are not. */
  liveProblem: string | undefined;
};

export function useCandles(session: Session, chart: CandleChart | undefined, token: number, interval: ChartInterval, attempt: number): CandlesView {
  // Each field is kept with the request it belongs to: the render between a switch and the effect that follows it
  // must not show the last interval's candles under the new interval's name.
  const [reconnects, setReconnects] = useState(0);
  const request = `${token}|${interval.kite}|${attempt}|${reconnects}`;
  const [view, setView] = useState<CandlesView & { request: string }>({ request: '', ...LOADING });

  // Candles that closed while the connection was down never came as frames: a new connection draws the history again.
  useEffect(() => session.live.on('open', ({ reconnected }) => reconnected && setReconnects((n) => n + 1)), [session]);

  useEffect(() => {
    if (!chart) return;
    let over = false;
    let drawn = false;
    let waiting: Bar | undefined;
    const update = (change: (view: CandlesView) => Partial<CandlesView>) =>
      !over && setView((shown) => ({ ...(shown.request === request ? shown : { request, ...LOADING }), ...change(shown) }));
    setView({ request, ...LOADING });

    const take = (bar: Bar) => {
      if (!drawn) {
        waiting = bar;
        return;
      }
      chart.update(bar);
      update((shown) => ({ latest: shown.latest && shown.latest.time > bar.time ? shown.latest : bar, live: true }));
    };
    const onFrame = (message: { instrument_token: number; interval: string; candle: CandleFrame }) => {
      if (message.instrument_token === token && message.interval === interval.kite) take(frameBar(message.candle));
    };
    const stops = [session.live.on('candle', onFrame), session.live.on('candle_closed', onFrame)];
    session.live.subscribeCandles([token], interval.kite).then(
      (ack) => {
        const refused = ack.rejected[0];
        if (refused) update(() => ({ liveProblem: `Live candles are not streaming for this instrument: ${refused.reason}.` }));
      },
      (error) => update(() => ({ liveProblem: `Live candles are not streaming: ${explain(error)}` })),
    );

    session.rest.history(token, interval.kite, historyRange(interval, Date.now())).then(
      ({ candles, incomplete }) => {
        if (over) return;
        const bars = candles.map(rowBar);
        chart.show(bars, interval.kite !== 'day');
        drawn = true;
        update(() => ({ latest: bars.at(-1), state: { phase: 'shown', count: bars.length, first: bars[0]?.time, incomplete } }));
        if (waiting) take(waiting);
      },
      (error) => update(() => ({ state: { phase: 'problem', message: explainHistory(error) } })),
    );

    return () => {
      over = true;
      for (const stop of stops) stop();
      // The session may be gone (signed out): nothing to stop then.
      session.live.unsubscribeCandles([token], interval.kite).catch(() => {});
    };
  }, [session, chart, token, interval, attempt, reconnects, request]);

  const { request: shownFor, ...shown } = view;
  return shownFor === request ? shown : LOADING;
}

const LOADING: CandlesView = { state: { phase: 'loading' }, latest: undefined, live: false, liveProblem: undefined };

function rowBar(row: KiteCandleRow): Bar {
  const [time, open, high, low, close, volume] = row;
  return { time: parseKiteCandleTime(time), open, high, low, close, volume };
}

function frameBar(candle: CandleFrame): Bar {
  return { time: parseKiteCandleTime(candle.time), open: candle.open, high: candle.high, low: candle.low, close: candle.close, volume: candle.volume };
}

/** Kite's refusals of a range (its InputException) in plain words; anything else as every view says it. */
function explainHistory(error: unknown): string {
  if (error instanceof KiteEdgeApiError && error.code === 'invalid_parameter') {
    if (/exceeds max limit/.test(error.message)) return `That range is longer than Kite serves at this interval (${error.message}): choose a longer interval.`;
    return `The candles could not be asked for: ${error.message}.`;
  }
  return `The candles could not be loaded. ${explain(error)}`;
}
