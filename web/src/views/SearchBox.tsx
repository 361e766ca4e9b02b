import type { InstrumentRow } from '@kite-edge/client';
import { useEffect, useRef, useState } from 'preact/hooks';
import { explain } from '../problems.ts';
import { navigate } from '../router.ts';
import { toast } from '../toasts.ts';
import { useWorkspace } from '../workspace.ts';

/** Waits this long after the last keystroke before asking the API. */
const DEBOUNCE_MS = 150;
const RESULTS = 10;

/**
 * Instrument search as a combobox (WAI-ARIA's pattern): the instruments
 * API's ranked search (docs/instruments-api.md: exact symbol, prefix, then
 * trigram similarity, so typos such as `relaince` still find RELIANCE),
 * ↑ ↓ to move, Enter to choose, Escape to close. Choosing an instrument
 * adds it to the current watchlist and opens its chart.
 */
export function SearchBox() {
  const workspace = useWorkspace();
  const [query, setQuery] = useState('');
  const [rows, setRows] = useState<InstrumentRow[]>([]);
  const [active, setActive] = useState(0);
  const [open, setOpen] = useState(false);
  const [problem, setProblem] = useState<string | undefined>();
  const asked = useRef(0);

  useEffect(() => {
    const q = query.trim();
    if (q === '') {
      setRows([]);
      setProblem(undefined);
      return;
    }
    const ask = ++asked.current;
    const timer = setTimeout(() => {
      workspace.session.rest.search(q, { limit: RESULTS }).then(
        (answer) => {
          if (ask !== asked.current) return;
          setRows(answer.rows);
          setActive(0);
          setProblem(answer.rows.length === 0 ? `Nothing matches “${q}”.` : undefined);
        },
        (error) => {
          if (ask !== asked.current) return;
          setRows([]);
          setProblem(explain(error));
        },
      );
    }, DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [query, workspace]);

  const choose = async (row: InstrumentRow) => {
    setOpen(false);
    setQuery('');
    try {
      await workspace.watchlists.add(row.instrument_token);
    } catch (error) {
      toast('problem', `${row.tradingsymbol} was not added to your watchlist`, explain(error));
    }
    navigate({ name: 'chart', token: row.instrument_token });
  };

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      setOpen(true);
      if (rows.length > 0) setActive((i) => (i + (event.key === 'ArrowDown' ? 1 : rows.length - 1)) % rows.length);
    } else if (event.key === 'Enter') {
      event.preventDefault();
      const row = rows[active];
      if (row) void choose(row);
    } else if (event.key === 'Escape') {
      setOpen(false);
    }
  };

  const expanded = open && (rows.length > 0 || problem !== undefined);
  return (
    <div class="search">
      <label class="visually-hidden" for="search-input">
        Search instruments
      </label>
      <input
        id="search-input"
        type="text"
        role="combobox"
        enterKeyHint="search"
        aria-autocomplete="list"
        aria-expanded={expanded}
        aria-controls="search-results"
        aria-activedescendant={expanded && rows[active] ? `search-result-${rows[active].instrument_token}` : undefined}
        placeholder="Search: INFY, NIFTY 25000 CE, relaince…"
        autocomplete="off"
        value={query}
        onInput={(event) => {
          setQuery((event.currentTarget as HTMLInputElement).value);
          setOpen(true);
        }}
        onKeyDown={onKeyDown}
        onFocus={() => setOpen(true)}
        onBlur={() => setTimeout(() => setOpen(false), 150)}
        data-testid="search-input"
      />
      {expanded && (
        <div id="search-results" role="listbox" aria-label="Matching instruments" class="search-results">
          {problem && <div class="search-problem">{problem}</div>}
          {rows.map((row, index) => (
            // biome-ignore lint/a11y/useKeyWithClickEvents: the keyboard works in the input (↑ ↓ Enter), which points at the active option (aria-activedescendant)
            <div
              key={row.instrument_token}
              id={`search-result-${row.instrument_token}`}
              role="option"
              tabIndex={-1}
              aria-selected={index === active}
              class={index === active ? 'active' : undefined}
              data-testid="search-result"
              data-token={row.instrument_token}
              onMouseDown={(event) => event.preventDefault()}
              onClick={() => void choose(row)}
            >
              <span class="symbol">{row.tradingsymbol}</span>
              <span class="exchange">{row.exchange}</span>
              <span class="name">{row.name}</span>
            </div>
          ))}
        </div>
      )}
    </div>
  );
}
