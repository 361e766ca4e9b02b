import { z } from 'zod';
import { AlertFrame } from './alerts.ts';
import { CandleInterval } from './candles.ts';
import { FnoChain, FnoChainUpdate } from './fno-chain.ts';
import { TickSchema } from './kite-ticks/tick-schema.ts';
import { TickMode } from './origin-link.ts';
import { unstorableText } from './storable-text.ts';

/**
 * The client protocol of `GET /v2/ws` (docs/websocket.md): JSON text
 * frames both ways, defined once here and used by the hub Durable Object,
 * the typed client (client/) and the tests.
 *
 * A session is one WebSocket. Its subscriptions are its own: no other
 * session, of the same user or another, sees or changes them.
 */

export const V2_SUBPROTOCOL = 'kite-edge.v2';

/**
 * How a session's ticks travel, chosen at connect with `?format=`: `json`
 * (the default: `ticks` and `snapshot` text frames) or `binary` (Kite's
 * packets in binary frames, contracts/binary-tick-frame.ts). Every other
 * message is a JSON text frame either way.
 */
export const TickFormat = z.enum(['json', 'binary'], { error: 'must be json or binary' });
export type TickFormat = z.infer<typeof TickFormat>;

/** A session's modes are Kite's, the same the origin link carries. */
export const ClientMode = TickMode;
export type ClientMode = TickMode;

/** An instrument as a client names it: Kite's instrument token, or `EXCHANGE:TRADINGSYMBOL`. */
export const InstrumentRef = z.union([
  z.number().int().positive().max(0xffffffff),
  // Index symbols have inner spaces (NSE:NIFTY 50); nothing else does. A symbol goes to Postgres: storable text only.
  z
    .string()
    .regex(/^[A-Z]{2,8}:\S(?:[^\n]{0,62}\S)?$/, 'must be EXCHANGE:TRADINGSYMBOL, e.g. NSE:INFY or NSE:NIFTY 50')
    .refine((symbol) => unstorableText(symbol) === undefined, 'must not contain the NUL character or a lone surrogate'),
]);
export type InstrumentRef = z.infer<typeof InstrumentRef>;

/** Optional request id, echoed in the answer so a client can match them. */
const RequestId = z.union([z.string().max(64), z.number().int()]).optional();

/** Option chains one session may stream at once. */
export const MAX_CHAINS_PER_SESSION = 10;
/** A window wider than any listed chain is only the whole chain: the cap keeps the number meaningful. */
export const MAX_CHAIN_WINDOW = 500;

/** One chain stream: an underlying's expiry, and the strikes each side of the ATM (all when absent). */
export const ChainStream = z.object({
  name: z
    .string({ error: 'name must be an underlying as Kite names its derivatives (NIFTY, BANKNIFTY, RELIANCE)' })
    .regex(/^[A-Z0-9&\-_.]{1,64}$/, 'name must be an underlying as Kite names its derivatives (NIFTY, BANKNIFTY, RELIANCE)'),
  expiry: z.iso.date({ error: 'expiry must be a date YYYY-MM-DD' }),
  strikes: z
    .number({ error: 'strikes must be a whole number' })
    .int('strikes must be a whole number')
    .min(0, 'strikes must be at least 0')
    .max(MAX_CHAIN_WINDOW, `strikes must be at most ${MAX_CHAIN_WINDOW}`)
    .optional(),
});
export type ChainStream = z.infer<typeof ChainStream>;

/** Most instruments one control message may name (a bigger set goes in several messages). */
export const MAX_INSTRUMENTS_PER_MESSAGE = 1_000;
const Instruments = z
  .array(z.unknown())
  .min(1, 'instruments must name at least one instrument')
  .max(MAX_INSTRUMENTS_PER_MESSAGE, `instruments may name at most ${MAX_INSTRUMENTS_PER_MESSAGE} per message`);

