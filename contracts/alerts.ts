import { z } from 'zod';
import { unstorableText } from './storable-text.ts';
import { checkWebhookUrl } from './webhook-url.ts';
import { paramProblem } from './zod-problem.ts';

/**
 * Price alerts, defined once for the REST API (`/alerts`), the group Durable
 * Objects that evaluate them, the sessions that receive `alert` frames and
 * the webhook receivers. docs/alerts.md describes the semantics; the short
 * of it:
 *
 * - a condition compares one value of an instrument's tick with a bound:
 *   last_price (level or crossing), percent change from the previous close,
 *   volume traded today, open interest. A level fires when the value reaches
 *   the bound (equality fires); a crossing fires when the previous tick was
 *   strictly on the other side of the price and this one is at or past it.
 * - `repeat` is one-shot (fires once, then the alert is `triggered`) or
 *   recurring (fires again after `cooldown_s`, while its condition holds
 *   for a level, at the next crossing for a crossing).
 * - every trigger carries an idempotency key, `<alert id>:<generation>`,
 *   where the generation counts the alert's fires: it is recorded once even
 *   when a Durable Object restarts or a tick arrives twice.
 *
 * Bodies are strict: an unknown field is an error, not silently dropped,
 * so `cooldown` for `cooldown_s` is caught at creation. `alertProblem`
 * turns a failed parse into the `param` and message of a 400.
 */

export const MAX_NOTE_CHARS = 500;
export const MIN_COOLDOWN_S = 10;
export const MAX_COOLDOWN_S = 7 * 24 * 3600;
export const MAX_PRICE = 1e9;
/** Kite's counters (volume, OI) are uint32 on the wire. */
export const MAX_COUNT = 0xffffffff;
export const MAX_RISE_PCT = 1000;
/** The first webhook retry's delay ceiling unless ALERT_WEBHOOK_RETRY_BASE_MS says otherwise (docs/alerts.md). */
export const WEBHOOK_RETRY_BASE_MS = 5_000;

export type AlertSchemaOptions = {
  /** Server flag: accept webhook URLs on private networks and loopback, plain http to them included (local development and tests). */
  allowPrivateWebhooks?: boolean;
  /** The clock `expires_at` is judged against; Date.now by default. */
  now?: () => number;
  /** Server setting ALERTS_MIN_COOLDOWN_S: the shortest cool-down a recurring alert may have (MIN_COOLDOWN_S by default). */
  minCooldownS?: number;
};

// ---- the instrument ----

const InstrumentToken = z
  .number({ error: 'must be an instrument token (a positive integer) or EXCHANGE:TRADINGSYMBOL' })
  .int('must be a whole number')
  .min(1, 'must be a positive instrument token')
  .max(0xffffffff, 'must be an instrument token (at most 4294967295)');

/** `NSE:INFY`, `NSE:NIFTY 50`, `NFO:NIFTY26JAN25000CE`: Kite's exchange, a colon, its tradingsymbol as in the instrument dump. */
export const InstrumentSymbol = z
  .string()
  .regex(/^[A-Z]{2,10}:\S(?:[^:]{0,58}\S)?$/, 'must be EXCHANGE:TRADINGSYMBOL such as NSE:INFY (exchange in capitals, then the symbol as Kite lists it)')
  .refine((symbol) => unstorableText(symbol) === undefined, 'must not contain the NUL character or a lone surrogate');

/** What a client names an instrument by; the server resolves it through the instrument registry (unknown: 400). */
export const InstrumentRef = z.union([InstrumentToken, InstrumentSymbol], {
  error: 'must be an instrument token or EXCHANGE:TRADINGSYMBOL such as NSE:INFY',
});
export type InstrumentRef = z.infer<typeof InstrumentRef>;

/** The instrument as resolved and stored: both names, so alerts and their frames read well without another lookup. */
export const AlertInstrument = z.object({
  instrument_token: z.number().int().positive(),
  exchange: z.string(),
  tradingsymbol: z.string(),
});
export type AlertInstrument = z.infer<typeof AlertInstrument>;

// ---- the condition ----

const price = z.number({ error: 'must be a number' }).positive('must be greater than 0').max(MAX_PRICE, `must be at most ${MAX_PRICE}`);

const count = z
  .number({ error: 'must be a number' })
  .int('must be a whole number')
  .positive('must be greater than 0')
  .max(MAX_COUNT, `must be at most ${MAX_COUNT}`);

