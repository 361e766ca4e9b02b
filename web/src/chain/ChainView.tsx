import type { FnoChain } from '@kite-edge/client';
import { useEffect, useRef, useState } from 'preact/hooks';
import { CHART_COLORS } from '../chart/chart-colors.ts';
import { formatCount, formatPrice } from '../format.ts';
import { explain } from '../problems.ts';
import { useWorkspace } from '../workspace.ts';
import { ChainTable } from './ChainTable.tsx';
import { comingExpiries, type Underlying, underlyingsOf } from './pickers.ts';
import type { SmileChart } from './smile-chart.ts';
import { useLiveChain } from './use-live-chain.ts';
import './chain.css';

/**
 * The option chain (`#/chain`, docs/web.md#the-option-chain): an
 * underlying and an expiry picked, the chain live from `/v2/ws`, its
 * figures in a header (forward, basis, ATM, PCR, max pain), the table and
 * the IV smile. What the pickers offer: pickers.ts.
 */
/** Each side of the ATM strike; `undefined`: the whole chain. */
const WINDOWS: { label: string; strikes: number | undefined }[] = [
  { label: '10 each side', strikes: 10 },
  { label: '20 each side', strikes: 20 },
  { label: '40 each side', strikes: 40 },
  { label: 'All strikes', strikes: undefined },
];

export function ChainView() {
  const { session } = useWorkspace();
  const [underlyings, setUnderlyings] = useState<Underlying[] | undefined>();
  const [underlying, setUnderlying] = useState<Underlying | undefined>();
  const [expiries, setExpiries] = useState<string[] | undefined>();
  const [expiry, setExpiry] = useState<string | undefined>();
  const [strikes, setStrikes] = useState<number | undefined>(20);
  const [problem, setProblem] = useState<string | undefined>();

  useEffect(() => {
    session.rest.stats().then(
      (stats) => {
        const listed = underlyingsOf(stats.expiries_per_underlying);
        setUnderlyings(listed);
        setUnderlying(listed[0]);
        if (listed.length === 0) setProblem('No underlying has options listed yet: the instrument registry may still be loading. Try again in a minute.');
      },
      (error) => setProblem(explain(error)),
    );
  }, [session]);

  useEffect(() => {
    setExpiries(undefined);
    setExpiry(undefined);
    if (!underlying) return;
    session.rest.expiries(underlying.name, underlying.exchange).then(
      ({ expiries: listed }) => {
        const coming = comingExpiries(listed, Date.now());
        setExpiries(coming);
        setExpiry(coming[0]);
      },
      (error) => setProblem(explain(error)),
    );
  }, [session, underlying]);

  const { chain, problem: chainProblem } = useLiveChain(session.live, underlying?.name, expiry, strikes);

  return (
    <section aria-labelledby="chain-title" class="page chain-page">
      <h1 id="chain-title">Option chain</h1>
      <form class="chain-pickers" onSubmit={(event) => event.preventDefault()}>
        <label>
          Underlying
          <select
            value={underlying ? key(underlying) : ''}
            disabled={!underlyings}
            onChange={(event) => setUnderlying(underlyings?.find((u) => key(u) === (event.currentTarget as HTMLSelectElement).value))}
            data-testid="chain-underlying"
          >
            {!underlyings && <option value="">Loading…</option>}
            {underlyings?.map((u) => (
              <option key={key(u)} value={key(u)}>
                {u.name} ({u.exchange})
              </option>
            ))}
          </select>
        </label>
        <label>
          Expiry
          <select
            value={expiry ?? ''}
            disabled={!expiries}
            onChange={(event) => setExpiry((event.currentTarget as HTMLSelectElement).value)}
            data-testid="chain-expiry"
          >
            {!expiries && <option value="">Loading…</option>}
            {expiries?.map((day) => (
              <option key={day} value={day}>
                {formatExpiry(day)}
              </option>
            ))}
          </select>
        </label>
        <label>
          Strikes
          <select
            value={String(strikes ?? 'all')}
            onChange={(event) => {
              const value = (event.currentTarget as HTMLSelectElement).value;
              setStrikes(value === 'all' ? undefined : Number(value));
            }}
          >
            {WINDOWS.map((window) => (
              <option key={window.label} value={String(window.strikes ?? 'all')}>
                {window.label}
              </option>
            ))}
          </select>
        </label>
      </form>
      {(problem ?? chainProblem) && (
        <p class="notice notice-problem" role="alert">
          {problem ?? chainProblem}
        </p>
      )}
      {expiries?.length === 0 && <p class="empty">{underlying?.name} has no options left to expire: choose another underlying.</p>}
      {expiry && !chain && !chainProblem && (
        <p class="empty" role="status">
          Starting the chain: its contracts' first prices arrive within a few seconds.
        </p>
      )}
      {chain && (
        <>
          <ChainFigures chain={chain} windowed={strikes !== undefined} />
          <ChainTable chain={chain} />
          <Smile chain={chain} />
        </>
      )}
    </section>
  );
}