/** Candle streams (instrument × interval) one session may hold at once. */
export const MAX_CANDLE_STREAMS_PER_SESSION = 50;
const CandleInstruments = z
  .array(z.unknown())
  .min(1, 'instruments must name at least one instrument')
  .max(MAX_CANDLE_STREAMS_PER_SESSION, `instruments may name at most ${MAX_CANDLE_STREAMS_PER_SESSION} per message`);

export const ClientMessage = z.discriminatedUnion(
  'action',
  [
    z.object({ action: z.literal('subscribe'), id: RequestId, instruments: Instruments, mode: ClientMode.default('quote') }),
    z.object({ action: z.literal('unsubscribe'), id: RequestId, instruments: Instruments }),
    z.object({ action: z.literal('mode'), id: RequestId, instruments: Instruments, mode: ClientMode }),
    z.object({ action: z.literal('ping'), id: RequestId }),
    /** A fresh access token of the session's user, so a session opened with an access token outlives the one it opened with. */
    z.object({ action: z.literal('reauth'), id: RequestId, access_token: z.string({ error: 'access_token must be an access token' }).min(1).max(4096) }),
    /** A live option chain (docs/fno.md): `strikes` each side of the ATM strike, all when absent. */
    z.object({ action: z.literal('subscribe_chain'), id: RequestId, ...ChainStream.shape }),
    z.object({ action: z.literal('unsubscribe_chain'), id: RequestId, ...ChainStream.shape }),
    /** Live candles (docs/candles.md): the forming candle at most once a second, `candle_closed` when its interval ends. */
    z.object({ action: z.literal('subscribe_candles'), id: RequestId, instruments: CandleInstruments, interval: CandleInterval }),
    z.object({ action: z.literal('unsubscribe_candles'), id: RequestId, instruments: CandleInstruments, interval: CandleInterval }),
  ],
  {
    error: 'action must be one of subscribe, unsubscribe, mode, ping, reauth, subscribe_chain, unsubscribe_chain, subscribe_candles, unsubscribe_candles',
  },
);
export type ClientMessage = z.infer<typeof ClientMessage>;
export type ClientAction = ClientMessage['action'];
export type ChainAction = 'subscribe_chain' | 'unsubscribe_chain';
export type CandleAction = 'subscribe_candles' | 'unsubscribe_candles';

/** A candle on the wire: Kite's time ("2026-12-04T09:15:00+0530", the interval's start) and its figures. */
export const CandleFrame = z.object({
  time: z.string(),
  open: z.number(),
  high: z.number(),
  low: z.number(),
  close: z.number(),
  volume: z.number(),
  oi: z.number(),
});
export type CandleFrame = z.infer<typeof CandleFrame>;

/** Why one instrument of a request was not taken. */
export const RejectCode = z.enum([
  /** Not a token or `EXCHANGE:TRADINGSYMBOL`. */
  'bad_instrument',
  /** Well formed, but no active instrument has it. */
  'unknown_instrument',
  /** The session already holds its limit of instruments. */
  'limit_reached',
  /** `unsubscribe`/`mode` named an instrument the session is not subscribed to. */
  'not_subscribed',
  /** The registry could not be read; try again. */
  'unavailable',
]);
export type RejectCode = z.infer<typeof RejectCode>;

/** `instrument` as the client named it, and what it resolved to (so a token's ack names its symbol, and a symbol's its token). */
export const Accepted = z.object({
  instrument: z.union([z.number().int(), z.string()]),
  instrument_token: z.number().int(),
  exchange: z.string(),
  tradingsymbol: z.string(),
  mode: ClientMode.optional(),
});
export type Accepted = z.infer<typeof Accepted>;
/** `instrument` exactly as sent, whatever it was. */
export const Rejected = z.object({ instrument: z.unknown(), code: RejectCode, reason: z.string() });
export type Rejected = z.infer<typeof Rejected>;

/** Feed state of a group as sessions see it: `live`, `stale` (no ticks lately or the origin is away), `down` (the origin reports Kite unreachable or its token expired, or has been away long). */
export const FeedState = z.enum(['live', 'stale', 'down']);
export type FeedState = z.infer<typeof FeedState>;

