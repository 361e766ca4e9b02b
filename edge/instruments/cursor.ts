import { isCalendarDay } from '../../contracts/calendar-day.ts';
import type { ListQuery } from '../../contracts/instruments-api.ts';
import { unstorableText } from '../../contracts/storable-text.ts';
import { InvalidParameter } from '../errors.ts';
import { sortOf } from './filter.ts';

/**
 * Opaque cursors for keyset paging: the last row's sort value and token,
 * tied to the filters and sort they were made for, so a cursor reused with
 * other filters is refused instead of returning a wrong page.
 */
type CursorState = { value: string; token: number };

export function encodeCursor(query: ListQuery, state: CursorState): string {
  return base64url(JSON.stringify({ q: fingerprint(query), v: state.value, t: state.token }));
}

export function decodeCursor(query: ListQuery): CursorState | undefined {
  if (query.cursor === undefined) return undefined;
  let parsed: unknown;
  try {
    const binary = atob(query.cursor.replace(/-/g, '+').replace(/_/g, '/'));
    parsed = JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, (ch) => ch.charCodeAt(0))));
  } catch {
    throw new InvalidParameter('cursor', 'is not a cursor returned by this API');
  }
  const { q, v, t } = (parsed ?? {}) as { q?: unknown; v?: unknown; t?: unknown };
  if (typeof v !== 'string' || typeof t !== 'number' || !Number.isSafeInteger(t)) {
    throw new InvalidParameter('cursor', 'is not a cursor returned by this API');
  }
  if (q !== fingerprint(query)) throw new InvalidParameter('cursor', 'was made for other filters or another sort; start again without it');
  // The fingerprint is a tag, not a signature: a hand-made cursor passes it, and its value goes to Postgres as the sort's type.
  if (SORT_VALUE[sortOf(query.sort).type]?.(v) !== true) throw new InvalidParameter('cursor', 'is not a cursor returned by this API');
  return { value: v, token: t };
}

/** What Postgres writes for a sort value of each type (filter.ts casts it back); anything else failed the cast with a 500. */
const SORT_VALUE: Record<string, (value: string) => boolean> = {
  text: (value) => unstorableText(value) === undefined,
  date: isCalendarDay,
  numeric: (value) => /^-?\d{1,15}(\.\d{1,4})?$/.test(value),
  bigint: (value) => /^-?\d{1,18}$/.test(value),
};

/** The parameters that decide which rows exist and in what order (not the page size). */
function fingerprint(query: ListQuery): string {
  const { limit: _limit, offset: _offset, cursor: _cursor, ...filters } = query;
  const text = JSON.stringify(Object.entries(filters).sort(([a], [b]) => a.localeCompare(b)));
  let hash = 0x811c9dc5; // FNV-1a: a short, stable tag, not a security measure
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return (hash >>> 0).toString(36);
}

/** UTF-8 first: names may hold any character, and btoa takes only Latin-1. */
function base64url(text: string): string {
  const binary = String.fromCharCode(...new TextEncoder().encode(text));
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
