import { describe, expect, it } from 'vitest';
import { comingExpiries, underlyingsOf } from './pickers.ts';

describe('the chain page’s pickers', () => {
  it('offers the option exchanges’ underlyings, indices first in a trader’s order, then the rest alphabetically', () => {
    const listed = underlyingsOf({ 'NFO:RELIANCE': 3, 'MCX:CRUDEOIL': 6, 'BFO:SENSEX': 8, 'NFO:M&M': 3, 'NFO:BANKNIFTY': 6, 'NFO:NIFTY': 18, 'NSE:ODD': 1 });
    expect(listed).toEqual([
      { exchange: 'NFO', name: 'NIFTY' },
      { exchange: 'NFO', name: 'BANKNIFTY' },
      { exchange: 'BFO', name: 'SENSEX' },
      { exchange: 'NFO', name: 'M&M' },
      { exchange: 'NFO', name: 'RELIANCE' },
    ]);
  });

  it('keeps a name whole when it holds a colon, and skips keys that name no underlying', () => {
    expect(underlyingsOf({ 'NFO:A:B': 1, 'NFO:': 1, NIFTY: 1 })).toEqual([{ exchange: 'NFO', name: 'A:B' }]);
  });

  it('keeps an expiry until 15:30 IST on its day, whatever day it is today', () => {
    const listed = ['2026-12-08', '2026-12-15', '2026-12-29'];
    const ist = (text: string) => Date.parse(`${text}+05:30`);
    expect(comingExpiries(listed, ist('2026-12-06T12:00:00'))).toEqual(listed); // a Sunday
    expect(comingExpiries(listed, ist('2026-12-08T15:29:59'))).toEqual(listed); // the expiry day, before the close
    expect(comingExpiries(listed, ist('2026-12-08T15:30:00'))).toEqual(['2026-12-15', '2026-12-29']); // at the close
    expect(comingExpiries(listed, ist('2026-12-30T09:15:00'))).toEqual([]);
  });
});
