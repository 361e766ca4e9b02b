import { binaryTickFrame } from '../../contracts/binary-tick-frame.ts';
import { cutToMode } from '../../contracts/kite-ticks/packet-layout.ts';
import type { SessionProtocol } from './session.ts';
import { v2Protocol } from './v2-protocol.ts';

/**
 * /v2/ws?format=binary (docs/websocket.md, "Binary ticks"): the /v2/ws
 * protocol in every message but the ticks, which go as binary frames of
 * Kite's packets cut to each instrument's mode
 * (contracts/binary-tick-frame.ts): no JSON is written for them. Sessions
 * of one audience (session-audiences.ts) get the same bytes.
 */
export const v2BinaryProtocol: SessionProtocol = {
  ...v2Protocol,
  snapshotFrame(snapshots) {
    return binaryTickFrame(
      'snapshot',
      snapshots.map(({ packet, mode }) => cutToMode(packet, mode)),
    );
  },
  ticksFrame(due) {
    const packets: Uint8Array[] = [];
    due.takeDue((_token, mode, packet) => packets.push(cutToMode(packet, mode)));
    return packets.length === 0 ? undefined : { frame: binaryTickFrame('ticks', packets), ticks: packets.length };
  },
};
