import { z } from 'zod';
import type { AlertFrame } from './alerts.ts';
import type { Tick } from './kite-ticks/tick.ts';
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

/** Most instruments one control message may name (a bigger set goes in several messages). */
export const MAX_INSTRUMENTS_PER_MESSAGE = 1_000;
const Instruments = z
  .array(z.unknown())
  .min(1, 'instruments must name at least one instrument')
  .max(MAX_INSTRUMENTS_PER_MESSAGE, `instruments may name at most ${MAX_INSTRUMENTS_PER_MESSAGE} per message`);

export const ClientMessage = z.discriminatedUnion(
  'action',
  [
    z.object({ action: z.literal('subscribe'), id: RequestId, instruments: Instruments, mode: ClientMode.default('quote') }),
    z.object({ action: z.literal('unsubscribe'), id: RequestId, instruments: Instruments }),
    z.object({ action: z.literal('mode'), id: RequestId, instruments: Instruments, mode: ClientMode }),
    z.object({ action: z.literal('ping'), id: RequestId }),
    /** A fresh access token of the session's user, so a session opened with an access token outlives the one it opened with. */
    z.object({ action: z.literal('reauth'), id: RequestId, access_token: z.string({ error: 'access_token must be an access token' }).min(1).max(4096) }),
  ],
  { error: 'action must be one of subscribe, unsubscribe, mode, ping, reauth' },
);
export type ClientMessage = z.infer<typeof ClientMessage>;
export type ClientAction = ClientMessage['action'];

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
export type Accepted = { instrument: InstrumentRef; instrument_token: number; exchange: string; tradingsymbol: string; mode?: ClientMode };
export type Rejected = { instrument: unknown; code: RejectCode; reason: string };

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
]);
export type SessionErrorCode = z.infer<typeof SessionErrorCode>;

export type ServerMessage =
  /**
   * First frame of a session. `session` is its id: reconnecting with
   * `?resume=<id>` within RESUME_WINDOW_MS of losing the socket (a network
   * drop, a restart of the server) gets the same session back with its
   * subscriptions (`resumed: true`, `subscribed` of them, a snapshot of each).
   * `expires_at` (ms since the epoch): when a session opened with an access
   * token ends (its token's expiry) unless a `reauth` extends it; null for
   * an API key's.
   */
  | { type: 'welcome'; session: string; resumed: boolean; subscribed: number; limits: SessionLimits; server_time: number; expires_at: number | null }
  /** A `reauth` taken: the session now ends at `expires_at`, the fresh token's expiry, unless extended again. */
  | { type: 'reauthed'; id?: string | number; expires_at: number }
  | { type: 'ack'; id?: string | number; action: ClientAction; accepted: Accepted[]; rejected: Rejected[]; subscribed: number }
  /** The latest tick of each newly subscribed instrument, before any live tick of it. */
  | { type: 'snapshot'; ticks: Tick[] }
  | { type: 'ticks'; ticks: Tick[] }
  | { type: 'status'; group: string; state: FeedState; reason?: string; instruments: number[] }
  | { type: 'pong'; id?: string | number; server_time: number }
  /** `close_code` on `closing` only: the code of the close that follows, so a client can act before its transport reports the close. */
  | { type: 'error'; id?: string | number; code: SessionErrorCode; message: string; close_code?: number }
  /** One fire of one of the user's price alerts, on every open session of the user (docs/alerts.md). */
  | AlertFrame;

export type SessionLimits = {
  /** Instruments one session may hold. */
  instruments: number;
  /** Control messages per second (a burst of twice this is allowed). */
  messages_per_second: number;
  /** Largest frame the server reads, in bytes. */
  max_frame_bytes: number;
};

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
