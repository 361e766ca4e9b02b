import { DAY_MS } from '../contracts/ist-clock.ts';
import { tradingWeek } from './expiry-calendar.ts';

/**
 * A derivative's exchange token, from what the contract is: its family (an
 * underlying's futures and options on one exchange), the week or month it
 * expires in, and its place in the strike ladder. On Kite a token names one
 * contract for its whole life, and stored candles, alerts and watchlists
 * key on it; so here the token cannot depend on which other contracts are
 * listed today (numbering them in listing order gave NIFTY26DECFUT's token
 * to NIFTY27JANFUT forty days later).
 *
 * Each family owns a block of tokens: one row of 256 per expiry week (a
 * family with weeklies) or month (monthlies only), for ten years of
 * expiries, after which the rows come round again:
 *
 *   exchange token = family's block + (expiry week or month mod rows) × 256 + slot
 *   slot           = 2 × (strike step index − ATM index + 60) (+1 for a put); 242 for the future
 *
 * The ATM index is fixed per seed (the ladder is centred on the previous
 * close), so a strike keeps its slot while the ladder widens towards expiry.
 * Blocks are handed out in a fixed order (the reference data's), the same
 * on every day.
 */

/** Strikes either side of the money that a ladder may reach (NIFTY's near expiries list 60). */
export const MAX_HALF_WIDTH = 60;
const ROW = 256;
const FUTURE_SLOT = 2 * (2 * MAX_HALF_WIDTH + 1);
/** Ten years of expiries before a family's rows come round again. */
export const ROWS = { weekly: 522, monthly: 120 } as const;
/**
 * The instrument token is exchange token × 256 + segment, and Kite's stay
 * below 2^31: parsers (the official KiteTicker's among them) read it as a
 * signed 32-bit number.
 */
const EXCHANGE_TOKEN_LIMIT = 2 ** 23;

export type DerivativeSpace = 'NFO' | 'BFO' | 'MCX' | 'CDS' | 'BCD';
/** How often a family has expiries: every week (it lists weeklies), or at most one a month. */
export type Cadence = keyof typeof ROWS;

/** Where each derivative token space starts, roughly where Kite's do. */
const SPACE_START: Record<DerivativeSpace, number> = { NFO: 35_000, BFO: 800_000, MCX: 420_000, CDS: 1_000, BCD: 2_000 };

export type ContractSlot = { kind: 'future' } | { kind: 'option'; type: 'CE' | 'PE'; strikeIndex: number; atmIndex: number };

/** One family's tokens. */
export type FamilyTokens = { token(expiryDay: number, slot: ContractSlot): number };

/** Hands out one block per family, in the order asked; ask in the same order every day. */
export function contractTokenSpace(space: DerivativeSpace): { family(name: string, cadence: Cadence): FamilyTokens } {
  let next = SPACE_START[space];
  return {
    family(name, cadence) {
      const block = next;
      next += ROWS[cadence] * ROW;
      if (next > EXCHANGE_TOKEN_LIMIT) throw new RangeError(`${space} has no room for the tokens of ${name}: its families need more than 2^23 exchange tokens`);
      return { token: (expiryDay, slot) => block + (rowKey(expiryDay, cadence) % ROWS[cadence]) * ROW + slotOf(slot) };
    },
  };
}

function rowKey(expiryDay: number, cadence: Cadence): number {
  if (cadence === 'weekly') return tradingWeek(expiryDay);
  const date = new Date(expiryDay * DAY_MS);
  return date.getUTCFullYear() * 12 + date.getUTCMonth();
}

function slotOf(slot: ContractSlot): number {
  if (slot.kind === 'future') return FUTURE_SLOT;
  const offset = slot.strikeIndex - slot.atmIndex + MAX_HALF_WIDTH;
  if (offset < 0 || offset > 2 * MAX_HALF_WIDTH) {
    throw new RangeError(`strike ${slot.strikeIndex} is more than ${MAX_HALF_WIDTH} steps from the money (${slot.atmIndex})`);
  }
  return 2 * offset + (slot.type === 'PE' ? 1 : 0);
}