/** Codes of `error` frames (the session stays open). */
export const SessionErrorCode = z.enum([
  /** The frame is not JSON, or not an object. */
  'bad_json',
  /** The JSON is not one of the messages above; `message` names the field. */
  'bad_message',
  /** Binary frames are not part of this protocol. */
  'binary_not_supported',
  /** Control messages came faster than the limit; this one was dropped. */
  'rate_limited',
  /** The session was closed by the server for a reason in `message`, with the close code in `close_code` (sent just before the close). */
  'closing',
  /** A `reauth` was refused (`message` says why); the session goes on until its current token expires. */
  'reauth_refused',
  /** `subscribe_chain`: no option of that underlying expires on that day (`message` lists the listed expiries). */
  'unknown_chain',
  /** `subscribe_chain`: Kite's budget (3 connections × 3000 instruments per account) cannot take the chain; `refused` counts its contracts refused. */
  'kite_capacity',
  /** `subscribe_chain`: the session already streams MAX_CHAINS_PER_SESSION chains; or `unsubscribe_chain` of a chain it does not stream. */
  'chain_refused',
  /** `subscribe_chain`: the registry or the chain's group could not be reached; try again. */
  'unavailable',
]);
export type SessionErrorCode = z.infer<typeof SessionErrorCode>;

export const SessionLimits = z.object({
  /** Instruments one session may hold. */
  instruments: z.number().int(),
  /** Control messages per second (a burst of twice this is allowed). */
  messages_per_second: z.number(),
  /** Largest frame the server reads, in bytes. */
  max_frame_bytes: z.number().int(),
});
export type SessionLimits = z.infer<typeof SessionLimits>;

/** The request id of the message answered, when it had one. */
const AnsweredId = z.union([z.string(), z.number()]).optional();

/**
 * Every frame the server sends on /v2/ws, by `type` (three kinds of `ack`:
 * of instruments, of chains, of candles). Each is named here for /asyncapi.json.
 */
