import { z } from 'zod';
import { InstrumentRow } from './instruments-api.ts';

/**
 * Watchlists (docs/watchlists.md): a user's named, ordered lists of
 * instruments, kept in Postgres and served at `/watchlists`, for the web
 * app and any program. Each instrument is answered as the instruments API
 * answers it (InstrumentRow), in the user's order. An instrument that has
 * since expired stays in its list as its registry row last described it,
 * with `is_active: false`: the user decides when to remove it.
 *
 * Bodies are strict: an unknown field is an error, so `instruments` for
 * `instrument_tokens` is caught rather than ignored.
 */

export const WATCHLIST_NAME_MAX = 40;
/** Defaults of the worker's WATCHLISTS_PER_USER and WATCHLIST_INSTRUMENTS (docs/configuration.md). */
export const DEFAULT_WATCHLISTS_PER_USER = 10;
export const DEFAULT_WATCHLIST_INSTRUMENTS = 100;

/** Trimmed, 1–40 characters; unique per user without regard to case. */
export const WatchlistName = z
  .string({ error: 'must be a string' })
  .trim()
  .min(1, 'must not be empty')
  .max(WATCHLIST_NAME_MAX, `must be at most ${WATCHLIST_NAME_MAX} characters`);

const TOKEN_RULE = 'must be an instrument_token: a whole number from 1 to 4294967295';
export const WatchlistToken = z.number({ error: TOKEN_RULE }).int(TOKEN_RULE).min(1, TOKEN_RULE).max(0xffffffff, TOKEN_RULE);

/** POST /watchlists and PATCH /watchlists/:id. */
export const WatchlistNameBody = z.strictObject({ name: WatchlistName });
export type WatchlistNameBody = z.output<typeof WatchlistNameBody>;

/** POST /watchlists/:id/instruments: appended at the end; one already listed stays where it is. */
export const WatchlistAdd = z.strictObject({ instrument_token: WatchlistToken });
export type WatchlistAdd = z.output<typeof WatchlistAdd>;

/** PUT /watchlists/:id/instruments: the whole list, in the order wanted (each token once). */
export const WatchlistInstruments = z.strictObject({
  instrument_tokens: z
    .array(WatchlistToken, { error: 'must be an array of instrument tokens' })
    .refine((tokens) => new Set(tokens).size === tokens.length, 'must not list an instrument twice'),
});
export type WatchlistInstruments = z.output<typeof WatchlistInstruments>;

const isoTime = z.iso.datetime({ offset: true });

export const Watchlist = z
  .object({
    id: z.uuid(),
    name: z.string(),
    /** In the user's order; an expired instrument reads `is_active: false`. */
    instruments: z.array(InstrumentRow),
    created_at: isoTime,
    /** Changed by a rename and by any change to the instruments (not by adding one already listed). */
    updated_at: isoTime,
  })
  .meta({ id: 'Watchlist' });
export type Watchlist = z.infer<typeof Watchlist>;

/** GET /watchlists: the user's watchlists in the order they were created. */
export const WatchlistList = z.object({ watchlists: z.array(Watchlist) });
export type WatchlistList = z.infer<typeof WatchlistList>;