/**
 * Percent bounds are signed changes from the previous close, and the sign
 * must agree with the direction: `change_pct_above` takes a rise (> 0),
 * `change_pct_below` a fall (< 0). The other sign is refused because a level
 * on the wrong side of zero (say "below +5%") holds for nearly every
 * instrument on a normal day, so the alert would fire on its first tick: it
 * is almost always a typo for the other sign or the other type. Zero is
 * refused for the same reason ("any rise at all" fires on the first uptick).
 */
const rise = z
  .number({ error: 'must be a number' })
  .gt(
    0,
    'must be greater than 0: change_pct_above fires when last_price has risen this many percent above the previous close; for a fall use change_pct_below with a negative percent',
  )
  .max(MAX_RISE_PCT, `must be at most ${MAX_RISE_PCT}`);
const fall = z
  .number({ error: 'must be a number' })
  .lt(
    0,
    'must be less than 0: change_pct_below fires when last_price has fallen this many percent below the previous close (-2 for a 2% fall); for a rise use change_pct_above',
  )
  .min(-100, 'must be at least -100: a price cannot fall more than 100%');

export const CONDITION_TYPES = [
  'price_above',
  'price_below',
  'crosses_up',
  'crosses_down',
  'change_pct_above',
  'change_pct_below',
  'volume_above',
  'oi_above',
] as const;
export type ConditionType = (typeof CONDITION_TYPES)[number];

export const AlertCondition = z
  .discriminatedUnion(
    'type',
    [
      /** last_price ≥ price. */
      z.strictObject({ type: z.literal('price_above'), price }),
      /** last_price ≤ price. */
      z.strictObject({ type: z.literal('price_below'), price }),
      /** previous tick's last_price < price ≤ this tick's. */
      z.strictObject({ type: z.literal('crosses_up'), price }),
      /** previous tick's last_price > price ≥ this tick's. */
      z.strictObject({ type: z.literal('crosses_down'), price }),
      /** (last_price − close) / close × 100 ≥ percent; close is the previous session's (ohlc.close). */
      z.strictObject({ type: z.literal('change_pct_above'), percent: rise }),
      /** (last_price − close) / close × 100 ≤ percent. */
      z.strictObject({ type: z.literal('change_pct_below'), percent: fall }),
      /** volume_traded (today's) ≥ volume. */
      z.strictObject({ type: z.literal('volume_above'), volume: count }),
      /** oi ≥ oi (derivatives, full-mode ticks). */
      z.strictObject({ type: z.literal('oi_above'), oi: count }),
    ],
    { error: `must be an object whose type is one of ${CONDITION_TYPES.join(', ')}` },
  )
  .meta({ id: 'AlertCondition' });
export type AlertCondition = z.infer<typeof AlertCondition>;

// ---- repeat, expiry, note, channels ----

/** A recurring alert's cool-down may not be shorter than `minCooldownS` (ALERTS_MIN_COOLDOWN_S; MIN_COOLDOWN_S by default). */
export const alertRepeat = (minCooldownS = MIN_COOLDOWN_S) =>
  z.discriminatedUnion(
    'type',
    [
      z.strictObject({ type: z.literal('once') }),
      z.strictObject({
        type: z.literal('recurring'),
        cooldown_s: z
          .number({ error: 'must be a number of seconds' })
          .int('must be a whole number of seconds')
          .min(minCooldownS, `must be at least ${minCooldownS} second${minCooldownS === 1 ? '' : 's'}`)
          .max(MAX_COOLDOWN_S, `must be at most ${MAX_COOLDOWN_S} seconds (7 days)`),
      }),
    ],
    { error: 'must be {"type":"once"} or {"type":"recurring","cooldown_s":<seconds>}' },
  );
export const AlertRepeat = alertRepeat();
export type AlertRepeat = z.infer<typeof AlertRepeat>;
/** A stored alert's repeat: made under whatever floor the server had then, so only the table's own bounds hold. */
const StoredRepeat = alertRepeat(1);

const isoTime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 time with a zone, such as 2026-01-05T15:30:00+05:30' });

/** The latest time an alert may expire: the last instant a four-digit UTC year writes. */
const LATEST_EXPIRY_MS = Date.parse('9999-12-31T23:59:59.999Z');

/**
 * A time ahead of `now`, handed on in UTC: ISO 8601 allows zone offsets up to ±23:59 where Postgres takes ±15:59,
 * and a time past year 9999 in UTC would come back in a form this schema refuses.
 */
const futureTime = (now: () => number) =>
  isoTime
    .refine((value) => Date.parse(value) > now(), 'must be in the future')
    .refine((value) => Date.parse(value) <= LATEST_EXPIRY_MS, 'must be no later than 9999-12-31T23:59:59Z')
    .transform((value) => new Date(value).toISOString());

const note = z.string({ error: 'must be a string' }).max(MAX_NOTE_CHARS, `must be at most ${MAX_NOTE_CHARS} characters`);

