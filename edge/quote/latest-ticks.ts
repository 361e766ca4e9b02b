import type { GroupKey } from '../../contracts/instrument-group.ts';
import { decodePacket } from '../../contracts/kite-ticks/decode.ts';
import type { Tick } from '../../contracts/kite-ticks/tick.ts';
import type { MissingReason } from '../../contracts/quote-api.ts';
import { instrumentGroup } from '../../durable-objects/stubs.ts';
import type { Database } from '../../storage/database.ts';
import { type ResolvedInstrument, resolveInstruments } from '../../storage/resolve-instruments.ts';

/**
 * The latest tick of each named instrument, as the group Durable Objects
 * hold them: resolve the names (one query, or none when cached), group the
 * tokens by group key, ask each group once for its tokens (in parallel),
 * decode Kite's packets.
 *
 * Each instrument that gets no tick says why, in `missing` (MissingReason).
 */

export type HeldTick = { instrument: ResolvedInstrument; tick: Tick; receivedAt: number };

export type LatestTicks = {
  /** By the name as the caller gave it, in the order given. */
  held: Map<string, HeldTick>;
  missing: Map<string, MissingReason>;
};

/** `refs`: each name as given (the answer's key) and what it parsed to. */
export async function latestTicks(env: Cloudflare.Env, db: Database, refs: readonly { key: string; ref: number | string }[]): Promise<LatestTicks> {
  const resolution = await resolveInstruments(
    db,
    refs.map((r) => r.ref),
  );
  const byGroup = new Map<GroupKey, Set<number>>();
  for (const instrument of resolution.resolved.values()) {
    const tokens = byGroup.get(instrument.group) ?? new Set<number>();
    tokens.add(instrument.instrument_token);
    byGroup.set(instrument.group, tokens);
  }
  const answers = await Promise.all(
    [...byGroup].map(async ([group, tokens]) => {
      try {
        const packets = await instrumentGroup(env, group).latest([...tokens]);
        return { group, packets };
      } catch (error) {
        console.error(`quote: group ${group} did not answer latest(): ${error instanceof Error ? error.message : String(error)}`);
        return { group, packets: undefined };
      }
    }),
  );
  const ticks = new Map<number, { tick: Tick; receivedAt: number }>();
  const silentGroups = new Set<GroupKey>();
  for (const { group, packets } of answers) {
    if (!packets) {
      silentGroups.add(group);
      continue;
    }
    for (const held of packets) ticks.set(held.token, { tick: decodePacket(fromBase64(held.packet)), receivedAt: held.received_at });
  }

  const result: LatestTicks = { held: new Map(), missing: new Map() };
  for (const { key, ref } of refs) {
    const instrument = resolution.resolved.get(String(ref));
    if (!instrument) {
      result.missing.set(key, 'unknown_instrument');
      continue;
    }
    const latest = ticks.get(instrument.instrument_token);
    if (latest) result.held.set(key, { instrument, ...latest });
    else result.missing.set(key, silentGroups.has(instrument.group) ? 'unavailable' : 'no_tick');
  }
  return result;
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
