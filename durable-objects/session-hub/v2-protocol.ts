import { ClientMessage, type ServerMessage } from '../../contracts/client-protocol.ts';
import type { HubConfig } from '../../contracts/hub-config.ts';
import { unstorableText } from '../../contracts/storable-text.ts';
import { frameProblem } from '../../contracts/zod-problem.ts';
import { type Session, type SessionProtocol, sendJson } from './session.ts';
import { type Control, type ControlError, unstorableField } from './session-control.ts';
import { v2TickFrame } from './session-frames.ts';

/**
 * /v2/ws (docs/websocket.md, contracts/client-protocol.ts): JSON frames
 * both ways. A session is welcomed with its id, limits and expiry, every
 * request is acked, errors and the reason for a close come as `error`
 * frames, and the session hears its groups' feed status and its user's
 * alerts.
 */
export const v2Protocol: SessionProtocol = {
  parse: parseV2Control,
  error(session, error) {
    sendJson(session, { type: 'error', ...error });
  },
  closing(session, code, reason) {
    sendJson(session, { type: 'error', code: 'closing', message: reason, close_code: code });
  },
  ack(session, ack) {
    sendJson(session, { type: 'ack', ...ack });
  },
  statusFrame(group, status, instruments) {
    return JSON.stringify({
      type: 'status',
      group,
      state: status.state,
      ...(status.reason === undefined ? {} : { reason: status.reason }),
      instruments,
    } satisfies ServerMessage);
  },
  push: sendJson,
  snapshotFrame(snapshots, json) {
    return v2TickFrame(
      'snapshot',
      snapshots.map(({ token, packet, mode }) => json.of(token, packet, mode)),
    );
  },
  ticksFrame(due, json) {
    const ticks: string[] = [];
    due.takeDue((token, mode, packet) => ticks.push(json.of(token, packet, mode)));
    return ticks.length === 0 ? undefined : { frame: v2TickFrame('ticks', ticks), ticks: ticks.length };
  },
};

/** The first frame of a session: its id (to resume with), whether it was resumed, and its limits. */
export function welcome(session: Session, resumed: boolean, subscribed: number, limits: HubConfig['limits']): ServerMessage {
  return {
    type: 'welcome',
    session: session.id,
    resumed,
    subscribed,
    server_time: Date.now(),
    expires_at: session.expiresAt,
    limits: { instruments: limits.instruments, messages_per_second: limits.messagesPerSecond, max_frame_bytes: limits.maxFrameBytes },
  };
}

export function parseV2Control(text: string): Control | ControlError {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { error: { code: 'bad_json', message: 'the frame is not JSON' } };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    return { error: { code: 'bad_json', message: 'a message is a JSON object with an "action"' } };
  const given = (json as { id?: unknown }).id;
  // The request id is echoed when it is one a client could match (an id that is itself the bad text is not).
  const echo = (typeof given === 'string' && unstorableText(given) === undefined) || typeof given === 'number' ? { id: given } : {};
  const unstorable = unstorableField(json);
  if (unstorable) return { error: { ...unstorable.error, ...echo } };
  const parsed = ClientMessage.safeParse(json);
  if (!parsed.success) return { error: { code: 'bad_message', message: frameProblem(parsed.error), ...echo } };
  const message = parsed.data;
  const id = message.id === undefined ? {} : { id: message.id };
  switch (message.action) {
    case 'subscribe':
      return { op: 'subscribe', ...id, refs: message.instruments, mode: message.mode };
    case 'unsubscribe':
      return { op: 'unsubscribe', ...id, refs: message.instruments };
    case 'mode':
      return { op: 'mode', ...id, refs: message.instruments, mode: message.mode };
    case 'ping':
      return { op: 'ping', ...id };
    case 'reauth':
      return { op: 'reauth', ...id, token: message.access_token };
    case 'subscribe_chain':
    case 'unsubscribe_chain':
      return {
        op: message.action as 'subscribe_chain',
        ...id,
        name: message.name,
        expiry: message.expiry,
        ...(message.strikes === undefined ? {} : { strikes: message.strikes }),
      };
    case 'subscribe_candles':
    case 'unsubscribe_candles':
      return { op: message.action as 'subscribe_candles', ...id, refs: message.instruments, interval: message.interval };
  }
}
