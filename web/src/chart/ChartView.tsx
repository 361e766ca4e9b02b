import type { InstrumentRow } from '@kite-edge/client';
import { useEffect, useState } from 'preact/hooks';
import { explain } from '../problems.ts';
import { useWorkspace } from '../workspace.ts';

/**
 * The chart of one instrument (`#/chart/<token>`). For now its name only:
 * the chart itself (candles, volume, the forming candle, depth) replaces
 * this component.
 */
export function ChartView({ token }: { token: number }) {
  const { session } = useWorkspace();
  const [instrument, setInstrument] = useState<InstrumentRow | undefined>();
  const [problem, setProblem] = useState<string | undefined>();
  useEffect(() => {
    setInstrument(undefined);
    session.rest.instrument(token).then(setInstrument, (error) => setProblem(explain(error)));
  }, [session, token]);
  return (
    <section aria-labelledby="chart-title" class="page">
      <h1 id="chart-title">{instrument ? `${instrument.exchange}:${instrument.tradingsymbol}` : `Instrument ${token}`}</h1>
      {instrument && <p>{instrument.name}</p>}
      {problem && (
        <p class="notice notice-problem" role="alert">
          {problem}
        </p>
      )}
    </section>
  );
}
