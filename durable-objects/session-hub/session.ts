import type { ServerMessage, SessionErrorCode, TickFormat } from '../../contracts/client-protocol.ts';
import type { GroupKey } from '../../contracts/instrument-group.ts';
import type { TickMode } from '../../contracts/origin-link.ts';
import { ControlBudget } from './control-budget.ts';
import type { GroupFeedStatus } from './group-links.ts';
import type { Control, ControlError } from './session-control.ts';
import type { TickJson } from './session-frames.ts';
import { SessionOutbox } from './session-outbox.ts';

/**
 * One client session as a hub holds it: who opened it and over which
 * protocol (its socket's attachment, which survives hibernation: see
 * session-store.ts), and what the hub keeps of it in memory only.
 */
export type Protocol = 'v2' | 'kite';

/**
 * `epoch`: the session epoch of the access token a session opened with (null
 * for an API key's), so a logout can end it; `expiresAt`: when that token
 * expires (ms since the epoch; null for an API key's), when the hub ends the
 * session. Both move on with each `reauth`. `format`: how a /v2/ws
 * session's ticks travel (binary-frames.ts for `binary`); json for /kite/ws.
 */
export type Attachment = {
  id: string;
  userId: string;
  keyId: string | null;
  epoch: number | null;
  expiresAt: number | null;
  protocol: Protocol;
  format: TickFormat;
  connectedAt: number;
};

/** The part of a session its socket's attachment keeps. */
export function attachmentOf({ id, userId, keyId, epoch, expiresAt, protocol, format, connectedAt }: Attachment): Attachment {
  return { id, userId, keyId, epoch, expiresAt, protocol, format, connectedAt };
}

export type Session = Attachment & {
  socket: WebSocket;
  /** The frames of its protocol. */
  speaks: SessionProtocol;
  /** Ticks and snapshots waiting for the next flush, latest per token. */
  outbox: SessionOutbox;
  /** Newly subscribed tokens whose first tick (snapshot) has not been sent yet. */
  awaiting: Set<number>;
  budget: ControlBudget;
  lastSentAt: number;
  /** The session's control messages, one after another. */
  queue: Promise<void>;
};

export type SessionError = { code: SessionErrorCode; message: string; id?: string | number };

export type Ack = Omit<Extract<ServerMessage, { type: 'ack'; subscribed: number }>, 'type'>;

/** A snapshot due for a session: the token's latest packet, and the mode the session holds it in. */
export type Snapshot = { token: number; packet: Uint8Array; mode: TickMode };

/**
 * What differs between the protocols a session may speak: /v2/ws, JSON
 * frames (contracts/client-protocol.ts: v2-protocol.ts), and /kite/ws,
 * Kite's own binary tick frames and `{"a":…}` messages (kite-protocol.ts).
 * The hub acts the same for both and leaves each frame to the protocol.
 */
export type SessionProtocol = {
  /** A control message, read into the one shape the hub acts on. */
  parse(text: string): Control | ControlError;
  /** A request refused or failed. */
  error(session: Session, error: SessionError): void;
  /** The hub is about to close the socket with `code`, for `reason`. */
  closing(session: Session, code: number, reason: string): void;
  /** A subscribe, unsubscribe or mode done: what was accepted and rejected. */
  ack(session: Session, ack: Ack): void;
  /** A group's feed state moved, for these instruments a session holds: the frame that says so, or undefined when the protocol has none (Kite). */
  statusFrame(group: GroupKey, status: GroupFeedStatus, instruments: number[]): string | undefined;
  /** A frame the hub pushes on its own (an alert); false when the session did not get it. */
  push(session: Session, frame: ServerMessage): boolean;
  /** A session's snapshots due, as one frame of the protocol. */
  snapshotFrame(snapshots: readonly Snapshot[], json: TickJson): string | Uint8Array;
  /**
   * The live ticks due to an audience (session-audiences.ts), taken from its
   * outbox, as one frame of the protocol that every member gets as it is;
   * undefined when none are due.
   */
  ticksFrame(due: SessionOutbox, json: TickJson): { frame: string | Uint8Array; ticks: number } | undefined;
};

/** The sessions of a hub in memory, by socket and by id. */
export class Sessions {
  readonly #bySocket = new Map<WebSocket, Session>();
  readonly #byId = new Map<string, Session>();

  /** A session for a socket just accepted, or found again after hibernation. */
  adopt(socket: WebSocket, attachment: Attachment, speaks: SessionProtocol, messagesPerSecond: number): Session {
    const now = Date.now();
    const session: Session = {
      ...attachment,
      socket,
      speaks,
      outbox: new SessionOutbox(),
      awaiting: new Set(),
      budget: new ControlBudget(messagesPerSecond, now),
      lastSentAt: now,
      queue: Promise.resolve(),
    };
    this.#bySocket.set(socket, session);
    this.#byId.set(session.id, session);
    return session;
  }

  of(socket: WebSocket): Session | undefined {
    return this.#bySocket.get(socket);
  }

  get(id: string): Session | undefined {
    return this.#byId.get(id);
  }

  has(id: string): boolean {
    return this.#byId.has(id);
  }

  /** Takes a session out; false when it was already out. */
  delete(session: Session): boolean {
    if (!this.#byId.delete(session.id)) return false;
    this.#bySocket.delete(session.socket);
    return true;
  }

  values(): IterableIterator<Session> {
    return this.#byId.values();
  }
}

export function sendJson(session: Session, frame: ServerMessage): boolean {
  return sendRaw(session, JSON.stringify(frame));
}

/** Sends one frame; false when the socket can no longer send. */
export function sendRaw(session: Session, data: string | Uint8Array): boolean {
  try {
    session.socket.send(data);
    return true;
  } catch {
    return false;
  }
}
