import type { InstrumentRow, Tick, Watchlist } from '@kite-edge/client';
import { useEffect, useRef, useState } from 'preact/hooks';
import { openAlertForm } from '../alerts/open-form.ts';
import { formatCount, formatPercent, formatPrice } from '../format.ts';
import { explain } from '../problems.ts';
import { routeHash } from '../router.ts';
import { useStore } from '../store.ts';
import { toast } from '../toasts.ts';
import { useWorkspace } from '../workspace.ts';

/** How long a changed price stays highlighted. */
const FLASH_MS = 300;

/** The current watchlist, live: its rows tick as the feed does; the lists themselves are switched, made, renamed and deleted here. */
export function WatchlistView() {
  const { watchlists } = useWorkspace();
  const state = useStore(watchlists.state);
  const [problem, setProblem] = useState<string | undefined>();

  useEffect(() => {
    if (!state.loaded) watchlists.load().catch((error) => setProblem(explain(error)));
  }, [watchlists, state.loaded]);

  const current = watchlists.current();
  if (!state.loaded)
    return (
      <section aria-labelledby="watchlist-title">
        <h1 id="watchlist-title">Watchlist</h1>
        <p role={problem ? 'alert' : 'status'}>{problem ?? 'Loading your watchlists…'}</p>
      </section>
    );
  return (
    <section aria-labelledby="watchlist-title" class="watchlist">
      <h1 id="watchlist-title" class="visually-hidden">
        Watchlist {current?.name}
      </h1>
      <ListBar lists={state.lists} current={current} />
      {current && <WatchlistTable list={current} />}
    </section>
  );
}

function ListBar({ lists, current }: { lists: Watchlist[]; current: Watchlist | undefined }) {
  const { watchlists } = useWorkspace();
  const [editing, setEditing] = useState<'new' | 'rename' | undefined>();
  const [problem, setProblem] = useState<string | undefined>();

  const act = async (action: () => Promise<void>) => {
    setProblem(undefined);
    try {
      await action();
      setEditing(undefined);
    } catch (error) {
      setProblem(explain(error));
    }
  };
  const submitName = (event: Event) => {
    event.preventDefault();
    const name = String(new FormData(event.currentTarget as HTMLFormElement).get('name') ?? '');
    void act(() => (editing === 'rename' && current ? watchlists.rename(current.id, name) : watchlists.create(name)));
  };

  return (
    <div class="list-bar">
      <label>
        <span class="visually-hidden">Current watchlist</span>
        <select value={current?.id} onChange={(event) => watchlists.select((event.currentTarget as HTMLSelectElement).value)} data-testid="watchlist-select">
          {lists.map((list) => (
            <option key={list.id} value={list.id}>
              {list.name} ({list.instruments.length})
            </option>
          ))}
        </select>
      </label>
      {editing ? (
        <form class="inline-form" onSubmit={submitName}>
          <label>
            <span class="visually-hidden">{editing === 'new' ? 'Name of the new watchlist' : 'New name'}</span>
            <input
              name="name"
              required
              maxLength={40}
              defaultValue={editing === 'rename' ? current?.name : ''}
              data-testid="watchlist-name"
              ref={focusOnMount}
            />
          </label>
          <button type="submit">{editing === 'new' ? 'Create' : 'Rename'}</button>
          <button type="button" class="quiet" onClick={() => setEditing(undefined)}>
            Cancel
          </button>
        </form>
      ) : (
        <>
          <button type="button" onClick={() => setEditing('new')} data-testid="watchlist-new">
            New list
          </button>
          <button type="button" onClick={() => setEditing('rename')} disabled={!current}>
            Rename
          </button>
          <button
            type="button"
            class="danger"
            disabled={!current}
            onClick={() => current && confirm(`Delete the watchlist “${current.name}”?`) && void act(() => watchlists.delete(current.id))}
          >
            Delete
          </button>
        </>
      )}
      {problem && (
        <p class="notice notice-problem" role="alert">
          {problem}
        </p>
      )}
    </div>
  );
}