const webhookUrl = (allowPrivate: boolean) =>
  z.string({ error: 'must be a URL string' }).transform((raw, ctx) => {
    const check = checkWebhookUrl(raw, { allowPrivate });
    if (check.ok) return check.url;
    ctx.addIssue({ code: 'custom', message: check.reason });
    return z.NEVER;
  });

const channels = (allowPrivate: boolean) =>
  z
    .strictObject({
      /** Every open WebSocket session of the owner gets an `alert` frame. */
      sessions: z.boolean({ error: 'must be true or false' }).default(true),
      /** A signed POST to this URL (docs/alerts.md); null removes it on update. */
      webhook: z
        .strictObject({ url: webhookUrl(allowPrivate) })
        .nullable()
        .optional(),
    })
    .refine((c) => c.sessions || c.webhook, 'must enable sessions or give a webhook: an alert nobody hears is a mistake');

// ---- request bodies ----

/** POST /alerts. */
export function alertCreateSchema(options: AlertSchemaOptions = {}) {
  return z.strictObject({
    instrument: InstrumentRef,
    condition: AlertCondition,
    repeat: alertRepeat(options.minCooldownS).default({ type: 'once' }),
    expires_at: futureTime(options.now ?? Date.now).optional(),
    note: note.optional(),
    channels: channels(options.allowPrivateWebhooks ?? false).default({ sessions: true }),
  });
}
export const AlertCreate = alertCreateSchema();
export type AlertCreate = z.output<typeof AlertCreate>;

/**
 * PATCH /alerts/:id: any field of the creation body but the instrument (an
 * alert lives in its instrument's group object; moving it is a new alert).
 * `expires_at` and `note` take null to clear them. State changes have
 * routes of their own (pause, resume).
 */
export function alertUpdateSchema(options: AlertSchemaOptions = {}) {
  return z
    .strictObject({
      instrument: z
        .never({ error: 'cannot be changed: delete this alert and create one on the other instrument' })
        // For the OpenAPI document, which has no `never`: a schema no value meets.
        .meta({ type: 'string', not: {}, description: 'cannot be changed: delete the alert and create one on the other instrument' })
        .optional(),
      condition: AlertCondition.optional(),
      repeat: alertRepeat(options.minCooldownS).optional(),
      expires_at: futureTime(options.now ?? Date.now)
        .nullable()
        .optional(),
      note: note.nullable().optional(),
      channels: channels(options.allowPrivateWebhooks ?? false).optional(),
    })
    .refine((body) => Object.keys(body).length > 0, 'must change at least one of condition, repeat, expires_at, note, channels');
}
export const AlertUpdate = alertUpdateSchema();
export type AlertUpdate = z.output<typeof AlertUpdate>;

// ---- stored alerts and their triggers ----

/**
 * active: evaluated on every tick. paused: kept, not evaluated (resume
 * re-arms). triggered: a one-shot alert that fired (resume re-arms it).
 * expired: past expires_at, never evaluated again.
 */
export const AlertState = z.enum(['active', 'paused', 'triggered', 'expired']);
export type AlertState = z.infer<typeof AlertState>;

const storedChannels = z.object({ sessions: z.boolean(), webhook: z.object({ url: z.string() }).nullable() });

/** An alert as GET /alerts/:id returns it. */
export const Alert = z
  .object({
    id: z.uuid(),
    user_id: z.uuid(),
    instrument: AlertInstrument,
    condition: AlertCondition,
    repeat: StoredRepeat,
    expires_at: isoTime.nullable(),
    note: z.string().nullable(),
    channels: storedChannels,
    state: AlertState,
    created_at: isoTime,
    updated_at: isoTime,
    last_triggered_at: isoTime.nullable(),
    trigger_count: z.number().int().nonnegative(),
  })
  .meta({ id: 'Alert' });
export type Alert = z.infer<typeof Alert>;

/**
 * An alert as the edge hands it to its instrument's group Durable Object
 * (on create, update, pause, resume, delete and at the object's reload):
 * the stored alert's evaluation fields plus its generation, the number of
 * fires Postgres has recorded. The object keeps the larger of this and its
 * own count (and the later of the last-fired times), so a push that races a
 * fire not yet recorded cannot re-arm a one-shot alert, cut a cool-down
 * short or reuse an idempotency key.
 */
export const GroupAlert = Alert.pick({
  id: true,
  user_id: true,
  instrument: true,
  condition: true,
  repeat: true,
  expires_at: true,
  note: true,
  channels: true,
  state: true,
  last_triggered_at: true,
}).extend({ generation: z.number().int().nonnegative() });
export type GroupAlert = z.infer<typeof GroupAlert>;

