import type { ServerMessage } from '../../contracts/client-protocol.ts';
import { applyChainUpdate, type FnoChain } from '../../contracts/fno-chain.ts';
import type { ChainStreamKey, GroupToHub } from '../../contracts/hub-link.ts';
import type { GroupKey } from '../../contracts/instrument-group.ts';
import { SessionStreams } from './session-streams.ts';

/**
 * The option chains a hub's sessions stream (docs/websocket.md,
 * `subscribe_chain`): one stream per (group, expiry, window) however many
 * sessions hold it, named to its group over the hub's link (`chains`), and
 * the chain as the group's frames leave it, so a session joining a stream
 * gets it whole at once and every update is applied once here and fanned
 * out as it came. The streams live in memory; each session's chains
 * (`chainsOf`) are also stored with the session (session-store.ts), so a
 * resumed session, or one whose hub restarted, joins them again.
 */
type Stream = { group: GroupKey; name: string; expiry: string; window: number | null; chain: FnoChain | null; sessions: Set<string> };

/** One chain a session streams, as the hub stores it with the session. */
export type HeldChain = { group: GroupKey; name: string; expiry: string; window: number | null };

export type ChainFrame = Extract<ServerMessage, { type: 'chain' | 'chain_update' }>;

export class HubChains {
  readonly #streams = new SessionStreams<Stream>();

  /** How many chains a session streams. */
  countOf(session: string): number {
    return this.#streams.countOf(session);
  }

  has(session: string, name: string, expiry: string, window: number | null): boolean {
    return this.#find(session, name, expiry, window) !== undefined;
  }

  /** A session joins a stream; `isNew` when the hub did not stream it (the group must hear of it), and the chain as held. */
  subscribe(session: string, group: GroupKey, name: string, expiry: string, window: number | null): { isNew: boolean; chain: FnoChain | null } {
    const { stream, isNew } = this.#streams.join(session, streamKey(group, expiry, window), () => ({
      group,
      name,
      expiry,
      window,
      chain: null,
      sessions: new Set(),
    }));
    return { isNew, chain: stream.chain };
  }

  /** A session leaves a stream; the group whose streams changed (the last session left), if any. */
  unsubscribe(session: string, name: string, expiry: string, window: number | null): GroupKey | undefined {
    const key = this.#find(session, name, expiry, window);
    return key === undefined ? undefined : this.#streams.leave(session, key);
  }

  /** A session ended: the groups whose streams changed. */
  dropSession(session: string): Set<GroupKey> {
    return this.#streams.dropSession(session);
  }

  /** The chains a session streams, to store with it. */
  chainsOf(session: string): HeldChain[] {
    const held: HeldChain[] = [];
    for (const key of this.#streams.keysOf(session)) {
      const stream = this.#streams.get(key);
      if (stream) held.push({ group: stream.group, name: stream.name, expiry: stream.expiry, window: stream.window });
    }
    return held;
  }

  /** Every stream the hub holds, with how many sessions hold it (operators and tests). */
  list(): (HeldChain & { sessions: number })[] {
    return [...this.#streams.values()].map(({ group, name, expiry, window, sessions }) => ({ group, name, expiry, window, sessions: sessions.size }));
  }

  /** What the hub names to a group: its streams there. */
  streamsOf(group: GroupKey): ChainStreamKey[] {
    const streams: ChainStreamKey[] = [];
    for (const stream of this.#streams.values()) if (stream.group === group) streams.push({ expiry: stream.expiry, window: stream.window });
    return streams;
  }

  /** A group's link dropped: its streams start over (the next link sends each chain whole). */
  lost(group: GroupKey): void {
    for (const stream of this.#streams.values()) if (stream.group === group) stream.chain = null;
  }

  /**
   * A chain frame from a group: applied to the stream's chain, and what to
   * send to which sessions. An update for a stream without a chain (it
   * started over) is dropped: the group sends the chain whole next.
   */
  onFrame(group: GroupKey, frame: Extract<GroupToHub, { type: 'chain' | 'chain_update' }>): { sessions: Set<string>; message: ChainFrame } | undefined {
    const expiry = frame.type === 'chain' ? frame.chain.expiry : frame.update.expiry;
    const stream = this.#streams.get(streamKey(group, expiry, frame.window));
    if (!stream) return undefined;
    if (frame.type === 'chain') {
      stream.chain = frame.chain;
      return { sessions: stream.sessions, message: { type: 'chain', window: frame.window, ...frame.chain } };
    }
    if (!stream.chain) return undefined;
    stream.chain = applyChainUpdate(stream.chain, frame.update);
    return { sessions: stream.sessions, message: { type: 'chain_update', window: frame.window, ...frame.update } };
  }

  #find(session: string, name: string, expiry: string, window: number | null): string | undefined {
    for (const key of this.#streams.keysOf(session)) {
      const stream = this.#streams.get(key);
      if (stream?.name === name && stream.expiry === expiry && stream.window === window) return key;
    }
    return undefined;
  }
}

const streamKey = (group: GroupKey, expiry: string, window: number | null) => `${group}|${expiry}|${window ?? ''}`;
