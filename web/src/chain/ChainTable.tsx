import type { FnoChain, FnoOption, FnoStrikeRow } from '@kite-edge/client';
import { useEffect, useRef } from 'preact/hooks';
import { formatCount, formatPrice } from '../format.ts';
import { routeHash } from '../router.ts';

/**
 * The chain as a terminal shows it: calls on the left, the strike in the
 * middle, puts on the right, each side's price, delta, IV, OI and OI change
 * mirrored about the strike. The ATM row is marked (and named for screen
 * readers), in-the-money halves shaded. On a narrow screen the table
 * scrolls sideways with the strike column held in view, and opens with the
 * strike column centred. A price links to that option's chart.
 */
type Column = { key: string; label: string; spoken: string; cell: (option: FnoOption) => string };

const COLUMNS: Column[] = [
  { key: 'oi_change', label: 'OI chg', spoken: 'OI change', cell: (o) => signed(o.oi_change) },
  { key: 'oi', label: 'OI', spoken: 'open interest', cell: (o) => whole(o.oi) },
  { key: 'iv', label: 'IV', spoken: 'implied volatility, percent', cell: (o) => (o.iv == null ? '—' : o.iv.toFixed(2)) },
  { key: 'delta', label: 'Δ', spoken: 'delta', cell: (o) => (o.delta == null ? '—' : o.delta.toFixed(2)) },
  { key: 'ltp', label: 'LTP', spoken: 'last price', cell: (o) => (o.last_price == null ? '—' : formatPrice(o.last_price)) },
];
/** Calls read outward from the strike as puts do: their columns are the puts' reversed. */
const CALL_COLUMNS = COLUMNS;
const PUT_COLUMNS = [...COLUMNS].reverse();

export function ChainTable({ chain }: { chain: FnoChain }) {
  const scroller = useRef<HTMLDivElement>(null);
  const identity = `${chain.name}|${chain.expiry}`;

  // Centres the strike column once per chain shown (on a phone the calls alone fill the screen).
  useEffect(() => {
    const box = scroller.current;
    const strike = box?.querySelector<HTMLElement>('th.strike');
    if (box && strike && box.scrollWidth > box.clientWidth) box.scrollLeft = strike.offsetLeft - (box.clientWidth - strike.offsetWidth) / 2;
  }, [identity]);

  return (
    <div class="chain-scroll" ref={scroller}>
      <table class="chain" data-testid="chain-table">
        <caption class="visually-hidden">
          Option chain of {chain.name}, expiry {chain.expiry}: calls, strike, puts
        </caption>
        <thead>
          <tr>
            <th scope="colgroup" colSpan={COLUMNS.length} class="side-head">
              Calls
            </th>
            <th scope="col" rowSpan={2} class="strike">
              Strike
            </th>
            <th scope="colgroup" colSpan={COLUMNS.length} class="side-head">
              Puts
            </th>
          </tr>
          <tr>
            {CALL_COLUMNS.map((column) => (
              <th key={`ce-${column.key}`} scope="col" class="num" title={`Call ${column.spoken}`}>
                {column.label}
              </th>
            ))}
            {PUT_COLUMNS.map((column) => (
              <th key={`pe-${column.key}`} scope="col" class="num" title={`Put ${column.spoken}`}>
                {column.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {chain.strikes.map((row) => (
            <ChainRow key={row.strike} row={row} atm={row.strike === chain.atm_strike} forward={chain.forward} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ChainRow({ row, atm, forward }: { row: FnoStrikeRow; atm: boolean; forward: number | null }) {
  const callInTheMoney = forward !== null && row.strike < forward;
  const putInTheMoney = forward !== null && row.strike > forward;
  return (
    <tr data-testid="chain-row" data-strike={row.strike} data-atm={atm || undefined} class={atm ? 'atm' : undefined} aria-current={atm ? 'true' : undefined}>
      {CALL_COLUMNS.map((column) => (
        <Cell key={`ce-${column.key}`} side="ce" column={column} option={row.CE} itm={callInTheMoney} />
      ))}
      <th scope="row" class="strike num">
        {formatCount(row.strike)}
        {atm && <span class="atm-tag"> ATM</span>}
        {atm && <span class="visually-hidden"> (at the money)</span>}
      </th>
      {PUT_COLUMNS.map((column) => (
        <Cell key={`pe-${column.key}`} side="pe" column={column} option={row.PE} itm={putInTheMoney} />
      ))}
    </tr>
  );
}

function Cell({ side, column, option, itm }: { side: 'ce' | 'pe'; column: Column; option: FnoOption | null; itm: boolean }) {
  const classes = `num${itm ? ' itm' : ''}${column.key === 'oi_change' && option?.oi_change ? (option.oi_change > 0 ? ' up' : ' down') : ''}`;
  if (!option) return <td class={classes} data-col={`${side}-${column.key}`} />;
  if (column.key === 'ltp')
    return (
      <td class={classes} data-col={`${side}-${column.key}`}>
        <a href={routeHash({ name: 'chart', token: option.instrument_token })} title={`Chart of ${option.tradingsymbol}`}>
          {column.cell(option)}
        </a>
      </td>
    );
  return (
    <td class={classes} data-col={`${side}-${column.key}`}>
      {column.cell(option)}
    </td>
  );
}

function whole(value: number | null): string {
  return value == null ? '—' : formatCount(value);
}

function signed(value: number | null): string {
  return value == null ? '—' : `${value > 0 ? '+' : ''}${formatCount(value)}`;
}
