import { RESUME_WINDOW_MS } from '../../contracts/client-protocol.ts';
import type { HeldChain } from './hub-chains.ts';
import type { Attachment, Protocol } from './session.ts';
import type { Subscription } from './subscription-index.ts';
import { decodeSubscriptions, encodeSubscriptions } from './subscription-record.ts';

/**
 * Where a hub keeps its sessions beyond memory. Each session's socket is
 * accepted through the Hibernation API with its attachment (who opened it,
 * over which protocol) and tags to find it by (its owner's, for the session
 * limit; its user's, for alerts and logouts; `kite` for the heartbeat), so
 * hibernation loses nothing. Three SQLite tables outlive a restart:
 *
 *   sessions       a small row per session: owner, protocol, and `gone_at`
 *                  while it waits for a resume after its socket was lost
 *   session_subs   each session's whole subscription set in one value
 *                  (subscription-record.ts), rewritten once per control message
 *   session_chains each session's option chains (group, name, expiry,
 *                  window: hub-chains.ts) in one JSON value, rewritten when a
 *                  `subscribe_chain` or `unsubscribe_chain` changes them
 *
 * A session whose socket was lost stays resumable for RESUME_WINDOW_MS; the
 * hub's alarm (hub-alarm.ts) ends those nobody resumed (`endExpired`).
 */
const SESSION_TAG = 'session';
const KITE_TAG = 'kite';
/** Whose session count a session is in: its API key's, or (for an access token) its user's own. */
const ownerTag = (userId: string, keyId: string | null) => (keyId ? `owner:key:${keyId}` : `owner:user:${userId}`);
const userTag = (userId: string) => `user:${userId}`;

export class SessionStore {
  readonly #ctx: DurableObjectState;
  readonly #sql: SqlStorage;

  constructor(ctx: DurableObjectState) {
    this.#ctx = ctx;
    this.#sql = ctx.storage.sql;
    this.#sql.exec('CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, user_id TEXT NOT NULL, key_id TEXT, protocol TEXT NOT NULL, gone_at REAL)');
    // Apart from `sessions`, whose small rows change as sessions come and go: an UPDATE rewrites the whole row.
    this.#sql.exec('CREATE TABLE IF NOT EXISTS session_subs (session TEXT PRIMARY KEY, subs TEXT NOT NULL)');
    this.#sql.exec('CREATE TABLE IF NOT EXISTS session_chains (session TEXT PRIMARY KEY, chains TEXT NOT NULL)');
  }

  // ---- sockets ----

  /** Accepts a session's socket, tagged, with its attachment. */
  accept(socket: WebSocket, attachment: Attachment): void {
    const { userId, keyId, protocol } = attachment;
    this.#ctx.acceptWebSocket(socket, [SESSION_TAG, ownerTag(userId, keyId), userTag(userId), ...(protocol === 'kite' ? [KITE_TAG] : [])]);
    socket.serializeAttachment(attachment);
  }

  /** A session's attachment changed (a `reauth`): kept with its socket, for after hibernation. */
  reattach(socket: WebSocket, attachment: Attachment): void {
    socket.serializeAttachment(attachment);
  }

  /** How many sessions of this owner (an API key, or a user's access tokens) are open. */
  openOf(userId: string, keyId: string | null): number {
    return this.#ctx.getWebSockets(ownerTag(userId, keyId)).length;
  }

  socketsOf(userId: string): WebSocket[] {
    return this.#ctx.getWebSockets(userTag(userId));
  }

  kiteSockets(): WebSocket[] {
    return this.#ctx.getWebSockets(KITE_TAG);
  }

  /** After a restart or hibernation: the sockets that survived, with their attachments. */
  *surviving(): Generator<{ socket: WebSocket; attachment: Attachment }> {
    for (const socket of this.#ctx.getWebSockets(SESSION_TAG)) {
      const attachment = socket.deserializeAttachment() as Attachment | null;
      if (attachment) yield { socket, attachment };
    }
  }

  // ---- rows ----

