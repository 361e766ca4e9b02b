import { KiteFrameError } from './decode.ts';
import { DEPTH_LEVEL, FULL, INDEX, isIndexToken, KNOWN_PACKET_LENGTHS, PACKET, PACKET_LENGTH, packetKind, priceDivisor, QUOTE } from './packet-layout.ts';

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
  if (packetKind(length) === undefined) {
    throw new KiteFrameError('unknown-packet-length', 0, `a packet of ${length} bytes is none of Kite's (${KNOWN_PACKET_LENGTHS})`);
  }
  const view = new DataView(packet.buffer, packet.byteOffset, length);
  const token = view.getUint32(PACKET.token);
  const divisor = priceDivisor(token);
  const tradable = !isIndexToken(token);
  const rawLast = view.getInt32(PACKET.lastPrice);
  const lastPrice = rawLast / divisor;
  const head = `{"tradable":${tradable},"mode":"`;
  const id = `","instrument_token":${token},"last_price":${price(rawLast, divisor)}`;
  if (length === PACKET_LENGTH.ltp) return `${head}ltp${id}}`;
  if (length === PACKET_LENGTH.indexQuote || length === PACKET_LENGTH.indexFull) {
    const rawClose = view.getInt32(INDEX.close);
    const close = rawClose / divisor;
    const change = close !== 0 ? ((lastPrice - close) * 100) / close : view.getInt32(INDEX.netChange);
    const ohlc =
      `"ohlc":{"high":${price(view.getInt32(INDEX.high), divisor)},"low":${price(view.getInt32(INDEX.low), divisor)}` +
      `,"open":${price(view.getInt32(INDEX.open), divisor)},"close":${price(rawClose, divisor)}},"change":${num(change)}`;
    if (length === PACKET_LENGTH.indexQuote) return `${head}quote${id},${ohlc}}`;
    return `${head}full${id},${ohlc},"exchange_timestamp":${seconds(view.getUint32(INDEX.exchangeTimestamp))}}`;
  }
  const rawClose = view.getInt32(QUOTE.close);
  const close = rawClose / divisor;
  const change = close !== 0 ? ((lastPrice - close) * 100) / close : 0;
  const quote =
    `,"last_traded_quantity":${view.getUint32(QUOTE.lastTradedQuantity)},"average_traded_price":${price(view.getInt32(QUOTE.averageTradedPrice), divisor)}` +
    `,"volume_traded":${view.getUint32(QUOTE.volumeTraded)}` +
    `,"total_buy_quantity":${view.getUint32(QUOTE.totalBuyQuantity)},"total_sell_quantity":${view.getUint32(QUOTE.totalSellQuantity)}` +
    `,"ohlc":{"open":${price(view.getInt32(QUOTE.open), divisor)},"high":${price(view.getInt32(QUOTE.high), divisor)}` +
    `,"low":${price(view.getInt32(QUOTE.low), divisor)},"close":${price(rawClose, divisor)}},"change":${num(change)}`;
  if (length === PACKET_LENGTH.quote) return `${head}quote${id}${quote}}`;
  return (
    `${head}full${id}${quote},"last_trade_time":${seconds(view.getUint32(FULL.lastTradeTime))},"exchange_timestamp":${seconds(view.getUint32(FULL.exchangeTimestamp))}` +
    `,"oi":${view.getUint32(FULL.oi)},"oi_day_high":${view.getUint32(FULL.oiDayHigh)},"oi_day_low":${view.getUint32(FULL.oiDayLow)}` +
    `,"depth":{"buy":[${levels(view, FULL.buyDepth, divisor)}],"sell":[${levels(view, FULL.sellDepth, divisor)}]}}`
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

/** One side's depth levels from `at` (DEPTH_LEVEL). */
function levels(view: DataView, at: number, divisor: number): string {
  let out = '';
  for (let i = 0; i < DEPTH_LEVEL.levels; i++, at += DEPTH_LEVEL.bytes) {
    out +=
      `${i === 0 ? '' : ','}{"quantity":${view.getUint32(at + DEPTH_LEVEL.quantity)}` +
      `,"price":${price(view.getInt32(at + DEPTH_LEVEL.price), divisor)},"orders":${view.getUint16(at + DEPTH_LEVEL.orders)}}`;
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
