import type { InstrumentRef, Rejected } from '../../contracts/client-protocol.ts';
import type { GroupKey } from '../../contracts/instrument-group.ts';
import { edgeConfig } from '../../contracts/worker-config.ts';
import { DatabaseUnavailable, openDatabase } from '../../storage/database.ts';
import { type ResolvedInstrument, resolveInstruments } from '../../storage/resolve-instruments.ts';

/**
 * The instruments a control message names, resolved to their tokens, groups
 * and names (for the ack). A token the hub resolved in the last
 * NAMES_KEPT_MS needs no lookup, held or not: when every session drops at
 * once (a network blip) and comes back, the reconnect storm's subscribes
 * would otherwise each go to the registry again, each in a connection of
 * its own. The rest go to the instrument registry in one query. At most MAX_NAMES are kept (the
 * oldest go first), so the memory is bounded whatever the sessions ask.
 */
export type ResolvedGroup = Pick<ResolvedInstrument, 'instrument_token' | 'group' | 'exchange' | 'tradingsymbol'>;

/** How long a resolved token is answered from memory: a registry sync that moved it is seen within this. */
const NAMES_KEPT_MS = 10 * 60_000;
const MAX_NAMES = 50_000;

export class InstrumentNames {
  readonly #env: Cloudflare.Env;
  /** By token, oldest resolution first. */
  readonly #names = new Map<number, { resolved: ResolvedGroup; at: number }>();

  constructor(env: Cloudflare.Env) {
    this.#env = env;
  }

  /** `groupOf`: the group of a token the hub carries (its subscription index's word wins). Refs the registry does not know, or could not be asked about, are `failed`. */
  async resolve(
    refs: InstrumentRef[],
    groupOf: (token: number) => GroupKey | undefined,
  ): Promise<{ found: Map<InstrumentRef, ResolvedGroup>; failed: Rejected[] }> {
    const found = new Map<InstrumentRef, ResolvedGroup>();
    const failed: Rejected[] = [];
    const lookup: InstrumentRef[] = [];
    const now = Date.now();
    for (const ref of refs) {
      const kept = typeof ref === 'number' ? this.#names.get(ref) : undefined;
      if (kept && now - kept.at < NAMES_KEPT_MS) found.set(ref, { ...kept.resolved, group: groupOf(ref as number) ?? kept.resolved.group });
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
          this.#keep(instrument, Date.now());
        } else failed.push({ instrument: ref, code: 'unknown_instrument', reason: 'no active instrument has this token or symbol' });
      }
    } catch (error) {
      if (!(error instanceof DatabaseUnavailable)) throw error;
      for (const ref of lookup) failed.push({ instrument: ref, code: 'unavailable', reason: 'the instrument registry is unavailable; try again' });
    }
    return { found, failed };
  }

  #keep({ instrument_token, group, exchange, tradingsymbol }: ResolvedGroup, at: number): void {
    this.#names.delete(instrument_token);
    this.#names.set(instrument_token, { resolved: { instrument_token, group, exchange, tradingsymbol }, at });
    if (this.#names.size > MAX_NAMES) this.#names.delete(this.#names.keys().next().value as number);
  }
}
