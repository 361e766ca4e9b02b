import type { KiteInstrument } from './kite-instrument.ts';

/**
 * Which instrument group an instrument belongs to. The origin uses this to
 * batch ticks per group and post each batch to that group's Durable Object;
 * the edge uses it to send a client's subscription to the same Durable Object.
 * Both sides must compute the same key for the same instrument, so this is a
 * cross-process contract: changing the format or the hash moves every
 * instrument to a different Durable Object (the tests pin exact keys for that
 * reason). The mapping reads registry fields only (no state, no I/O), so any
 * process holding the instrument dump can compute it.
 *
 * Key format (the Durable Object name; `<EX>` is Kite's exchange, e.g. NSE):
 *
 *   | instruments                         | key                  | example           |
 *   |-------------------------------------|----------------------|-------------------|
 *   | segment INDICES                     | `index:<EX>`         | `index:NSE`       |
 *   | FUT / CE / PE with a name           | `fno:<EX>:<name>`    | `fno:NFO:NIFTY`   |
 *   | FUT / CE / PE with an empty name    | `fno:<EX>:~<shard>`  | `fno:NFO:~07`     |
 *   | anything else (EQ: stocks, ETFs...) | `cash:<EX>:<shard>`  | `cash:NSE:07`     |
 *
 * Why these groups:
 * - Derivatives group by exchange + underlying (Kite's `name`): a future and
 *   every option of every expiry and strike on NIFTY share one Durable Object,
 *   so option-chain state and alerts on a chain live in one place. Derivative
 *   tokens come and go with each expiry, but the underlying does not, so group
 *   membership stays stable from day to day. (The busiest chains, NIFTY and
 *   BANKNIFTY, make the busiest objects; splitting them further, e.g. by
 *   expiry, would be a new key format and so a deliberate migration.)
 * - Indices are few, not tradable and watched by nearly everyone, so one group
 *   per exchange serves them all from one object.
 * - Cash instruments have no natural grouping and are many, so they are
 *   spread over `cashShards` shards per exchange by a hash of
 *   instrument_token. Not `token % n`: a Kite token is
 *   exchange_token * 256 + segment code, so its low byte is the same for a
 *   whole segment and a power-of-two modulus would put every stock in one
 *   shard. murmur3's 32-bit finaliser (fmix32) mixes every bit of the token
 *   into every bit of the hash, and costs a few integer operations in Node
 *   and in workerd alike. Equity tokens are stable across days, so a stock
 *   stays in its shard.
 * - A stock and its own derivatives land in different groups (the cash row's
 *   `name` is the company name, not the F&O underlying symbol), so a view that
 *   needs both subscribes to two groups.
 *
 * The shard count is part of the contract: origin and edge must be given the
 * same `cashShards` (and a change moves cash instruments between objects).
 * Shards print as at least two decimal digits (`07`, `15`, `123`).
 *
 * Keys are URL-safe: they contain only `A-Z a-z 0-9 . - _ ~ :`, so a key can
 * sit in a URL path or query unescaped, and no URL decoding (even a repeated
 * one) changes it. Names keep `A-Z a-z 0-9 . -` as they are; every other
 * character (including `_`) is written as its UTF-8 bytes, each as `_` and
 * two upper-case hex digits: `M&M` → `M_26M`, `NIFTY 50` → `NIFTY_2050`.
 * The escape is reversible, and `parseGroupKey` returns the original name.
 */
export type GroupKey = string;

export type GroupKind = 'fno' | 'cash' | 'index';

export type ParsedGroupKey = {
  kind: GroupKind;
  exchange: string;
  /** The registry `name` of the derivatives' underlying, for an `fno` group that has one. */
  underlying?: string;
  /** The shard, for `cash` groups and for `fno` groups of unnamed derivatives. */
  shard?: number;
};

export type InstrumentGroupOptions = {
  /** Shards per exchange for cash instruments (and unnamed derivatives); integer 1..256. */
  cashShards?: number;
};

export type GroupedInstrument = Pick<KiteInstrument, 'instrument_token' | 'name' | 'segment' | 'exchange' | 'instrument_type'>;

export const DEFAULT_CASH_SHARDS = 16;
export const MAX_CASH_SHARDS = 256;

/**
 * The shape of a group key: a cheap check at a boundary (route patterns,
 * schemas). It does not check the shard range or that escapes are canonical;
 * `parseGroupKey` does.
 */
export const GROUP_KEY_PATTERN = /^(?:index:[A-Z][A-Z0-9]*|cash:[A-Z][A-Z0-9]*:[0-9]{2,3}|fno:[A-Z][A-Z0-9]*:(?:~[0-9]{2,3}|(?:[A-Za-z0-9.-]|_[0-9A-F]{2})+))$/;

