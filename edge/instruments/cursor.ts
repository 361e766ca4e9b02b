import type { ListQuery } from '../../contracts/instruments-api.ts';
import { InvalidParameter } from '../errors.ts';

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
  return { value: v, token: t };
}

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