  add(attachment: Attachment): void {
    this.#sql.exec(
      'INSERT INTO sessions (id, user_id, key_id, protocol) VALUES (?, ?, ?, ?)',
      attachment.id,
      attachment.userId,
      attachment.keyId,
      attachment.protocol,
    );
  }

  /** The id to resume when `wanted` names a gone session of the same owner and protocol; undefined starts a new one. */
  resumable(wanted: string | null, userId: string, keyId: string | null, protocol: Protocol): string | undefined {
    if (!wanted) return undefined;
    const row = this.#sql
      .exec<{ user_id: string; key_id: string | null; protocol: string }>(
        'SELECT user_id, key_id, protocol FROM sessions WHERE id = ? AND gone_at IS NOT NULL',
        wanted,
      )
      .toArray()[0];
    return row && row.user_id === userId && row.key_id === keyId && row.protocol === protocol ? wanted : undefined;
  }

  /** A gone session is back: it no longer expires. */
  resumed(id: string): void {
    this.#sql.exec('UPDATE sessions SET gone_at = NULL WHERE id = ?', id);
  }

  /** The session's whole set, in one statement. */
  saveSubscriptions(id: string, subscriptions: Iterable<Subscription>): void {
    this.#sql.exec(
      'INSERT INTO session_subs (session, subs) VALUES (?, ?) ON CONFLICT (session) DO UPDATE SET subs = excluded.subs',
      id,
      encodeSubscriptions(subscriptions),
    );
  }

  subscriptionsOf(id: string): Subscription[] {
    const row = this.#sql.exec<{ subs: string }>('SELECT subs FROM session_subs WHERE session = ?', id).toArray()[0];
    return row ? decodeSubscriptions(row.subs) : [];
  }

  /** The subscriptions of the sessions not gone that `wanted` picks (those of gone ones are read when they resume). */
  *liveSubscriptions(wanted: (session: string) => boolean): Generator<{ session: string; subscriptions: Subscription[] }> {
    const live = this.#sql.exec<{ session: string; subs: string }>(
      'SELECT session, subs FROM session_subs JOIN sessions ON sessions.id = session_subs.session WHERE sessions.gone_at IS NULL',
    );
    for (const row of live) if (wanted(row.session)) yield { session: row.session, subscriptions: decodeSubscriptions(row.subs) };
  }

  /** The session's chains, in one statement; none deletes its row. */
  saveChains(id: string, chains: HeldChain[]): void {
    if (chains.length === 0) this.#sql.exec('DELETE FROM session_chains WHERE session = ?', id);
    else
      this.#sql.exec(
        'INSERT INTO session_chains (session, chains) VALUES (?, ?) ON CONFLICT (session) DO UPDATE SET chains = excluded.chains',
        id,
        JSON.stringify(chains),
      );
  }

  chainsOf(id: string): HeldChain[] {
    const row = this.#sql.exec<{ chains: string }>('SELECT chains FROM session_chains WHERE session = ?', id).toArray()[0];
    return row ? (JSON.parse(row.chains) as HeldChain[]) : [];
  }

  /** The chains of the sessions not gone that `wanted` picks, as `liveSubscriptions`. */
  *liveChains(wanted: (session: string) => boolean): Generator<{ session: string; chains: HeldChain[] }> {
    const live = this.#sql.exec<{ session: string; chains: string }>(
      'SELECT session, chains FROM session_chains JOIN sessions ON sessions.id = session_chains.session WHERE sessions.gone_at IS NULL',
    );
    for (const row of live) if (wanted(row.session)) yield { session: row.session, chains: JSON.parse(row.chains) as HeldChain[] };
  }

  /** The sessions not gone: open ones, and (at a start) those whose sockets did not survive. */
  notGone(): string[] {
    return this.#sql
      .exec<{ id: string }>('SELECT id FROM sessions WHERE gone_at IS NULL')
      .toArray()
      .map((row) => row.id);
  }

  /** The lost sessions of a user's API key, or (keyId null) of its access tokens. */
  lostOf(userId: string, keyId: string | null): string[] {
    return this.#sql
      .exec<{ id: string }>('SELECT id FROM sessions WHERE user_id = ? AND gone_at IS NOT NULL AND key_id IS ?', userId, keyId)
      .toArray()
      .map((row) => row.id);
  }

  /** Sessions whose sockets were lost: resumable until the alarm ends them. */
  markGone(ids: string[], now: number): void {
    for (const id of ids) this.#sql.exec('UPDATE sessions SET gone_at = ? WHERE id = ? AND gone_at IS NULL', now, id);
  }

  end(id: string): void {
    this.#sql.exec('DELETE FROM session_subs WHERE session = ?', id);
    this.#sql.exec('DELETE FROM session_chains WHERE session = ?', id);
    this.#sql.exec('DELETE FROM sessions WHERE id = ?', id);
  }

  /** Ends the sessions gone longer than RESUME_WINDOW_MS. */
  endExpired(now: number): void {
    const cutoff = now - RESUME_WINDOW_MS;
    for (const { id } of this.#sql.exec<{ id: string }>('SELECT id FROM sessions WHERE gone_at IS NOT NULL AND gone_at <= ?', cutoff).toArray()) this.end(id);
  }

  /** When the next lost session's resume window closes; null when none is waiting. */
  nextResumeDeadline(): number | null {
    const gone = this.#sql.exec<{ at: number | null }>('SELECT min(gone_at) AS at FROM sessions WHERE gone_at IS NOT NULL').one().at;
    return gone === null ? null : gone + RESUME_WINDOW_MS;
  }
}
