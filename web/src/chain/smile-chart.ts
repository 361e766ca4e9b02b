import type { FnoChain } from '@kite-edge/client';
import { ColorType, createOptionsChart, type IChartApiBase, type ISeriesApi, LineSeries } from 'lightweight-charts';
import { CHART_COLORS } from '../chart/chart-colors.ts';

/**
 * The IV smile: implied volatility against strike, calls and puts as two
 * lines. lightweight-charts' time-based chart cannot take strikes on its
 * horizontal axis; its options chart (`createOptionsChart`, a price-based
 * horizontal scale) can, so strikes are plotted as they are. This module is
 * the chain page's only import of the library, loaded with a dynamic
 * import when the page first shows a chain.
 */
export type SmileChart = { show(chain: FnoChain): void; dispose(): void };

export function createSmileChart(container: HTMLElement): SmileChart {
  const chart: IChartApiBase<number> = createOptionsChart(container, {
    autoSize: true,
    layout: { background: { type: ColorType.Solid, color: CHART_COLORS.background }, textColor: CHART_COLORS.text },
    grid: { vertLines: { color: CHART_COLORS.grid }, horzLines: { color: CHART_COLORS.grid } },
    localization: { precision: 0, priceFormatter: (iv: number) => `${iv.toFixed(1)}%` },
    rightPriceScale: { borderColor: CHART_COLORS.grid },
    timeScale: { borderColor: CHART_COLORS.grid },
  });
  const line = (color: string, title: string): ISeriesApi<'Line', number> =>
    chart.addSeries(LineSeries, { color, lineWidth: 2, title, priceLineVisible: false, pointMarkersVisible: true });
  const calls = line(CHART_COLORS.calls, 'Calls');
  const puts = line(CHART_COLORS.puts, 'Puts');
  let shownStrikes = '';

  return {
    show(chain) {
      calls.setData(chain.strikes.flatMap((row) => (row.CE?.iv == null ? [] : [{ time: row.strike, value: row.CE.iv }])));
      puts.setData(chain.strikes.flatMap((row) => (row.PE?.iv == null ? [] : [{ time: row.strike, value: row.PE.iv }])));
      // Refit only when the strikes change (a new chain, a window that moved), so a live update keeps the reader's zoom.
      const strikes = chain.strikes.map((row) => row.strike).join(',');
      if (strikes !== shownStrikes) chart.timeScale().fitContent();
      shownStrikes = strikes;
    },
    dispose() {
      chart.remove();
    },
  };
}