/** The chain's own figures; PCR and max pain are over the strikes shown (docs/fno.md). */
function ChainFigures({ chain, windowed }: { chain: FnoChain; windowed: boolean }) {
  const over = windowed ? ' (strikes shown)' : '';
  const days = chain.time_to_expiry_years * 365;
  const figures: [string, string, string?][] = [
    ['Spot', price(chain.spot)],
    ['Future', price(chain.future?.last_price ?? null)],
    ['Forward', chain.forward === null ? '—' : `${formatPrice(chain.forward)}${chain.forward_source ? ` (${chain.forward_source})` : ''}`],
    [
      'Basis',
      chain.basis === null
        ? '—'
        : `${formatPrice(chain.basis)}${chain.basis_annualised === null ? '' : `, ${(chain.basis_annualised * 100).toFixed(2)}% a year`}`,
    ],
    ['ATM strike', chain.atm_strike === null ? '—' : formatCount(chain.atm_strike)],
    ['ATM IV', chain.atm_iv === null ? '—' : `${chain.atm_iv.toFixed(2)}%`],
    [`PCR (OI)${over}`, chain.pcr_oi === null ? '—' : chain.pcr_oi.toFixed(2), 'chain-pcr'],
    [`PCR (volume)${over}`, chain.pcr_volume === null ? '—' : chain.pcr_volume.toFixed(2)],
    [`Max pain${over}`, chain.max_pain === null ? '—' : formatCount(chain.max_pain)],
    ['25Δ risk reversal', chain.risk_reversal_25d === null ? '—' : `${chain.risk_reversal_25d.toFixed(2)} vol pts`],
    ['To expiry', days <= 0 ? 'expired' : days < 1 ? `${(days * 24).toFixed(1)} h` : `${days.toFixed(1)} days`],
  ];
  return (
    <dl class="chain-figures" aria-label="Chain figures">
      {figures.map(([label, value, testid]) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd data-testid={testid}>{value}</dd>
        </div>
      ))}
      <div>
        <dt>As of</dt>
        <dd>
          <time dateTime={chain.as_of} data-testid="chain-as-of">
            {new Date(chain.as_of).toLocaleTimeString('en-IN', { timeZone: 'Asia/Kolkata', hourCycle: 'h23' })} IST
          </time>
        </dd>
      </div>
    </dl>
  );
}

/** The IV smile, drawn once lightweight-charts has loaded (a dynamic import: it is not part of the app's first load). */
function Smile({ chain }: { chain: FnoChain }) {
  const container = useRef<HTMLDivElement>(null);
  const [smile, setSmile] = useState<SmileChart | undefined>();
  const [problem, setProblem] = useState<string | undefined>();

  useEffect(() => {
    let made: SmileChart | undefined;
    let over = false;
    import('./smile-chart.ts').then(
      ({ createSmileChart }) => {
        if (over || !container.current) return;
        made = createSmileChart(container.current);
        setSmile(made);
      },
      () => setProblem('The smile chart could not be loaded: check your network connection, then reload the page.'),
    );
    return () => {
      over = true;
      made?.dispose();
    };
  }, []);

  useEffect(() => smile?.show(chain), [smile, chain]);

  return (
    <figure class="smile">
      <figcaption>
        IV smile: implied volatility (%) by strike, <span style={{ color: CHART_COLORS.calls }}>calls</span> and{' '}
        <span style={{ color: CHART_COLORS.puts }}>puts</span>
      </figcaption>
      {problem && (
        <p class="notice notice-problem" role="alert">
          {problem}
        </p>
      )}
      <div ref={container} class="smile-chart" data-testid="chain-smile" role="img" aria-label={`IV smile of ${chain.name} ${chain.expiry}`} />
    </figure>
  );
}

const key = (u: Underlying) => `${u.exchange}:${u.name}`;
const price = (value: number | null) => (value === null ? '—' : formatPrice(value));

function formatExpiry(day: string): string {
  return new Date(`${day}T00:00:00Z`).toLocaleDateString('en-IN', { timeZone: 'UTC', weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' });
}
