import { z } from 'zod';
import { ClientMessage, type SessionErrorCode } from '../../contracts/client-protocol.ts';
import type { TickMode } from '../../contracts/origin-link.ts';
import { frameProblem } from '../origin-socket.ts';

/**
 * A session's control messages in both protocols, read into one shape the
 * hub acts on: /v2/ws's JSON (contracts/client-protocol.ts) and Kite's own
 * (`{"a":"subscribe","v":[…]}`, `{"a":"mode","v":["full",[…]]}`).
 */
export type Control =
  | { op: 'subscribe'; id?: string | number; refs: unknown[]; mode: TickMode }
  | { op: 'unsubscribe'; id?: string | number; refs: unknown[] }
  | { op: 'mode'; id?: string | number; refs: unknown[]; mode: TickMode }
  | { op: 'ping'; id?: string | number };

export type ControlError = { error: { code: SessionErrorCode; message: string; id?: string | number } };

export function parseV2Control(text: string): Control | ControlError {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { error: { code: 'bad_json', message: 'the frame is not JSON' } };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    return { error: { code: 'bad_json', message: 'a message is a JSON object with an "action"' } };
  const parsed = ClientMessage.safeParse(json);
  if (!parsed.success) {
    const id = (json as { id?: unknown }).id;
    return { error: { code: 'bad_message', message: frameProblem(parsed.error), ...(typeof id === 'string' || typeof id === 'number' ? { id } : {}) } };
  }
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
  }
}

/** Kite's default mode for a subscribe without one. */
const KITE_DEFAULT_MODE: TickMode = 'quote';

const KiteTokens = z.array(z.unknown()).min(1, 'v must list at least one instrument token').max(3_000, 'v may list at most 3000 tokens');
const KiteMessage = z.discriminatedUnion(
  'a',
  [
    z.object({ a: z.literal('subscribe'), v: KiteTokens }),
    z.object({ a: z.literal('unsubscribe'), v: KiteTokens }),
    z.object({ a: z.literal('mode'), v: z.tuple([z.enum(['ltp', 'quote', 'full'], { error: 'the mode must be ltp, quote or full' }), KiteTokens]) }),
  ],
  { error: 'a must be one of subscribe, unsubscribe, mode' },
);

export function parseKiteControl(text: string): Control | ControlError {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { error: { code: 'bad_json', message: 'the frame is not JSON' } };
  }
  const parsed = KiteMessage.safeParse(json);
  if (!parsed.success) return { error: { code: 'bad_message', message: frameProblem(parsed.error) } };
  const message = parsed.data;
  if (message.a === 'mode') return { op: 'mode', refs: message.v[1], mode: message.v[0] };
  if (message.a === 'subscribe') return { op: 'subscribe', refs: message.v, mode: KITE_DEFAULT_MODE };
  return { op: 'unsubscribe', refs: message.v };
}

export const isControlError = (value: Control | ControlError): value is ControlError => 'error' in value;