const EXCHANGE_PATTERN = /^[A-Z][A-Z0-9]*$/;
const DERIVATIVE_TYPES: ReadonlySet<string> = new Set(['FUT', 'CE', 'PE']);
const MAX_TOKEN = 0xffff_ffff;

/** The group of one instrument. Throws on a malformed registry row or a bad `cashShards`. */
export function instrumentGroup(instrument: GroupedInstrument, options?: InstrumentGroupOptions): GroupKey {
  const shards = shardCount(options);
  const { exchange, instrument_token: token, name } = instrument;
  if (typeof exchange !== 'string' || !EXCHANGE_PATTERN.test(exchange)) {
    throw new TypeError(`instrument ${String(token)}: exchange must be upper-case letters and digits, got ${JSON.stringify(exchange)}`);
  }
  if (!Number.isInteger(token) || token < 0 || token > MAX_TOKEN) {
    throw new RangeError(`instrument_token must be an integer 0..${MAX_TOKEN}, got ${String(token)}`);
  }
  if (instrument.segment === 'INDICES') return `index:${exchange}`;
  if (DERIVATIVE_TYPES.has(instrument.instrument_type)) {
    if (typeof name === 'string' && name.trim() !== '') return `fno:${exchange}:${escapeName(name)}`;
    return `fno:${exchange}:~${formatShard(tokenShard(token, shards))}`;
  }
  return `cash:${exchange}:${formatShard(tokenShard(token, shards))}`;
}

/**
 * Reads a key received from the network. Returns undefined for anything that
 * `instrumentGroup` (with the same options) could not have produced; never
 * throws on bad input (a bad `cashShards` option is a programming error and
 * does throw).
 */
export function parseGroupKey(key: string, options?: InstrumentGroupOptions): ParsedGroupKey | undefined {
  const shards = shardCount(options);
  if (typeof key !== 'string' || !GROUP_KEY_PATTERN.test(key)) return undefined;
  const [kind, exchange, rest] = key.split(':');
  if (exchange === undefined) return undefined;
  switch (kind) {
    case 'index':
      return { kind, exchange };
    case 'cash': {
      const shard = parseShard(rest, shards);
      return shard === undefined ? undefined : { kind, exchange, shard };
    }
    case 'fno': {
      if (rest === undefined) return undefined;
      if (rest.startsWith('~')) {
        const shard = parseShard(rest.slice(1), shards);
        return shard === undefined ? undefined : { kind, exchange, shard };
      }
      const underlying = unescapeName(rest);
      // Canonical only: the name must escape back to exactly this text and must be one
      // instrumentGroup would have kept (not blank).
      if (underlying === undefined || underlying.trim() === '' || escapeName(underlying) !== rest) return undefined;
      return { kind, exchange, underlying };
    }
    default:
      return undefined;
  }
}

/** murmur3's fmix32: a bijection on 32-bit integers with full avalanche. */
export function fmix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85eb_ca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2_ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function tokenShard(token: number, shards: number): number {
  return fmix32(token) % shards;
}

function shardCount(options: InstrumentGroupOptions | undefined): number {
  const shards = options?.cashShards ?? DEFAULT_CASH_SHARDS;
  if (!Number.isInteger(shards) || shards < 1 || shards > MAX_CASH_SHARDS) {
    throw new RangeError(`cashShards must be an integer from 1 to ${MAX_CASH_SHARDS}, got ${String(shards)}`);
  }
  return shards;
}

function formatShard(shard: number): string {
  return String(shard).padStart(2, '0');
}

function parseShard(text: string | undefined, shards: number): number | undefined {
  if (text === undefined || !/^[0-9]{2,3}$/.test(text)) return undefined;
  const shard = Number(text);
  return shard < shards && formatShard(shard) === text ? shard : undefined;
}

const VERBATIM = /^[A-Za-z0-9.-]$/;
const encoder = new TextEncoder();
// ignoreBOM: keep a leading U+FEFF in the name rather than strip it, so such a name reads back as written.
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function escapeName(name: string): string {
  let out = '';
  for (const char of name) {
    if (VERBATIM.test(char)) {
      out += char;
      continue;
    }
    for (const byte of encoder.encode(char)) out += `_${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Undefined when the escapes do not spell valid UTF-8. */
function unescapeName(text: string): string | undefined {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; ) {
    if (text[i] === '_') {
      bytes.push(Number.parseInt(text.slice(i + 1, i + 3), 16));
      i += 3;
    } else {
      bytes.push(text.charCodeAt(i));
      i += 1;
    }
  }
  try {
    return decoder.decode(new Uint8Array(bytes));
  } catch {
    return undefined;
  }
}
