import {
  type CandlestickData,
  CandlestickSeries,
  ColorType,
  CrosshairMode,
  createChart,
  HistogramSeries,
  type IChartApi,
  type ISeriesApi,
  type UTCTimestamp,
} from 'lightweight-charts';
import { IST_OFFSET_MS } from '../../../contracts/ist-clock.ts';
import { CHART_COLORS } from './chart-colors.ts';

/**
 * The candles and the volume pane, drawn by lightweight-charts. This module
 * is the only one of the chart page that imports the library, and the page
 * loads it with a dynamic import, so the library is fetched with the first
 * chart and never with the app's first load.
 *
 * lightweight-charts reads every time as UTC and has no time zone option;
 * its documentation's answer is to shift the times. Each candle's time is
 * moved by IST's +05:30 on the way in (and back on the way out), so the
 * axis, the crosshair's label and the day boundaries are IST's: a day
 * candle (IST midnight) lands on its date, 09:15 reads 09:15.
 */
export type Bar = { time: number; open: number; high: number; low: number; close: number; volume: number };

export type CandleChart = {
  /** Replaces every candle (oldest first); `intraday` puts times of day on the axis. */
  show(bars: readonly Bar[], intraday: boolean): void;
  /** The forming candle, or a new one after the last. Older than the last: ignored (a frame overtaken by history). */
  update(bar: Bar): void;
  dispose(): void;
};

const toChartTime = (ms: number) => ((ms + IST_OFFSET_MS) / 1000) as UTCTimestamp;
const fromChartTime = (time: number) => time * 1000 - IST_OFFSET_MS;

/** Draws into `container`; `onHover` gets the candle under the crosshair, undefined when the pointer leaves the candles. */
export function createCandleChart(container: HTMLElement, onHover: (bar: Bar | undefined) => void): CandleChart {
  const chart: IChartApi = createChart(container, {
    autoSize: true,
    layout: {
      background: { type: ColorType.Solid, color: CHART_COLORS.background },
      textColor: CHART_COLORS.text,
      panes: { separatorColor: CHART_COLORS.grid },
    },
    grid: { vertLines: { color: CHART_COLORS.grid }, horzLines: { color: CHART_COLORS.grid } },
    crosshair: { mode: CrosshairMode.Normal },
    timeScale: { borderColor: CHART_COLORS.grid, rightOffset: 3 },
    rightPriceScale: { borderColor: CHART_COLORS.grid },
  });
  const candles: ISeriesApi<'Candlestick'> = chart.addSeries(CandlestickSeries, {
    upColor: CHART_COLORS.up,
    downColor: CHART_COLORS.down,
    wickUpColor: CHART_COLORS.up,
    wickDownColor: CHART_COLORS.down,
    borderVisible: false,
  });
  const volume: ISeriesApi<'Histogram'> = chart.addSeries(HistogramSeries, { priceFormat: { type: 'volume' }, priceLineVisible: false }, 1);
  chart.panes()[0]?.setStretchFactor(3);
  chart.panes()[1]?.setStretchFactor(1);
  let last: number | undefined;

  const volumeBar = (bar: Bar) => ({
    time: toChartTime(bar.time),
    value: bar.volume,
    color: bar.close >= bar.open ? CHART_COLORS.upVolume : CHART_COLORS.downVolume,
  });
  const candleBar = (bar: Bar) => ({ time: toChartTime(bar.time), open: bar.open, high: bar.high, low: bar.low, close: bar.close });

  chart.subscribeCrosshairMove((param) => {
    const candle = param.time === undefined ? undefined : (param.seriesData.get(candles) as CandlestickData | undefined);
    if (!candle) return onHover(undefined);
    const traded = param.seriesData.get(volume);
    onHover({
      time: fromChartTime(candle.time as number),
      open: candle.open,
      high: candle.high,
      low: candle.low,
      close: candle.close,
      volume: traded && 'value' in traded ? traded.value : 0,
    });
  });

  return {
    show(bars, intraday) {
      chart.applyOptions({ timeScale: { timeVisible: intraday, secondsVisible: false } });
      candles.setData(bars.map(candleBar));
      volume.setData(bars.map(volumeBar));
      last = bars.at(-1)?.time;
      chart.timeScale().fitContent();
    },
    update(bar) {
      if (last !== undefined && bar.time < last) return;
      last = bar.time;
      candles.update(candleBar(bar));
      volume.update(volumeBar(bar));
    },
    dispose() {
      chart.remove();
    },
  };
}
