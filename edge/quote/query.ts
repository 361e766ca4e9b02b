import { z } from 'zod';
import { InstrumentRef } from '../../contracts/client-protocol.ts';
import { unstorableText } from '../../contracts/storable-text.ts';
import { zodProblem } from '../../contracts/zod-problem.ts';
import { InvalidParameter } from '../errors.ts';

/**
 * The query of the quote routes, as Kite takes it: `i` repeated, one
 * instrument each (`?i=NSE:INFY&i=BSE:SENSEX`). Kite names instruments by
 * `EXCHANGE:TRADINGSYMBOL` only; we also take Kite's instrument_token
 * (`?i=408065`), the two forms the WebSocket protocol takes (InstrumentRef).
 * Each entry of the answer is keyed by `i` exactly as given.
 */
export type QuoteInstrument = { key: string; ref: InstrumentRef };

/** Kite's own limits per request: 500 instruments for a full quote, 1000 for OHLC and LTP. */
export const MAX_INSTRUMENTS = { quote: 500, ohlc: 1000, ltp: 1000 } as const;

/**
 * InstrumentRef's symbol rule (`\S{1,64}`) refuses a space, yet Kite's own
 * names for indices have them (`NSE:NIFTY 50`, the name Kite's quote API
 * takes): here a symbol may hold inner spaces, never leading or trailing
 * ones or control characters.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what this rule refuses.
const SymbolRef = z.string().regex(/^[A-Z]{2,8}:(?=\S)[^\x00-\x1f\x7f]{1,64}(?<=\S)$/);
const Token = InstrumentRef.options[0];

const Instrument = z.string().transform((text, ctx) => {
  const parsed = /^\d{1,10}$/.test(text) ? Token.safeParse(Number(text)) : SymbolRef.safeParse(text);
  if (!parsed.success) {
    ctx.addIssue({ code: 'custom', message: 'not an instrument' });
    return z.NEVER;
  }
  return parsed.data;
});

const QuoteQuery = (max: number) =>
  z
    .array(z.string().meta({ description: 'EXCHANGE:TRADINGSYMBOL (NSE:INFY, NSE:NIFTY 50) or an instrument_token (408065)' }))
    .min(1, 'is required: name each instrument as i=NSE:INFY (or its token, i=408065), repeated for more')
    .max(max, `names at most ${max} instruments per request`);

/** The query as the document describes it: `i`, repeated (`?i=NSE:INFY&i=256265`). */
export const quoteParams = (max: number) => z.strictObject({ i: QuoteQuery(max) });

export function parseQuoteQuery(url: URL, max: number): QuoteInstrument[] {
  for (const key of url.searchParams.keys()) {
    if (key !== 'i') throw new InvalidParameter(key, 'unknown parameter; this route takes i (repeated)');
  }
  const values = url.searchParams.getAll('i');
  const list = QuoteQuery(max).safeParse(values);
  if (!list.success) {
    const problem = zodProblem(list.error);
    throw new InvalidParameter('i', `${problem?.message ?? 'is invalid'}${problem?.code === 'too_big' ? ` (got ${values.length})` : ''}`);
  }
  const seen = new Set<string>();
  const instruments: QuoteInstrument[] = [];
  for (const key of values) {
    const text = unstorableText(key);
    if (text) throw new InvalidParameter('i', text);
    if (seen.has(key)) continue;
    seen.add(key);
    const ref = Instrument.safeParse(key);
    if (!ref.success) {
      throw new InvalidParameter(
        'i',
        `${JSON.stringify(key)} is not an instrument: give EXCHANGE:TRADINGSYMBOL (e.g. NSE:INFY) or an instrument_token from 1 to 4294967295`,
      );
    }
    instruments.push({ key, ref: ref.data });
  }
  return instruments;
}
