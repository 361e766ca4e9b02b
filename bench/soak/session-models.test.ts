import { describe, expect, it } from 'vitest';
import type { Accepted, ClientMode } from '../../contracts/client-protocol.ts';
import { Findings } from './findings.ts';
import { KiteSessionModel } from './kite-session-model.ts';
import { V2SessionModel } from './v2-session-model.ts';

const accepted = (token: number, mode?: ClientMode): Accepted => ({
  instrument: token,
  instrument_token: token,
  exchange: 'NSE',
  tradingsymbol: `S${token}`,
  ...(mode ? { mode } : {}),
});
const tick = (token: number, mode: ClientMode = 'quote') => ({ token, mode });

function v2() {
  const findings = new Findings();
  const model = new V2SessionModel(3, findings);
  model.welcome(false, 0);
  return { findings, model };
}

describe('V2SessionModel', () => {
  it('allows an instrument from its ack to its unsubscribe’s ack, in flight frames included, and nothing after', () => {
    const { findings, model } = v2();
    const sub = model.send({ action: 'subscribe', tokens: [1, 2], mode: 'quote' });
    expect(model.ack({ id: sub, action: 'subscribe', accepted: [accepted(1, 'quote'), accepted(2, 'quote')], rejected: [], subscribed: 2 })).toEqual({
      held: [
        [1, 'quote'],
        [2, 'quote'],
      ],
      released: [],
    });
    model.ticks('ticks', [tick(1), tick(2)]);
    const unsub = model.send({ action: 'unsubscribe', tokens: [2] });
    model.ticks('ticks', [tick(2)]); // in flight: the grace
    expect(model.ack({ id: unsub, action: 'unsubscribe', accepted: [accepted(2)], rejected: [], subscribed: 1 })).toEqual({ held: [], released: [2] });
    expect(findings.violations).toBe(0);
    model.ticks('ticks', [tick(1), tick(2)]);
    expect(findings.summary().violations['tick-not-held']).toBe(1);
    expect(findings.sessionsWithViolations).toBe(1);
  });

  it('calls a tick of an instrument never subscribed, a status naming one, and another user’s answer what they are', () => {
    const { findings, model } = v2();
    model.ticks('ticks', [tick(99)]);
    model.status('cash:NSE:07', [99]);
    model.ack({ id: 'someone-else.4', action: 'subscribe', accepted: [accepted(5)], rejected: [], subscribed: 1 });
    model.pong(17);
    const { violations } = findings.summary();
    expect(violations).toMatchObject({ 'tick-not-held': 1, 'status-not-held': 1, 'answer-not-asked': 2 });
    expect(model.held.size).toBe(0);
  });

  it('calls a second answer to one request an answer not asked for', () => {
    const { findings, model } = v2();
    const ping = model.send({ action: 'ping' });
    model.pong(ping);
    model.pong(ping);
    expect(findings.summary().violations['answer-not-asked']).toBe(1);
  });

  it('notes a tick before its ack, a richer mode after the frame in flight, rejections and a count that does not add up', () => {
    const { findings, model } = v2();
    const sub = model.send({ action: 'subscribe', tokens: [1, 2], mode: 'full' });
    model.ticks('ticks', [tick(1, 'full')]);
    model.ack({
      id: sub,
      action: 'subscribe',
      accepted: [accepted(1, 'full')],
      rejected: [{ instrument: 2, code: 'unavailable', reason: 'the registry could not be read' }],
      subscribed: 2,
    });
    const mode = model.send({ action: 'mode', tokens: [1], mode: 'ltp' });
    model.ack({ id: mode, action: 'mode', accepted: [accepted(1, 'ltp')], rejected: [], subscribed: 1 });
    model.ticks('ticks', [tick(1, 'full')]); // written before the mode changed: allowed once
    model.ticks('ticks', [tick(1, 'full')]);
    const summary = findings.summary();
    expect(summary.violations['tick-not-held']).toBe(0);
    expect(summary.anomalies).toMatchObject({ 'tick-before-ack': 1, 'richer-mode': 1, rejected: 1, 'count-mismatch': 1 });
    expect(summary.byCode.rejected).toEqual({ unavailable: 1 });
  });

  it('keeps a resumed session’s instruments, and drops them when the server starts a new session instead', () => {
    const { findings, model } = v2();
    const sub = model.send({ action: 'subscribe', tokens: [1, 2], mode: 'ltp' });
    model.ack({ id: sub, action: 'subscribe', accepted: [accepted(1, 'ltp'), accepted(2, 'ltp')], rejected: [], subscribed: 2 });
    expect(model.welcome(true, 2)).toEqual({
      held: [
        [1, 'ltp'],
        [2, 'ltp'],
      ],
      released: [],
    });
    model.ticks('ticks', [tick(1, 'ltp')]);
    expect(model.welcome(false, 0)).toEqual({ held: [], released: [1, 2] });
    model.ticks('ticks', [tick(1, 'ltp')]);
    expect(findings.summary().violations['tick-not-held']).toBe(1);
  });

  it('forgets the requests of a lost socket: their answers cannot come on the next one', () => {
    const { findings, model } = v2();
    const sub = model.send({ action: 'subscribe', tokens: [1], mode: 'ltp' });
    model.welcome(false, 0);
    expect(model.pending).toBe(0);
    model.ack({ id: sub, action: 'subscribe', accepted: [accepted(1)], rejected: [], subscribed: 1 });
    expect(findings.summary().violations['answer-not-asked']).toBe(1);
  });
});

describe('KiteSessionModel', () => {
  it('keeps an unsubscribed instrument in grace until a frame carries an instrument subscribed after it', () => {
    const findings = new Findings();
    const model = new KiteSessionModel(4, findings);
    model.subscribed([1, 2, 3], 'quote');
    model.frame([1, 2, 3]);
    expect(model.isFresh(2)).toBe(false);
    model.switched([2], [7], 'quote');
    expect(model.isFresh(2)).toBe(false);
    model.frame([1, 2, 3]); // written before the switch took effect
    expect(findings.violations).toBe(0);
    model.frame([7, 2]); // the barrier's frame was written after it: 2 is another's now
    expect(findings.summary().violations['tick-not-held']).toBe(1);
    expect(model.isFresh(2)).toBe(true);
  });

  it('lets a later switch’s barrier end the grace of an earlier one, and a new connection start clean', () => {
    const findings = new Findings();
    const model = new KiteSessionModel(4, findings);
    model.subscribed([1, 2, 3], 'full');
    model.switched([1], [8], 'ltp'); // 8 never ticks
    model.switched([2], [9], 'ltp');
    model.frame([1, 2, 9]); // 9's frame: both unsubscribes have taken effect
    expect(findings.summary().violations['tick-not-held']).toBe(2);
    model.reset();
    model.frame([3]);
    expect(findings.summary().violations['tick-not-held']).toBe(3);
  });
});
