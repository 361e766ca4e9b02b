import { type Accepted, MAX_CANDLE_STREAMS_PER_SESSION, type Rejected } from '../../contracts/client-protocol.ts';
import type { GroupKey } from '../../contracts/instrument-group.ts';
import type { GroupLinks } from './group-links.ts';
import type { HubCandles } from './hub-candles.ts';
import { candleMessage } from './hub-candles.ts';
import type { InstrumentNames } from './instrument-names.ts';
import { type Session, sendJson } from './session.ts';
import { type Control, checkRefs } from './session-control.ts';

/**
 * `subscribe_candles` and `unsubscribe_candles` of a /v2/ws session
 * (docs/candles.md): the instruments are resolved as a subscribe's are,
 * each (instrument, interval) joins the hub's stream of it, and the groups
 * whose streams changed hear the whole set again (they stream those
 * instruments in full mode for as long as a stream names them). The ack
 * names what was taken and refused; a stream the hub already held gives
 * its last candle at once, a new one its first when the group sends it.
 */
export type CandleControl = Extract<Control, { op: 'subscribe_candles' | 'unsubscribe_candles' }>;

export type CandleControlDeps = {
  candles: HubCandles;
  groups: GroupLinks;
  names: InstrumentNames;
  groupOf(token: number): GroupKey | undefined;
  isOpen(session: Session): boolean;
};

export async function actOnCandles(deps: CandleControlDeps, session: Session, control: CandleControl): Promise<void> {
  const id = control.id === undefined ? {} : { id: control.id };
  const { valid, rejected } = checkRefs(control.refs);
  const { found, failed } = await deps.names.resolve(valid, deps.groupOf);
  if (!deps.isOpen(session)) return;
  rejected.push(...failed);
  const accepted: Accepted[] = [];
  const changed = new Set<GroupKey>();
  const joinedLast: Parameters<typeof candleMessage>[] = [];
  for (const [ref, instrument] of found) {
    const token = instrument.instrument_token;
    const named: Accepted = { instrument: ref, instrument_token: token, exchange: instrument.exchange, tradingsymbol: instrument.tradingsymbol };
    const has = deps.candles.has(session.id, token, control.interval);
    if (control.op === 'unsubscribe_candles') {
      if (!has) rejected.push(notStreamed(ref));
      else {
        const group = deps.candles.unsubscribe(session.id, token, control.interval);
        if (group !== undefined) changed.add(group);
        accepted.push(named);
      }
      continue;
    }
    if (!has && deps.candles.countOf(session.id) >= MAX_CANDLE_STREAMS_PER_SESSION) {
      rejected.push({ instrument: ref, code: 'limit_reached', reason: `a session holds at most ${MAX_CANDLE_STREAMS_PER_SESSION} candle streams` });
      continue;
    }
    if (!has) {
      const joined = deps.candles.subscribe(session.id, instrument.group, token, control.interval);
      if (joined.isNew) changed.add(instrument.group);
      if (joined.last) joinedLast.push([false, token, control.interval, joined.last]);
    }
    accepted.push(named);
  }
  for (const group of changed) deps.groups.syncCandles(group);
  sendJson(session, { type: 'ack', ...id, action: control.op, interval: control.interval, accepted, rejected, candles: deps.candles.countOf(session.id) });
  for (const args of joinedLast) sendJson(session, candleMessage(...args));
}

const notStreamed = (ref: unknown): Rejected => ({
  instrument: ref,
  code: 'not_subscribed',
  reason: 'this session does not stream its candles at this interval',
});
