import { SEGMENT_CODE } from '../kite-instrument.ts';
import { KiteFrameError, PACKET_LENGTH } from './decode.ts';

/**
 * One Kite packet straight to its tick's JSON text: exactly
 * `JSON.stringify(decodePacket(packet))` (the same keys in the same order,
 * the same numbers; tick-json.test.ts holds the two equal over every kind
 * of packet), without the tick object in between.
 *
 * This is the hubs' hottest path: every tick of every /v2/ws session is
 * stringified, 100,000 a second at 1,000 sessions of 100 instruments, and
 * decoding to an object (a full tick is 14 objects with its depth) and
 * walking it again in JSON.stringify was a third of the edge's CPU there.
 */
export function tickJson(packet: Uint8Array): string {
  return flat(unflattenedTickJson(packet));
}

function unflattenedTickJson(packet: Uint8Array): string {
  const length = packet.byteLength;
  if (
    length !== PACKET_LENGTH.ltp &&
    length !== PACKET_LENGTH.indexQuote &&
    length !== PACKET_LENGTH.indexFull &&
    length !== PACKET_LENGTH.quote &&
    length !== PACKET_LENGTH.full
  ) {
    throw new KiteFrameError('unknown-packet-length', 0, `a packet of ${length} bytes is none of Kite's (8, 28, 32, 44 or 184 bytes)`);
  }
  const view = new DataView(packet.buffer, packet.byteOffset, length);
  const token = view.getUint32(0);
  const segment = token & 0xff;
  const divisor = segment === SEGMENT_CODE.CDS ? 10_000_000 : segment === SEGMENT_CODE.BCD ? 10_000 : 100;
  const tradable = segment !== SEGMENT_CODE.INDICES;
  const rawLast = view.getInt32(4);
  const lastPrice = rawLast / divisor;
  const head = `{"tradable":${tradable},"mode":"`;
  const id = `","instrument_token":${token},"last_price":${price(rawLast, divisor)}`;
  if (length === PACKET_LENGTH.ltp) return `${head}ltp${id}}`;
  if (length === PACKET_LENGTH.indexQuote || length === PACKET_LENGTH.indexFull) {
    const rawClose = view.getInt32(20);
    const close = rawClose / divisor;
    const change = close !== 0 ? ((lastPrice - close) * 100) / close : view.getInt32(24);
    const ohlc = `"ohlc":{"high":${price(view.getInt32(8), divisor)},"low":${price(view.getInt32(12), divisor)},"open":${price(view.getInt32(16), divisor)},"close":${price(rawClose, divisor)}},"change":${num(change)}`;
    if (length === PACKET_LENGTH.indexQuote) return `${head}quote${id},${ohlc}}`;
    return `${head}full${id},${ohlc},"exchange_timestamp":${seconds(view.getUint32(28))}}`;
  }
  const rawClose = view.getInt32(40);
  const close = rawClose / divisor;
  const change = close !== 0 ? ((lastPrice - close) * 100) / close : 0;
  const quote =
    `,"last_traded_quantity":${view.getUint32(8)},"average_traded_price":${price(view.getInt32(12), divisor)},"volume_traded":${view.getUint32(16)}` +
    `,"total_buy_quantity":${view.getUint32(20)},"total_sell_quantity":${view.getUint32(24)}` +
    `,"ohlc":{"open":${price(view.getInt32(28), divisor)},"high":${price(view.getInt32(32), divisor)},"low":${price(view.getInt32(36), divisor)},"close":${price(rawClose, divisor)}},"change":${num(change)}`;
  if (length === PACKET_LENGTH.quote) return `${head}quote${id}${quote}}`;
  return (
    `${head}full${id}${quote},"last_trade_time":${seconds(view.getUint32(44))},"exchange_timestamp":${seconds(view.getUint32(60))}` +
    `,"oi":${view.getUint32(48)},"oi_day_high":${view.getUint32(52)},"oi_day_low":${view.getUint32(56)}` +
    `,"depth":{"buy":[${levels(view, 64, divisor)}],"sell":[${levels(view, 124, divisor)}]}}`
  );
}

const ANY_CHARACTER = /./;

/**
 * V8 keeps a string built by `+` or a template as a rope of its parts and
 * copies it flat whenever it is read whole: in every session's `join` and
 * every send that carries the tick, a hub's tick going to many sessions.
 * Matching a regular expression flattens it in place, once (measured in
 * Node 22: a full tick into one session's frame 3.8 µs flattened here,
 * 7.4 µs as a rope, 5.0 µs through JSON.stringify).
 */
function flat(text: string): string {
  ANY_CHARACTER.test(text);
  return text;
}

/** Five depth levels from `at`: uint32 quantity, int32 price, uint16 orders, 2 bytes of padding each. */
function levels(view: DataView, at: number, divisor: number): string {
  let out = '';
  for (let i = 0; i < 5; i++, at += 12) {
    out += `${i === 0 ? '' : ','}{"quantity":${view.getUint32(at)},"price":${price(view.getInt32(at + 4), divisor)},"orders":${view.getUint16(at + 8)}}`;
  }
  return out;
}

const CENTS = Array.from({ length: 100 }, (_, i) => (i === 0 ? '' : i % 10 === 0 ? `.${i / 10}` : `.${String(i).padStart(2, '0')}`));

/**
 * A price as JSON.stringify writes `raw / divisor`. Most instruments are in
 * paise (divisor 100): the integer's digits are placed around the point,
 * which is what the shortest round-trip form of raw / 100 is for any int32
 * (at most ten significant digits, so no shorter decimal maps to the same
 * double), at a fraction of the cost of formatting a double. The currency
 * divisors (1e7, 1e4) can need an exponent and take the general path.
 */
function price(raw: number, divisor: number): string {
  if (divisor !== 100) return num(raw / divisor);
  const units = raw < 0 ? -raw : raw;
  const whole = Math.floor(units / 100);
  return `${raw < 0 ? '-' : ''}${whole}${CENTS[units - whole * 100]}`;
}

/** As JSON.stringify writes a number: NaN and the infinities as null. */
function num(value: number): string {
  return Number.isFinite(value) ? String(value) : 'null';
}

/** Kite's 0 means "none" (no trade yet). */
function seconds(value: number): string {
  return value === 0 ? 'null' : String(value);
}
