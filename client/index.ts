/**
 * @kite-edge/client: the platform's typed clients (README.md). The
 * WebSocket client of /v2/ws and the REST helpers, both typed by the
 * schemas the server describes itself with (contracts/, bundled in).
 */

export type { Alert, AlertCondition, AlertFrame, TriggerView } from '../contracts/alerts.ts';
export type { ApiKey, Me, NewApiKey, SessionTokens } from '../contracts/auth-api.ts';
export type { CandleInterval, KiteCandleRow } from '../contracts/candles.ts';
export type { CandleFrame, ClientMessage, ClientMode, InstrumentRef, ServerMessage, SessionErrorCode, SessionLimits } from '../contracts/client-protocol.ts';
export type { ErrorBody, ErrorCode } from '../contracts/errors.ts';
export type { FnoChain, FnoOption, FnoStrikeRow, FnoSummary } from '../contracts/fno-chain.ts';
export type { InstrumentRow } from '../contracts/instruments-api.ts';
export type { Tick } from '../contracts/kite-ticks/tick.ts';
export type { KiteLtpQuote, KiteOhlcQuote, KiteQuote } from '../contracts/quote-api.ts';
export type { Watchlist, WatchlistList } from '../contracts/watchlists.ts';
export * from './kite-edge-client.ts';
export * from './rest.ts';
