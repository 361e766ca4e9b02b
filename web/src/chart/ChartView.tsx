import type { InstrumentRow, Tick } from '@kite-edge/client';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { KiteExchange } from '../../../contracts/kite-instrument.ts';
import { exchangeSession } from '../../../contracts/trading-calendar.ts';
import { openAlertForm } from '../alerts/open-form.ts';
import { formatCount, formatPercent, formatPrice } from '../format.ts';
import { explain } from '../problems.ts';
import { useWorkspace } from '../workspace.ts';
import type { Bar, CandleChart } from './candle-chart.ts';
import { DepthPanel } from './DepthPanel.tsx';
import { CHART_INTERVALS, type ChartInterval, DEFAULT_INTERVAL } from './intervals.ts';
import { formatIst } from './ist-format.ts';
import { type CandlesView, useCandles } from './use-candles.ts';
import './chart.css';

/**
 * The chart of one instrument (`#/chart/<token>`, docs/web.md#the-chart):
 * candles and volume from the history API with the live forming candle,
 * five intervals, a crosshair whose candle the legend reads out, the live
 * quote with its market depth, and the alert form for the instrument.
 * lightweight-charts arrives with the first chart (a dynamic import of
 * candle-chart.ts), not with the app.
 */
export function ChartView({ token }: { token: number }) {
  const { session, quotes } = useWorkspace();
  const [instrument, setInstrument] = useState<InstrumentRow | undefined>();
  const [problem, setProblem] = useState<string | undefined>();
  const [interval, choose] = useState<ChartInterval>(DEFAULT_INTERVAL);
  const [attempt, setAttempt] = useState(0);
  const container = useRef<HTMLDivElement>(null);
  const [chart, setChart] = useState<CandleChart | undefined>();
  const [hover, setHover] = useState<Bar | undefined>();
  const [tick, setTick] = useState<Tick | undefined>(() => quotes.latest(token));

  useEffect(() => {
    setInstrument(undefined);
    setProblem(undefined);
    session.rest.instrument(token).then(setInstrument, (error) => setProblem(explain(error)));
  }, [session, token]);

  useEffect(() => {
    let made: CandleChart | undefined;
    let over = false;
    import('./candle-chart.ts').then(
      ({ createCandleChart }) => {
        if (over || !container.current) return;
        made = createCandleChart(container.current, setHover);
        setChart(made);
      },
      () => setProblem('The chart could not be loaded: check your network connection, then reload the page.'),
    );
    return () => {
      over = true;
      made?.dispose();
    };
  }, []);

  useEffect(() => {
    setTick(quotes.latest(token));
    // Full mode: the depth, and OI for derivatives.
    const release = quotes.want(token, 'full');
    const stop = quotes.watch(token, setTick);
    return () => {
      stop();
      release();
    };
  }, [quotes, token]);

  const candles = useCandles(session, chart, token, interval, attempt);
  const symbol = instrument ? `${instrument.exchange}:${instrument.tradingsymbol}` : `Instrument ${token}`;
  const change = tick && 'change' in tick ? tick.change : undefined;

  return (
    <section aria-labelledby="chart-title" class="page chart-page">
      <div class="chart-head">
        <h1 id="chart-title">{symbol}</h1>
        {instrument && <span class="chart-name">{instrument.name}</span>}
        <span class="chart-last" aria-live="off">
          {tick ? formatPrice(tick.last_price) : ''}
          {change !== undefined && <span class={change >= 0 ? 'up' : 'down'}> {formatPercent(change)}</span>}
        </span>
        <button
          type="button"
          disabled={!instrument}
          onClick={() =>
            instrument &&
            openAlertForm({
              instrument_token: token,
              exchange: instrument.exchange,
              tradingsymbol: instrument.tradingsymbol,
              last_price: tick?.last_price ?? candles.latest?.close,
            })
          }
          data-testid="chart-alert"
        >
          Alert
        </button>
      </div>
      {problem && (
        <p class="notice notice-problem" role="alert">
          {problem}
        </p>
      )}
      <div class="chart-bar">
        <fieldset class="intervals">
          <legend class="visually-hidden">Interval</legend>
          {CHART_INTERVALS.map((option) => (
            <button
              key={option.id}
              type="button"
              aria-pressed={option.id === interval.id}
              aria-label={option.spoken}
              title={option.spoken}
              onClick={() => choose(option)}
              data-testid="chart-interval"
              data-interval={option.id}
            >
              {option.id}
            </button>
          ))}
        </fieldset>
        <Legend bar={hover ?? candles.latest} hovering={hover !== undefined} daily={interval.kite === 'day'} />
      </div>
      <div class="chart-body">
        <div class="chart-frame">
          <div
            ref={container}
            class="candle-chart"
            data-testid="chart"
            role="img"
            aria-label={`Candlestick chart of ${symbol}, ${interval.spoken} candles, with volume`}
            aria-describedby="chart-summary"
          />
          <ChartOverlay candles={candles} exchange={instrument?.exchange} />
        </div>
        <aside class="chart-side" aria-label="Live quote">
          <DepthPanel tick={tick} />
        </aside>
      </div>
      <ChartStatus candles={candles} interval={interval} exchange={instrument?.exchange} retry={() => setAttempt((n) => n + 1)} />
    </section>
  );
}

