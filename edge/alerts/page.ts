import { z } from 'zod';

/**
 * Paging of the alerts API's lists: `limit` (1 to MAX_PAGE, default
 * DEFAULT_PAGE) and an opaque `cursor`, the `next_cursor` of the previous
 * page (null on the last). Keyset, not offset, so a page never repeats or
 * skips a row that was added or deleted while a client walked the list.
 */
export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 200;

export const limit = z.coerce
  .number({ error: 'must be a number' })
  .int('must be a whole number')
  .min(1, 'must be at least 1')
  .max(MAX_PAGE, `must be at most ${MAX_PAGE}`)
  .default(DEFAULT_PAGE);

/**
 * The latest time a cursor can name, 9999-12-31 in µs: a cursor past it
 * (20 digits fit the pattern) would overflow Postgres's bigint and
 * timestamps, which answered 500.
 */
const MAX_CURSOR_MICROS = 253_402_300_799_999_999n;
const ALERT_CURSOR = /^(\d{1,18})_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Alerts, newest first: `<created_at in µs>_<id>`. */
export const alertCursor = z
  .string()
  .refine((text) => {
    const micros = ALERT_CURSOR.exec(text)?.[1];
    return micros !== undefined && BigInt(micros) <= MAX_CURSOR_MICROS;
  }, 'must be the next_cursor of a previous page')
  .transform((text) => {
    const [micros = '', id = ''] = text.split('_');
    return { micros, id };
  });

/** Triggers and deliveries, newest first: the id of the last row of the previous page. */
export const idCursor = z.string().regex(/^\d{1,18}$/, 'must be the next_cursor of a previous page');

/** The page of `rows` (fetched with limit + 1) and the cursor after it. */
export function page<T>(rows: T[], size: number, cursorOf: (row: T) => string): { rows: T[]; next_cursor: string | null } {
  const more = rows.length > size;
  const kept = more ? rows.slice(0, size) : rows;
  const last = kept.at(-1);
  return { rows: kept, next_cursor: more && last !== undefined ? cursorOf(last) : null };
}
