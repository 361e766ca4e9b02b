import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, MAX_INSTRUMENTS_PER_MESSAGE, SessionErrorCode } from '../../contracts/client-protocol.ts';
import { deeplyNested, nastyJson, nastyText, nearlyValid, storable, textsIn } from '../../test/fuzz.ts';
import { oversize } from './frame-size.ts';
import { parseKiteControl } from './kite-protocol.ts';
import { checkRefs, isControlError } from './session-control.ts';
import { parseV2Control } from './v2-protocol.ts';

/**
 * The parsers of both client protocols, fuzzed: whatever a client sends,
 * the hub gets a control message it can act on or an error frame it can
 * send, never a throw; text Postgres cannot take never gets through; and
 * the frame limit is measured in UTF-8 bytes.
 */
const symbolLike = fc.tuple(fc.constantFrom('NSE', 'BSE', 'NFO', 'nse', 'X'), nastyText(8)).map(([exchange, symbol]) => `${exchange}:${symbol}`);
const ref = fc.oneof(fc.integer({ min: -1, max: 2 ** 32 }), fc.constantFrom('NSE:INFY', 'NSE:NIFTY 50', 'BSE:SENSEX'), symbolLike, nastyText(12), nastyJson(2));
const refs = fc.array(ref, { maxLength: 6 });
const v2Message = fc.oneof(
  fc.record(
    {
      action: fc.constantFrom('subscribe', 'unsubscribe', 'mode', 'ping', 'dance'),
      id: fc.oneof(nastyText(8), fc.integer()),
      instruments: refs,
      mode: fc.constantFrom('ltp', 'quote', 'full'),
    },
    { requiredKeys: ['action'] },
  ),
  nearlyValid({ action: 'subscribe', id: 'r1', instruments: [256265, 'NSE:INFY'], mode: 'full' }),
);
const kiteMessage = fc.oneof(
  fc.record({ a: fc.constantFrom('subscribe', 'unsubscribe'), v: refs }),
  fc.record({ a: fc.constant('mode'), v: fc.tuple(fc.oneof(fc.constantFrom('ltp', 'quote', 'full'), nastyText(6)), refs) }),
  nearlyValid({ a: 'subscribe', v: [408065] }),
);
/** A frame as a client may send it: any text, any JSON, or a message close to a real one. */
const frameOf = (message: fc.Arbitrary<unknown>) =>
  fc.oneof(
    nastyText(80),
    nastyJson(4).map((json) => JSON.stringify(json) ?? ''),
    message.map((json) => JSON.stringify(json)),
  );

/** What every parse result must be: a control whose text is all storable, or an error frame that can be sent. */
function expectActionable(frame: string, result: ReturnType<typeof parseV2Control>): void {
  if (isControlError(result)) {
    expect(SessionErrorCode.options).toContain(result.error.code);
    expect(() => JSON.stringify({ type: 'error', ...result.error })).not.toThrow();
    return;
  }
  expect(textsIn(result).every(storable)).toBe(true);
  if ('refs' in result) expect(result.refs.length).toBeLessThanOrEqual(Math.max(MAX_INSTRUMENTS_PER_MESSAGE, 3_000));
  // Accepted only from a frame that had no bad text anywhere.
  expect(textsIn(JSON.parse(frame)).every(storable)).toBe(true);
}

/** The frame's JSON, or undefined when it is not JSON. */
function parsedJson(frame: string): unknown {
  try {
    return JSON.parse(frame);
  } catch {
    return undefined;
  }
}

describe('client messages (fuzzed)', () => {
  it('/v2/ws: any frame parses to a control with only storable text, or an error frame; a bad string anywhere is bad_message', () => {
    fc.assert(
      fc.property(frameOf(v2Message), (frame) => {
        const result = parseV2Control(frame);
        expectActionable(frame, result);
        const json = parsedJson(frame);
        if (typeof json === 'object' && json !== null && !Array.isArray(json) && !textsIn(json).every(storable)) {
          expect(result).toMatchObject({ error: { code: 'bad_message', message: expect.stringMatching(/NUL character|lone surrogate/) } });
        }
      }),
      { numRuns: 300 },
    );
  });

  it('/kite/ws: any frame parses to a control with only storable text, or an error frame naming the field', () => {
    fc.assert(
      fc.property(frameOf(kiteMessage), (frame) => {
        const result = parseKiteControl(frame);
        expectActionable(frame, result);
        const json = parsedJson(frame);
        if (json !== undefined && !textsIn(json).every(storable))
          expect(result).toMatchObject({ error: { message: expect.stringMatching(/NUL character|lone surrogate/) } });
      }),
      { numRuns: 300 },
    );
  });

  it('checks any refs into valid tokens and symbols and rejections naming the rest, all of which an ack can carry', () => {
    fc.assert(
      fc.property(refs, (given) => {
        const { valid, rejected } = checkRefs(given);
        for (const r of valid) expect(typeof r === 'number' ? Number.isInteger(r) && r > 0 && r <= 0xffffffff : storable(r)).toBe(true);
        expect(valid.length + rejected.length).toBeLessThanOrEqual(given.length);
        expect(() => JSON.stringify({ type: 'ack', accepted: [], rejected })).not.toThrow();
      }),
      { numRuns: 300 },
    );
  });

  it('acks a subscribe whose instrument is nested as deep as a 64 KiB frame allows', () => {
    const depth = (DEFAULT_LIMITS.max_frame_bytes - 100) / 2;
    const frame = `{"action":"subscribe","instruments":[${deeplyNested(depth)}]}`;
    const control = parseV2Control(frame);
    if (isControlError(control) || !('refs' in control)) throw new Error('a subscribe of one instrument is a valid message');
    const { rejected } = checkRefs(control.refs);
    expect(rejected).toEqual([{ instrument: '(an array)', code: 'bad_instrument', reason: expect.any(String) }]);
    expect(() => JSON.stringify({ type: 'ack', rejected })).not.toThrow();
  });

  it('measures a text frame in UTF-8 bytes against any limit, encoding only between the cheap bounds', () => {
    const text = fc.oneof(
      nastyText(200),
      fc.tuple(fc.constantFrom('€', '💩', 'a', '\ud800'), fc.integer({ min: 0, max: 3_000 })).map(([unit, n]) => unit.repeat(n)),
    );
    fc.assert(
      fc.property(text, fc.integer({ min: 1, max: 10_000 }), (frame, limit) => {
        const bytes = new TextEncoder().encode(frame).byteLength;
        const over = oversize(frame, limit);
        expect(over !== undefined).toBe(bytes > limit);
        if (over?.exact) expect(over.bytes).toBe(bytes);
        if (over && !over.exact) expect(over.bytes).toBeLessThanOrEqual(bytes);
      }),
      { numRuns: 300 },
    );
  });
});