/** The crosshair's candle, or the newest one when the pointer is elsewhere: time, OHLC and volume. */
function Legend({ bar, hovering, daily }: { bar: Bar | undefined; hovering: boolean; daily: boolean }) {
  if (!bar) return <p class="legend" data-testid="chart-legend" />;
  const move = bar.close - bar.open;
  return (
    <p class="legend" data-testid="chart-legend" data-time={bar.time} data-hovering={hovering}>
      <time dateTime={new Date(bar.time).toISOString()}>{formatIst(bar.time, daily)}</time>
      <span>
        O <b>{formatPrice(bar.open)}</b>
      </span>
      <span>
        H <b>{formatPrice(bar.high)}</b>
      </span>
      <span>
        L <b>{formatPrice(bar.low)}</b>
      </span>
      <span>
        C <b class={move >= 0 ? 'up' : 'down'}>{formatPrice(bar.close)}</b>
      </span>
      <span>
        V <b>{formatCount(bar.volume)}</b>
      </span>
    </p>
  );
}

/** Over the chart while it has nothing to show: loading, no candles (and why there may be none), or why it failed. */
function ChartOverlay({ candles, exchange }: { candles: CandlesView; exchange: string | undefined }) {
  const { state, latest } = candles;
  let text: string | undefined;
  if (state.phase === 'loading') text = 'Loading candles… A first look at past days fetches them from Kite, which takes a few seconds.';
  else if (state.phase === 'problem') text = state.message;
  else if (state.count === 0 && !latest) {
    const closed = marketClosed(exchange);
    text = closed
      ? `No candles yet in this range: ${closed} Candles appear as it trades.`
      : 'No trades recorded in this range yet: candles appear as the instrument trades.';
  }
  if (!text) return null;
  return (
    <p class={`chart-overlay ${state.phase === 'problem' ? 'notice-problem' : ''}`} role={state.phase === 'problem' ? 'alert' : 'status'}>
      {text}
    </p>
  );
}

/** Under the chart: what is drawn (the canvas says nothing to a screen reader), whether the forming candle is live, whether the market is open. */
function ChartStatus({
  candles,
  interval,
  exchange,
  retry,
}: {
  candles: CandlesView;
  interval: ChartInterval;
  exchange: string | undefined;
  retry: () => void;
}) {
  const { state, live, liveProblem } = candles;
  const closed = marketClosed(exchange);
  return (
    <div class="chart-status">
      <p id="chart-summary" data-testid="chart-summary" data-candles={state.phase === 'shown' ? state.count : undefined}>
        {state.phase === 'shown'
          ? `${formatCount(state.count)} candles of ${interval.spoken}${state.first === undefined ? '' : ` since ${formatIst(state.first, interval.kite === 'day')} IST`}.`
          : ''}
      </p>
      <p data-testid="chart-live" data-live={live}>
        {liveProblem ?? (live ? 'The forming candle is live.' : state.phase === 'shown' ? 'Waiting for the forming candle…' : '')}
      </p>
      {exchange && <p>{closed ?? `${exchange} is open.`}</p>}
      {state.phase === 'shown' && state.incomplete && (
        <p class="notice notice-info" role="status">
          Part of this range could not be fetched from Kite just now ({state.incomplete}); what the platform recorded is shown.{' '}
          <button type="button" class="link" onClick={retry}>
            Try again
          </button>
        </p>
      )}
      {state.phase === 'problem' && (
        <button type="button" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

const EXCHANGES = new Set<string>(['NSE', 'BSE', 'NFO', 'BFO', 'MCX', 'CDS', 'BCD']);

/** "NSE is closed: it opens Mon, 7 Dec, 09:15 IST.", or undefined while it is open (or the exchange has no known session). */
function marketClosed(exchange: string | undefined): string | undefined {
  if (!exchange || !EXCHANGES.has(exchange)) return undefined;
  const now = Date.now();
  const session = exchangeSession(now, exchange as KiteExchange);
  if (session.open) return undefined;
  return `${exchange} is closed: it opens ${formatIst(now + session.secondsToNextOpen * 1000)} IST.`;
}
