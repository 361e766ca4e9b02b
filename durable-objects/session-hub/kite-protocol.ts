import { kiteFrame } from '../../contracts/kite-ticks/frame.ts';
import { cutToMode } from '../../contracts/kite-ticks/packet-layout.ts';
import { KiteControlMessage, type KiteError } from '../../contracts/kite-ws-protocol.ts';
import type { TickMode } from '../../contracts/origin-link.ts';
import { frameProblem } from '../../contracts/zod-problem.ts';
import { type Session, type SessionProtocol, sendRaw } from './session.ts';
import { type Control, type ControlError, unstorableField } from './session-control.ts';
import { KITE_HEARTBEAT } from './session-frames.ts';

/**
 * /kite/ws: Kite's own protocol, for kiteconnect's ticker. Ticks go out as
 * Kite's binary frames (packets cut to each instrument's mode), control
 * messages come as `{"a":"subscribe","v":[…]}` and `{"a":"mode","v":["full",[…]]}`,
 * and nothing is acked. Errors are Kite's `{"type":"error","data":"…"}`; a
 * session with nothing else to receive gets Kite's one-byte heartbeat each
 * second (KiteHeartbeat). No status frames, no alerts: Kite has neither.
 */
export const kiteProtocol: SessionProtocol = {
  parse: parseKiteControl,
  error(session, error) {
    sendRaw(session, JSON.stringify({ type: 'error', data: error.message } satisfies KiteError));
  },
  closing() {},
  ack() {},
  statusFrame: () => undefined,
  push: () => false,
  snapshotFrame(snapshots) {
    return kiteFrame(snapshots.map(({ packet, mode }) => cutToMode(packet, mode)));
  },
  ticksFrame(due) {
    const packets: Uint8Array[] = [];
    due.takeDue((_token, mode, packet) => packets.push(cutToMode(packet, mode)));
    return packets.length === 0 ? undefined : { frame: kiteFrame(packets), ticks: packets.length };
  },
};

/** Each second, a heartbeat to every Kite session sent nothing in the last second; stops by itself when none is left. */
export class KiteHeartbeat {
  readonly #sessions: () => Iterable<Session>;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(sessions: () => Iterable<Session>) {
    this.#sessions = sessions;
  }

  start(): void {
    this.#timer ??= setInterval(() => this.#beat(), 1_000);
  }

  #beat(): void {
    const now = Date.now();
    let any = false;
    for (const session of this.#sessions()) {
      any = true;
      if (now - session.lastSentAt >= 1_000) {
        sendRaw(session, KITE_HEARTBEAT);
        session.lastSentAt = now;
      }
    }
    if (!any && this.#timer !== undefined) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }
}

/** Kite's default mode for a subscribe without one. */
const KITE_DEFAULT_MODE: TickMode = 'quote';

export function parseKiteControl(text: string): Control | ControlError {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { error: { code: 'bad_json', message: 'the frame is not JSON' } };
  }
  const unstorable = unstorableField(json);
  if (unstorable) return unstorable;
  const parsed = KiteControlMessage.safeParse(json);
  if (!parsed.success) return { error: { code: 'bad_message', message: frameProblem(parsed.error) } };
  const message = parsed.data;
  if (message.a === 'mode') return { op: 'mode', refs: message.v[1], mode: message.v[0] };
  if (message.a === 'subscribe') return { op: 'subscribe', refs: message.v, mode: KITE_DEFAULT_MODE };
  return { op: 'unsubscribe', refs: message.v };
}
