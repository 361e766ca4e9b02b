import { describe, expect, it } from 'vitest';
import type { TickFormat } from '../../contracts/client-protocol.ts';
import type { TickMode } from '../../contracts/origin-link.ts';
import { type Protocol, type Session, Sessions } from './session.ts';
import { SessionAudiences } from './session-audiences.ts';
import { v2Protocol } from './v2-protocol.ts';

const packet = (price: number) => new Uint8Array([0, 0, 1, 1, 0, 0, 0, price]);
const sessions = new Sessions();
let n = 0;
function session(protocol: Protocol = 'v2', format: TickFormat = 'json'): Session {
  n++;
  const attachment = { id: `s${n}`, userId: 'u', keyId: null, epoch: null, expiresAt: null, protocol, format, connectedAt: 0 };
  return sessions.adopt({} as WebSocket, attachment, v2Protocol, 10);
}
const modes = (entries: [number, TickMode][]) => new Map(entries);
const due = (outbox: Session['outbox']) => {
  const out: [number, string, number | undefined][] = [];
  outbox.takeDue((token, mode, p) => out.push([token, mode, p[7]]));
  return out;
};

describe('SessionAudiences', () => {
  it('puts sessions holding the same instruments in the same modes over one protocol in one audience, and any difference in another', () => {
    const audiences = new SessionAudiences();
    const held = modes([
      [257, 'quote'],
      [513, 'full'],
    ]);
    const [a, b, c, d, e] = [session(), session(), session(), session('kite'), session('v2', 'binary')];
    const shared = audiences.place(a as Session, held);
    expect(audiences.place(b as Session, modes([...held].reverse()))).toBe(shared);
    expect(
      audiences.place(
        c as Session,
        modes([
          [257, 'quote'],
          [513, 'ltp'],
        ]),
      ),
    ).not.toBe(shared);
    expect(audiences.place(d as Session, held)).not.toBe(shared);
    expect(audiences.place(e as Session, held)).not.toBe(shared);
    expect(shared.members).toEqual(new Set([a, b]));
    // One holder per audience: a tick of 257 is put four times, not five (a and b share).
    expect(audiences.holders(257)?.size).toBe(4);
    expect(audiences.sharedCount).toBe(4);
  });

  it('keeps a session with a snapshot or an instrument awaiting its first tick alone until it was written, then lets it join', () => {
    const audiences = new SessionAudiences();
    const held = modes([[257, 'quote']]);
    const [a, b] = [session(), session()];
    const shared = audiences.place(a as Session, held);
    (b as Session).awaiting.add(257);
    const alone = audiences.place(b as Session, held);
    expect(alone.key).toBeNull();
    expect(alone.outbox).toBe((b as Session).outbox);
    (b as Session).awaiting.delete(257);
    audiences.placeAfterWrite(b as Session);
    expect(audiences.of(b as Session)).toBe(shared);
    // The lone audience is gone: 257 has one holder again.
    expect(audiences.holders(257)?.size).toBe(1);
  });

  it('takes a slow member out of its shared audience with the ticks due so far, and leaves the others sharing', () => {
    const audiences = new SessionAudiences();
    const held = modes([
      [257, 'quote'],
      [513, 'ltp'],
    ]);
    const [a, b] = [session(), session()];
    const shared = audiences.place(a as Session, held);
    audiences.place(b as Session, held);
    shared.outbox.put(257, 'quote', packet(1));
    const alone = audiences.standAlone(b as Session, shared);
    expect(shared.members).toEqual(new Set([a]));
    expect(due(alone.outbox)).toEqual([[257, 'quote', 1]]);
    expect(due(shared.outbox)).toEqual([[257, 'quote', 1]]);
  });

  it('carries the ticks due into the session when its subscriptions change, for the instruments it still holds', () => {
    const audiences = new SessionAudiences();
    const [a] = [session()];
    const shared = audiences.place(
      a as Session,
      modes([
        [257, 'quote'],
        [513, 'ltp'],
      ]),
    );
    shared.outbox.put(257, 'quote', packet(1));
    shared.outbox.put(513, 'ltp', packet(2));
    const after = audiences.place(a as Session, modes([[513, 'full']]));
    // Something of its own is due: it stands alone until that is written.
    expect(after.key).toBeNull();
    expect(due(after.outbox)).toEqual([[513, 'full', 2]]);
    expect(audiences.holders(257)).toBeUndefined();
    audiences.remove(a as Session);
    expect(audiences.holders(513)).toBeUndefined();
    expect(audiences.sharedCount).toBe(0);
  });
});
