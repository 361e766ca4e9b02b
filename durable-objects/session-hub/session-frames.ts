import { tickJson } from '../../contracts/kite-ticks/tick-json.ts';
import type { TickMode } from '../../contracts/origin-link.ts';

/**
 * What a hub sends its sessions, built once per flush and shared: a packet
 * cut down to a session's mode, its JSON in kiteconnect's field names, the
 * /v2/ws frames around them (Kite's binary frame for /kite/ws is
 * contracts/kite-ticks/frame.ts).
 */

/** Kite's lower modes are prefixes of the richer packets: ltp 8 B; index quote 28 / full 32; quote 44 / full 184. */
export function cutToMode(packet: Uint8Array, mode: TickMode): Uint8Array {
  const length = packet.byteLength;
  if (mode === 'ltp') return length > 8 ? packet.subarray(0, 8) : packet;
  if (mode === 'quote') {
    if (length === 184) return packet.subarray(0, 44);
    if (length === 32) return packet.subarray(0, 28);
  }
  // Full, or a packet already no richer than asked (the origin is still re-moding it).
  return packet;
}

/** Ticks as JSON text, each (token, mode) decoded and stringified at most once per flush. */
export class TickJson {
  readonly #cache = new Map<number, (string | undefined)[]>();

  of(token: number, packet: Uint8Array, mode: TickMode): string {
    let byMode = this.#cache.get(token);
    if (!byMode) {
      byMode = [];
      this.#cache.set(token, byMode);
    }
    const rank = mode === 'ltp' ? 0 : mode === 'quote' ? 1 : 2;
    let json = byMode[rank];
    if (json === undefined) {
      json = tickJson(cutToMode(packet, mode));
      byMode[rank] = json;
    }
    return json;
  }
}

/** A /v2/ws `ticks` or `snapshot` frame from ticks already in JSON. */
export function v2TickFrame(type: 'ticks' | 'snapshot', ticks: readonly string[]): string {
  return `{"type":"${type}","ticks":[${ticks.join(',')}]}`;
}

/** Kite's heartbeat: one byte, sent each second a /kite/ws session gets nothing else. */
export const KITE_HEARTBEAT = new Uint8Array([0]);
