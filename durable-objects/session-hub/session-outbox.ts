/**
 * What a hub holds for one session between flushes: the latest packet of
 * each instrument due (a newer tick replaces an unsent older one, so a
 * session that cannot keep up gets merged state, never a growing queue),
 * snapshots due (sent first), and whether the socket is keeping up.
 *
 * Live ticks go into a slot per instrument, made at its first tick and kept
 * while the session holds it, with a list of the slots due: a steady stream
 * costs no map insert or delete per tick, and leaves no garbage of maps
 * emptied and refilled every few milliseconds (README, Benchmarks).
 *
 * Bounded by construction: at most one slot and one snapshot per subscribed
 * instrument, so a session costs at most 2 × its instrument limit × the
 * longest packet (MAX_PACKET_LENGTH) in bytes here, however slow it reads.
 */
import type { TickMode } from '../../contracts/origin-link.ts';

export type OutboxVerdict = 'send' | 'hold' | 'close';

export type SlowBound = {
  /** Unsent bytes on the socket above which ticks are held and merged. */
  bytes: number;
  /** How long a session may stay above the bound before it is closed. */
  closeAfterMs: number;
};

/** One instrument's live tick due for a session: its mode when it ticked, and the packet (null once written). */
type Slot = { token: number; mode: TickMode; packet: Uint8Array | null };

export class SessionOutbox {
  /** Snapshots due (a new subscription's latest tick), sent before live ticks. */
  readonly snapshot = new Map<number, Uint8Array>();
  readonly #slots = new Map<number, Slot>();
  /** The slots with a packet due, in the order their instruments first ticked since the last write. */
  #due: Slot[] = [];
  #slowSince: number | null = null;

  /** When the socket went over the bound, or null while it keeps up. */
  get slowSince(): number | null {
    return this.#slowSince;
  }

  /** Packets held: snapshots and live ticks due. */
  get size(): number {
    let due = 0;
    for (const slot of this.#due) if (slot.packet) due++;
    return this.snapshot.size + due;
  }

  /** A live tick, in the mode the session holds it in; it replaces one of the same instrument not yet written (then: true, conflated). */
  put(token: number, mode: TickMode, packet: Uint8Array): boolean {
    let slot = this.#slots.get(token);
    if (!slot) {
      slot = { token, mode, packet: null };
      this.#slots.set(token, slot);
    }
    const replaced = slot.packet !== null;
    if (!replaced) this.#due.push(slot);
    slot.mode = mode;
    slot.packet = packet;
    return replaced;
  }

  /** Hands over the live ticks due, oldest first, and empties them. */
  takeDue(visit: (token: number, mode: TickMode, packet: Uint8Array) => void): void {
    for (const slot of this.#due) {
      if (slot.packet === null) continue; // forgotten since it was due
      visit(slot.token, slot.mode, slot.packet);
      slot.packet = null;
    }
    this.#due.length = 0;
  }

  /** The live ticks due, oldest first, left due (a slow session leaving a shared audience takes a copy). */
  forEachDue(visit: (token: number, mode: TickMode, packet: Uint8Array) => void): void {
    for (const slot of this.#due) if (slot.packet !== null) visit(slot.token, slot.mode, slot.packet);
  }

  /** Whether to write now, given the socket's unsent bytes (WebSocket.bufferedAmount). */
  verdict(buffered: number, now: number, bound: SlowBound): OutboxVerdict {
    if (buffered <= bound.bytes) {
      this.#slowSince = null;
      return 'send';
    }
    this.#slowSince ??= now;
    return now - this.#slowSince > bound.closeAfterMs ? 'close' : 'hold';
  }

  /** The session no longer holds `token`: nothing of it is written, and its slot goes. */
  forget(token: number): void {
    this.snapshot.delete(token);
    const slot = this.#slots.get(token);
    if (slot) slot.packet = null;
    this.#slots.delete(token);
  }
}
