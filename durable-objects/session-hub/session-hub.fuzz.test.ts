import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CloseCode, SessionErrorCode } from '../../contracts/client-protocol.ts';
import { nastyJson, nastyText, nearlyValid } from '../../test/fuzz.ts';
import { originOf } from '../../test/workers/test-origin.ts';
import { fullPacket, instrumentsOfOneGroup, type TestInstrument, TestSession } from '../../test/workers/test-session.ts';
import { newKey, newUser } from '../../test/workers/test-users.ts';
import { parseKiteControl } from './kite-protocol.ts';

/**
 * Both WebSocket protocols fuzzed through the worker and a real hub: each
 * run opens a session and sends it a few frames of anything (text, JSON,
 * near-valid messages with bad fields, binary, frames over the byte limit).
 * Every frame gets its clear answer (an error frame, an ack, a pong, or a
 * close with 1009), and a bystander session of the same user, on the same
 * hub, goes on receiving its ticks and pongs untouched.
 */
const LIMIT = 4096; // WS_MAX_FRAME_BYTES in vitest.config.ts
const ref = fc.oneof(fc.integer({ min: -1, max: 2 ** 32 }), fc.constantFrom('NSE:INFY', 'NSE:NIFTY 50'), nastyText(12), nastyJson(2));
const v2Frame = fc.oneof(
  nastyText(60),
  nastyJson(3).map((json) => JSON.stringify(json) ?? ''),
  fc
    .record({
      action: fc.constantFrom('subscribe', 'unsubscribe', 'mode', 'ping'),
      id: fc.oneof(nastyText(8), fc.integer()),
      instruments: fc.array(ref, { maxLength: 4 }),
    })
    .chain((base) => nearlyValid(base).map((json) => JSON.stringify(json))),
  fc.integer({ min: 1_400, max: 2_000 }).map((n) => JSON.stringify({ action: 'ping', id: '€'.repeat(n) })),
);
const kiteFrame = fc.oneof(
  nastyText(60),
  nastyJson(3).map((json) => JSON.stringify(json) ?? ''),
  fc
    .record({
      a: fc.constantFrom('subscribe', 'unsubscribe', 'mode'),
      v: fc.oneof(fc.array(ref, { maxLength: 4 }), fc.tuple(nastyText(5), fc.array(ref, { maxLength: 3 }))),
    })
    .map((json) => JSON.stringify(json)),
  fc.integer({ min: 1_400, max: 2_000 }).map((n) => JSON.stringify({ a: 'subscribe', v: ['€'.repeat(n)] })),
);
const frames = (frame: fc.Arbitrary<string>) => fc.array(fc.oneof(frame, fc.uint8Array({ maxLength: 16 })), { minLength: 1, maxLength: 3 });

const bytesOf = (frame: string | Uint8Array) => (typeof frame === 'string' ? new TextEncoder().encode(frame).byteLength : frame.byteLength);

/** The next answer to a control message (skipping ticks, snapshots and status), or the close. */
async function answer(session: TestSession, types: readonly string[]): Promise<{ type: string; code?: string } | { closed: number }> {
  const closed = session.closed.then(({ code }) => ({ closed: code }));
  for (;;) {
    const next = await Promise.race([session.next(5_000), closed]);
    if ('closed' in next) return next;
    if (!(next instanceof Uint8Array) && types.includes(next.type)) return next as { type: string; code?: string };
  }
}

describe('SessionHub (fuzzed)', () => {
  it('answers any frames on /v2/ws and /kite/ws clearly, and a bystander session on the same hub is untouched', async () => {
    const user = await newUser();
    const key = await newKey(user, ['read']);
    const [a] = (await instrumentsOfOneGroup('BSE', 1, 15)) as [TestInstrument];
    const { origin } = await originOf(a.group);
    const bystander = await TestSession.open('/v2/ws', `api_key=${key.id}&access_token=${key.secret}`);
    await bystander.nextOf('welcome');
    bystander.send({ action: 'subscribe', id: 'b', instruments: [a.token], mode: 'ltp' });
    expect((await bystander.nextOf('ack')).accepted).toHaveLength(1);

    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          frames(v2Frame).map((f) => ['v2', f] as const),
          frames(kiteFrame).map((f) => ['kite', f] as const),
        ),
        async ([protocol, sent]) => {
          const session = await TestSession.open(protocol === 'v2' ? '/v2/ws' : '/kite/ws', `access_token=${user.tokens.access_token}`);
          if (protocol === 'v2') await session.nextOf('welcome');
          for (const frame of sent) {
            session.socket.send(frame);
            if (bytesOf(frame) > LIMIT) {
              expect(await session.closed).toMatchObject({ code: CloseCode.FRAME_TOO_LARGE });
              return;
            }
            if (protocol === 'kite') {
              // Kite's protocol acknowledges nothing: only a refused message has an answer to wait for.
              if (typeof frame === 'string' && !('error' in parseKiteControl(frame))) continue;
              const reply = await answer(session, ['error']);
              expect(reply).toMatchObject({ type: 'error' });
              continue;
            }
            const reply = await answer(session, ['error', 'ack', 'pong']);
            expect('closed' in reply, `closed after ${JSON.stringify(frame)}`).toBe(false);
            if ('type' in reply && reply.type === 'error') expect(SessionErrorCode.options).toContain(reply.code);
            // The generic answer of a request that failed inside the hub is what fuzzing is for.
            expect(reply).not.toMatchObject({ message: expect.stringContaining('failed inside the hub') });
          }
          session.close();
          await session.closed;
        },
      ),
      { numRuns: 40 },
    );

    const seen = await bystander.drain(0);
    expect(seen.filter((frame) => !(frame instanceof Uint8Array) && (frame.type === 'error' || frame.type === 'ack'))).toEqual([]);
    origin.sendBatch([fullPacket(a.token, 321)]);
    expect((await bystander.nextOf('ticks')).ticks).toEqual([expect.objectContaining({ instrument_token: a.token, mode: 'ltp', last_price: 321 })]);
    bystander.send({ action: 'ping', id: 'after' });
    expect(await bystander.nextOf('pong')).toMatchObject({ id: 'after' });
    bystander.close();
    origin.close();
  });
});
