import type { CandleInterval } from '../../contracts/candles.ts';
import { InstrumentRef, type Rejected, type SessionErrorCode } from '../../contracts/client-protocol.ts';
import type { TickMode } from '../../contracts/origin-link.ts';
import { firstUnstorableText } from '../../contracts/storable-text.ts';
import { zodMessage } from '../../contracts/zod-problem.ts';

/**
 * A session's control message in the one shape the hub acts on, whichever
 * protocol it came in (v2-protocol.ts and kite-protocol.ts read their own),
 * and the check of the instruments it names.
 */
export type Control =
  | { op: 'subscribe'; id?: string | number; refs: unknown[]; mode: TickMode }
  | { op: 'unsubscribe'; id?: string | number; refs: unknown[] }
  | { op: 'mode'; id?: string | number; refs: unknown[]; mode: TickMode }
  | { op: 'ping'; id?: string | number }
  | { op: 'reauth'; id?: string | number; token: string }
  | { op: 'subscribe_chain'; id?: string | number; name: string; expiry: string; strikes?: number }
  | { op: 'unsubscribe_chain'; id?: string | number; name: string; expiry: string; strikes?: number }
  | { op: 'subscribe_candles'; id?: string | number; refs: unknown[]; interval: CandleInterval }
  | { op: 'unsubscribe_candles'; id?: string | number; refs: unknown[]; interval: CandleInterval };

export type ControlError = { error: { code: SessionErrorCode; message: string; id?: string | number } };

export const isControlError = (value: Control | ControlError): value is ControlError => 'error' in value;

/** Each ref checked on its own: the bad ones are rejected by name, the rest deduplicated in order. */
export function checkRefs(refs: readonly unknown[]): { valid: InstrumentRef[]; rejected: Rejected[] } {
  const valid: InstrumentRef[] = [];
  const rejected: Rejected[] = [];
  const seen = new Set<InstrumentRef>();
  for (const ref of refs) {
    const parsed = InstrumentRef.safeParse(ref);
    if (!parsed.success) rejected.push({ instrument: echoed(ref), code: 'bad_instrument', reason: zodMessage(parsed.error, 'not an instrument') });
    else if (!seen.has(parsed.data)) {
      seen.add(parsed.data);
      valid.push(parsed.data);
    }
  }
  return { valid, rejected };
}

/**
 * A bad ref as the ack names it: as given when it is a string, number,
 * boolean or null; an array or object only by its kind, since echoing it
 * whole let one ref nested thirty thousand deep (a 64 KiB frame) overflow
 * the stack of the ack's JSON.stringify.
 */
function echoed(ref: unknown): unknown {
  if (typeof ref !== 'object' || ref === null) return ref;
  return Array.isArray(ref) ? '(an array)' : '(an object)';
}

/**
 * A message holding text the hub cannot pass on (contracts/storable-text.ts:
 * NUL, lone surrogates), anywhere in it: refused as a whole, naming the
 * field, before its instruments reach the registry's query.
 */
export function unstorableField(json: unknown): ControlError | undefined {
  const problem = firstUnstorableText(json);
  return problem && { error: { code: 'bad_message', message: `${problem.path.join('.') || '(frame)'}: ${problem.message}` } };
}