function WatchlistTable({ list }: { list: Watchlist }) {
  if (list.instruments.length === 0)
    return <p class="empty">This watchlist is empty: search for an instrument above (try NIFTY or INFY) and choose it to add it here.</p>;
  return (
    <table class="quotes">
      <caption class="visually-hidden">Live prices of {list.name}</caption>
      <thead>
        <tr>
          <th scope="col">Instrument</th>
          <th scope="col" class="num col-price">
            Last price
          </th>
          <th scope="col" class="num col-change">
            Change
          </th>
          <th scope="col" class="num wide-only col-count">
            Volume
          </th>
          <th scope="col" class="num wide-only col-count">
            OI
          </th>
          <th scope="col" class="col-actions">
            <span class="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {list.instruments.map((row) => (
          <WatchlistRow key={row.instrument_token} listId={list.id} row={row} />
        ))}
      </tbody>
    </table>
  );
}

const isDerivative = (row: InstrumentRow) => row.instrument_type !== 'EQ';

function WatchlistRow({ listId, row }: { listId: string; row: InstrumentRow }) {
  const { quotes, watchlists } = useWorkspace();
  const token = row.instrument_token;
  const [tick, setTick] = useState<Tick | undefined>(() => quotes.latest(token));
  const [flash, setFlash] = useState<'up' | 'down' | undefined>();
  const flashTimer = useRef<ReturnType<typeof setTimeout>>(undefined);

  useEffect(() => {
    const release = quotes.want(token, isDerivative(row) ? 'full' : 'quote');
    let last = quotes.latest(token)?.last_price;
    const stop = quotes.watch(token, (next) => {
      setTick(next);
      if (last !== undefined && next.last_price !== last) {
        setFlash(next.last_price > last ? 'up' : 'down');
        clearTimeout(flashTimer.current);
        flashTimer.current = setTimeout(() => setFlash(undefined), FLASH_MS);
      }
      last = next.last_price;
    });
    return () => {
      stop();
      release();
      clearTimeout(flashTimer.current);
    };
  }, [quotes, token, row]);

  const change = tick && 'change' in tick ? tick.change : undefined;
  const volume = tick && 'volume_traded' in tick ? tick.volume_traded : undefined;
  const oi = tick && 'oi' in tick ? tick.oi : undefined;
  const remove = () => watchlists.remove(listId, token).catch((error) => toast('problem', `${row.tradingsymbol} was not removed`, explain(error)));
  return (
    <tr data-testid="watchlist-row" data-token={token} class={flash ? `flash-${flash}` : undefined}>
      <th scope="row">
        <a href={routeHash({ name: 'chart', token })} class="symbol" title={`Chart of ${row.tradingsymbol}`}>
          {row.tradingsymbol}
        </a>
        <span class="exchange">{row.exchange}</span>
        {!row.is_active && <span class="expired">expired</span>}
      </th>
      <td class="num price" data-testid="last-price">
        <span class="live">{tick ? formatPrice(tick.last_price) : '—'}</span>
      </td>
      <td class={`num ${change === undefined ? '' : change >= 0 ? 'up' : 'down'}`} data-testid="change">
        <span class="live">{change === undefined ? '—' : formatPercent(change)}</span>
      </td>
      <td class="num wide-only" data-testid="volume">
        <span class="live">{volume === undefined ? '—' : formatCount(volume)}</span>
      </td>
      <td class="num wide-only" data-testid="oi">
        <span class="live">{oi === undefined ? (isDerivative(row) ? '…' : '') : formatCount(oi)}</span>
      </td>
      <td class="actions">
        <button
          type="button"
          class="quiet"
          onClick={() => openAlertForm({ instrument_token: token, exchange: row.exchange, tradingsymbol: row.tradingsymbol, last_price: tick?.last_price })}
          aria-label={`Create an alert on ${row.tradingsymbol}`}
          data-testid="row-alert"
        >
          Alert
        </button>
        <button type="button" class="quiet" onClick={remove} aria-label={`Remove ${row.tradingsymbol} from this watchlist`} data-testid="row-remove">
          <span class="wide-only">Remove</span>
          <span class="narrow-only" aria-hidden="true">
            ×
          </span>
        </button>
      </td>
    </tr>
  );
}

function focusOnMount(element: HTMLInputElement | null): void {
  element?.focus();
}
