import { cutToMode, HEARTBEAT_BYTES } from '../../contracts/kite-ticks/packet-layout.ts';
import { tickJson } from '../../contracts/kite-ticks/tick-json.ts';
import { MODE_RANK, type TickMode } from '../../contracts/origin-link.ts';

/**
 * What a hub sends its sessions, built once per flush and shared: a packet
 * cut down to a session's mode (packet-layout.ts's cutToMode), its JSON in kiteconnect's field names, the
 * /v2/ws frames around them (Kite's binary frame for /kite/ws is
 * contracts/kite-ticks/frame.ts).
 */

/** Ticks as JSON text, each (token, mode) decoded and stringified at most once per flush. */
export class TickJson {
  readonly #cache = new Map<number, (string | undefined)[]>();

  of(token: number, packet: Uint8Array, mode: TickMode): string {
    let byMode = this.#cache.get(token);
    if (!byMode) {
      byMode = [];
      this.#cache.set(token, byMode);
    }
    const rank = MODE_RANK[mode];
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
export const KITE_HEARTBEAT = new Uint8Array(HEARTBEAT_BYTES);