export const SERVER_MESSAGES = {
  /**
   * First frame of a session. `session` is its id: reconnecting with
   * `?resume=<id>` within RESUME_WINDOW_MS of losing the socket (a network
   * drop, a restart of the server) gets the same session back with its
   * subscriptions (`resumed: true`, `subscribed` of them, a snapshot of each).
   * `expires_at` (ms since the epoch): when a session opened with an access
   * token ends (its token's expiry) unless a `reauth` extends it; null for
   * an API key's.
   */
  welcome: z.object({
    type: z.literal('welcome'),
    session: z.string(),
    resumed: z.boolean(),
    subscribed: z.number().int(),
    limits: SessionLimits,
    server_time: z.number(),
    expires_at: z.number().nullable(),
  }),
  /** A `reauth` taken: the session now ends at `expires_at`, the fresh token's expiry, unless extended again. */
  reauthed: z.object({ type: z.literal('reauthed'), id: AnsweredId, expires_at: z.number() }),
  /** The answer to `subscribe`, `unsubscribe` and `mode`: each instrument taken or refused, and the session's count after. */
  ack: z.object({
    type: z.literal('ack'),
    id: AnsweredId,
    action: z.enum(['subscribe', 'unsubscribe', 'mode', 'ping', 'reauth']),
    accepted: z.array(Accepted),
    rejected: z.array(Rejected),
    subscribed: z.number().int(),
  }),
  /** A chain subscription taken (or dropped): a `chain` frame follows a subscribe, then `chain_update`s. `chains`: how many the session streams. */
  chain_ack: z.object({
    type: z.literal('ack'),
    id: AnsweredId,
    action: z.enum(['subscribe_chain', 'unsubscribe_chain']),
    chains: z.number().int(),
    ...ChainStream.shape,
  }),
  /** Candle streams taken (or dropped): `candle` frames of each follow a subscribe once the instrument ticks. `candles`: the streams the session holds. */
  candle_ack: z.object({
    type: z.literal('ack'),
    id: AnsweredId,
    action: z.enum(['subscribe_candles', 'unsubscribe_candles']),
    interval: CandleInterval,
    accepted: z.array(Accepted),
    rejected: z.array(Rejected),
    candles: z.number().int(),
  }),
  /** A candle stream's forming candle, at most once a second while it changes. */
  candle: z.object({ type: z.literal('candle'), instrument_token: z.number().int(), interval: CandleInterval, candle: CandleFrame }),
  /** A candle stream's candle once its interval ended: final. */
  candle_closed: z.object({ type: z.literal('candle_closed'), instrument_token: z.number().int(), interval: CandleInterval, candle: CandleFrame }),
  /** The whole chain (the REST shape), on subscribing and whenever the stream starts over; `window` is the subscription's `strikes` (null: all). */
  chain: FnoChain.extend({ type: z.literal('chain'), window: z.number().int().nullable() }),
  /** What changed since the previous `chain` or `chain_update` of the stream (applyChainUpdate in contracts/fno-chain.ts); at most one a second. */
  chain_update: FnoChainUpdate.extend({ type: z.literal('chain_update'), window: z.number().int().nullable() }),
  /** The latest tick of each newly subscribed instrument, before any live tick of it. */
  snapshot: z.object({ type: z.literal('snapshot'), ticks: z.array(TickSchema) }),
  ticks: z.object({ type: z.literal('ticks'), ticks: z.array(TickSchema) }),
  /** A group's feed changed state; `instruments` are the session's instruments in it. */
  status: z.object({ type: z.literal('status'), group: z.string(), state: FeedState, reason: z.string().optional(), instruments: z.array(z.number().int()) }),
  pong: z.object({ type: z.literal('pong'), id: AnsweredId, server_time: z.number() }),
  /** `close_code` on `closing` only: the code of the close that follows, so a client can act before its transport reports the close. */
  error: z.object({
    type: z.literal('error'),
    id: AnsweredId,
    code: SessionErrorCode,
    message: z.string(),
    close_code: z.number().int().optional(),
    refused: z.number().int().optional(),
  }),
  /** One fire of one of the user's price alerts, on every open session of the user (docs/alerts.md). */
  alert: AlertFrame,
} as const;

const M = SERVER_MESSAGES;
export const ServerMessage = z.union([
  M.welcome,
  M.reauthed,
  M.ack,
  M.chain_ack,
  M.candle_ack,
  M.candle,
  M.candle_closed,
  M.chain,
  M.chain_update,
  M.snapshot,
  M.ticks,
  M.status,
  M.pong,
  M.error,
  M.alert,
]);
export type ServerMessage = z.infer<typeof ServerMessage>;

/** How long a session that lost its socket (other than by a normal close) can be resumed. */
export const RESUME_WINDOW_MS = 2 * 60_000;

export const DEFAULT_LIMITS: SessionLimits & { sessions_per_key: number } = {
  instruments: 3_000,
  messages_per_second: 10,
  max_frame_bytes: 64 * 1024,
  sessions_per_key: 20,
};

/**
 * Close codes (the 4000 range is the application's; 1008/1009 are the
 * standard ones for policy and size). One table, documented in
 * docs/websocket.md, used by both protocols.
 */
export const CloseCode = {
  /** A frame larger than `max_frame_bytes`. */
  FRAME_TOO_LARGE: 1009,
  /** Too many control messages, for too long (repeated `rate_limited`). */
  RATE_LIMIT_ABUSE: 4008,
  /** The session could not keep up: its backlog stayed over the bound for too long. */
  SLOW_CONSUMER: 4009,
  /** The session kept sending malformed frames. */
  PROTOCOL_ABUSE: 4002,
  /** The access token the session opened with (or last sent in a `reauth`) expired: reconnect, or reauth sooner, with a fresh one. */
  ACCESS_TOKEN_EXPIRED: 4001,
  /** The credential the session opened with stopped being valid: its API key was revoked, or its user signed out, changed password or had a refresh token reused. */
  CREDENTIAL_ENDED: 4003,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];
