import type { InstrumentRef, Rejected } from '../../contracts/client-protocol.ts';
import type { GroupKey } from '../../contracts/instrument-group.ts';
import { edgeConfig } from '../../contracts/worker-config.ts';
import { DatabaseUnavailable, openDatabase } from '../../storage/database.ts';
import { type ResolvedInstrument, resolveInstruments } from '../../storage/resolve-instruments.ts';

/**
 * The instruments a control message names, resolved to their tokens, groups
 * and names (for the ack). A token the hub already carries needs no lookup:
 * its group is in the subscription index and its names are kept here while
 * any session holds it. The rest go to the instrument registry in one query.
 */
export type ResolvedGroup = Pick<ResolvedInstrument, 'instrument_token' | 'group' | 'exchange' | 'tradingsymbol'>;

export class InstrumentNames {
  readonly #env: Cloudflare.Env;
  readonly #names = new Map<number, { exchange: string; tradingsymbol: string }>();

  constructor(env: Cloudflare.Env) {
    this.#env = env;
  }

  /** `groupOf`: the group of a token the hub carries. Refs the registry does not know, or could not be asked about, are `failed`. */
  async resolve(
    refs: InstrumentRef[],
    groupOf: (token: number) => GroupKey | undefined,
  ): Promise<{ found: Map<InstrumentRef, ResolvedGroup>; failed: Rejected[] }> {
    const found = new Map<InstrumentRef, ResolvedGroup>();
    const failed: Rejected[] = [];
    const lookup: InstrumentRef[] = [];
    for (const ref of refs) {
      const group = typeof ref === 'number' ? groupOf(ref) : undefined;
      const named = group !== undefined ? this.#names.get(ref as number) : undefined;
      if (group !== undefined && named) found.set(ref, { instrument_token: ref as number, group, ...named });
      else lookup.push(ref);
    }
    if (lookup.length === 0) return { found, failed };
    try {
      const config = edgeConfig(this.#env);
      const { resolved } = await resolveInstruments(openDatabase(config.database, config.queryTimeoutMs), lookup);
      for (const ref of lookup) {
        const instrument: ResolvedInstrument | undefined = resolved.get(String(ref));
        if (instrument) {
          found.set(ref, instrument);
          this.#names.set(instrument.instrument_token, { exchange: instrument.exchange, tradingsymbol: instrument.tradingsymbol });
        } else failed.push({ instrument: ref, code: 'unknown_instrument', reason: 'no active instrument has this token or symbol' });
      }
    } catch (error) {
      if (!(error instanceof DatabaseUnavailable)) throw error;
      for (const ref of lookup) failed.push({ instrument: ref, code: 'unavailable', reason: 'the instrument registry is unavailable; try again' });
    }
    return { found, failed };
  }

  /** No session holds the token any more. */
  forget(token: number): void {
    this.#names.delete(token);
  }
}