/** One fire of an alert, as the group object decides it. */
export const AlertTrigger = z.object({
  /** `<alert id>:<generation>`: unique per alert and fire; Postgres records each key once. */
  idempotency_key: z.string(),
  alert_id: z.uuid(),
  user_id: z.uuid(),
  /** Fires of this alert before this one (0 for the first). */
  generation: z.number().int().nonnegative(),
  instrument: AlertInstrument,
  /** The condition as it was when it fired. */
  condition: AlertCondition,
  /** The value that met the condition: last_price for price conditions, the percent change, volume_traded or oi. */
  value: z.number(),
  last_price: z.number(),
  /** The previous tick's last_price, for crossings (null otherwise). */
  previous_price: z.number().nullable(),
  /** When the origin received the tick that fired it. */
  tick_at: isoTime,
  /** When the group object evaluated it. */
  triggered_at: isoTime,
  note: z.string().nullable(),
});
export type AlertTrigger = z.infer<typeof AlertTrigger>;

/** A trigger in the history (GET /alerts/:id/triggers, GET /alerts/triggers). */
export const AlertTriggerRecord = AlertTrigger.extend({
  /** When Postgres recorded it. */
  recorded_at: isoTime,
});
export type AlertTriggerRecord = z.infer<typeof AlertTriggerRecord>;

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed', 'dead'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];
export const CHANNELS = ['sessions', 'webhook'] as const;

/** One channel's delivery of one trigger, as the API shows it. */
export const DeliveryView = z.object({
  channel: z.enum(CHANNELS),
  status: z.enum(DELIVERY_STATUSES),
  /** The webhook URL it was sent to (null for sessions). */
  url: z.string().nullable(),
  attempts: z.number().int(),
  /** Sessions that received the frame (null for webhooks). */
  sessions_reached: z.number().int().nullable(),
  response_code: z.number().int().nullable(),
  last_error: z.string().nullable(),
  last_attempt_at: isoTime.nullable(),
  next_attempt_at: isoTime.nullable(),
  delivered_at: isoTime.nullable(),
});
export type DeliveryView = z.infer<typeof DeliveryView>;

/** A trigger in the history with how it reached each channel. */
export const TriggerView = AlertTriggerRecord.extend({ deliveries: z.array(DeliveryView) }).meta({ id: 'TriggerView' });
export type TriggerView = z.infer<typeof TriggerView>;

/** A delivery listed on its own (GET /alerts/deliveries), with the trigger it delivered. */
export const DeliveryListing = DeliveryView.extend({
  created_at: isoTime,
  trigger: AlertTriggerRecord.pick({ idempotency_key: true, alert_id: true, instrument: true, condition: true, last_price: true, triggered_at: true }),
}).meta({ id: 'DeliveryListing' });
export type DeliveryListing = z.infer<typeof DeliveryListing>;

/** Pages of the alerts API: newest first; pass `next_cursor` as `cursor` for the next page (null on the last). */
export const AlertPage = z.object({ alerts: z.array(Alert), next_cursor: z.string().nullable() });
export const TriggerPage = z.object({ triggers: z.array(TriggerView), next_cursor: z.string().nullable() });
export const DeliveryPage = z.object({ deliveries: z.array(DeliveryListing), next_cursor: z.string().nullable() });

/** Whether the user has a webhook secret (never the secret), and until when the previous one is still honoured. */
export const WebhookSecretStatus = z.object({ configured: z.boolean(), created_at: isoTime.nullable(), previous_valid_until: isoTime.nullable() });
export type WebhookSecretStatus = z.infer<typeof WebhookSecretStatus>;
/** A new webhook secret: shown this once. */
export const IssuedWebhookSecret = WebhookSecretStatus.extend({ secret: z.string() });

/** The frame every open WebSocket session of the owner receives. */
export const AlertFrame = AlertTrigger.extend({ type: z.literal('alert') });
export type AlertFrame = z.infer<typeof AlertFrame>;

/**
 * The webhook POST body (JSON). Its `idempotency_key` equals the
 * `X-Alert-Delivery` header: a receiver that sees a key twice (a retry after
 * a lost answer) should act once.
 */
export const WebhookPayload = AlertTrigger.extend({ event: z.literal('alert.triggered') });
export type WebhookPayload = z.infer<typeof WebhookPayload>;

// ---- errors ----

/** The first problem of a failed parse as a 400's `param` (dotted path) and message. */
export function alertProblem(error: z.ZodError): { param: string; message: string } {
  return paramProblem(error, { root: '(body)', unknownField: 'is not a field here' });
}
