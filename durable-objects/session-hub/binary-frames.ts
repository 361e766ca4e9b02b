import { type BinaryFrameType, binaryTickFrame } from '../../contracts/binary-tick-frame.ts';
import { cutToMode } from '../../contracts/kite-ticks/packet-layout.ts';
import { type Session, type SessionProtocol, sendRaw } from './session.ts';
import { v2Protocol } from './v2-protocol.ts';

/**
 * /v2/ws?format=binary (docs/websocket.md, "Binary ticks"): the /v2/ws
 * protocol in every message but the ticks, which go as binary frames of
 * Kite's packets cut to each instrument's mode
 * (contracts/binary-tick-frame.ts): no JSON is written for them.
 */
export const v2BinaryProtocol: SessionProtocol = {
  ...v2Protocol,
  write(session, snapshots) {
    const snapshotPackets = snapshots.map(({ packet, mode }) => cutToMode(packet, mode));
    sendPackets(session, 'snapshot', snapshotPackets);
    const packets: Uint8Array[] = [];
    session.outbox.takeDue((_token, mode, packet) => packets.push(cutToMode(packet, mode)));
    sendPackets(session, 'ticks', packets);
    return snapshotPackets.length + packets.length;
  },
};

function sendPackets(session: Session, type: BinaryFrameType, packets: readonly Uint8Array[]): void {
  if (packets.length > 0) sendRaw(session, binaryTickFrame(type, packets));
}
