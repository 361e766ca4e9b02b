import { z } from 'zod';

/**
 * The origin lease (docs/origin.md, "Roles"): of the origin processes
 * linked to one edge, only the one holding the lease is `active` (holds
 * Kite connections and links the edge's objects); the others are
 * `standby`. FeedControl holds the lease (one holder, a time to live, and a
 * fencing token that grows by one at each new holder and never goes back);
 * an origin asks for it, renews it and gives it up with
 * `POST /origin/lease` (Bearer ORIGIN_LINK_SECRET, as the links).
 *
 * Every link the active opens carries its token in FENCING_TOKEN_HEADER;
 * the edge closes a link whose token is not the current lease's with
 * LINK_CLOSE_FENCED (contracts/origin-link.ts), so an origin that lost the
 * lease while hung cannot feed the edge when it wakes.
 */
export const FENCING_TOKEN_HEADER = 'X-Origin-Fencing-Token';

export const MIN_LEASE_TTL_MS = 1_000;
export const MAX_LEASE_TTL_MS = 60_000;

export const FencingToken = z.coerce
  .number({ error: 'must be a fencing token' })
  .int('must be a fencing token (a whole number)')
  .positive('must be a fencing token (1 or more)');

export const OriginId = z
  .string()
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters')
  .regex(/^[\w.:@-]+$/, 'must be letters, digits and . _ : @ -');

/**
 * One request for all three: without `token`, take the lease if it is free
 * or lapsed; with the token the asker holds, renew it (or, with
 * `release`, give it up so a standby takes over at once).
 */
export const LeaseRequest = z.strictObject({
  origin_id: OriginId,
  ttl_ms: z.number().int().min(MIN_LEASE_TTL_MS).max(MAX_LEASE_TTL_MS),
  token: z.number().int().positive().optional(),
  release: z.literal(true).optional(),
});
export type LeaseRequest = z.infer<typeof LeaseRequest>;

/** The lease after the request: `granted` when the asker holds it now (or, for a release, gave it up). */
export const LeaseAnswer = z.object({
  granted: z.boolean(),
  holder: z.string().nullable(),
  /** The current lease's fencing token (the last issued, if it lapsed or was released); null before the first. */
  token: z.number().int().nullable(),
  /** How long the current holder keeps it without renewing (0 when free or lapsed). */
  expires_in_ms: z.number().int().nonnegative(),
  /** On a new grant: who held the lease before (null when nobody ever did). */
  previous_holder: z.string().nullable().optional(),
});
export type LeaseAnswer = z.infer<typeof LeaseAnswer>;
