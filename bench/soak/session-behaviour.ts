import type { ClientMode } from '../../contracts/client-protocol.ts';

/**
 * What a soak session does next, and with what: the random part of its
 * behaviour, apart from the sockets, so it can be read (and tested) as a
 * whole. A session acts every ACTION_MEAN_MS on average (exponentially
 * distributed, so sessions do not act in step): it switches instruments,
 * changes modes, pings, leaves and comes back a little later as a new
 * session, or loses its socket and comes back to resume it. Its first
 * instrument, held in full mode, is its anchor: never dropped or re-moded,
 * so every session always holds an instrument whose ticks carry their
 * round (tick-ledger.ts, recovery-tracker.ts).
 */
export type Action = 'switch' | 'mode' | 'ping' | 'leave' | 'drop';

export const ACTION_MEAN_MS = 20_000;
/** Most instruments a session holds: switches add one or two and drop up to two, within MIN_HELD..MAX_HELD. */
const MAX_HELD = 12;
const MIN_HELD = 3;
const MODES: ClientMode[] = ['ltp', 'quote', 'full'];

/** Each protocol's actions, with their shares (Kite's protocol has no ping). */
const ACTIONS: Record<'v2' | 'kite', [Action, number][]> = {
  v2: [
    ['switch', 0.4],
    ['mode', 0.3],
    ['ping', 0.1],
    ['leave', 0.11],
    ['drop', 0.09],
  ],
  kite: [
    ['switch', 0.45],
    ['mode', 0.35],
    ['leave', 0.11],
    ['drop', 0.09],
  ],
};

export function nextActionInMs(random: () => number): number {
  return -Math.log(1 - random()) * ACTION_MEAN_MS;
}

export function chooseAction(protocol: 'v2' | 'kite', random: () => number): Action {
  let r = random();
  for (const [action, share] of ACTIONS[protocol]) {
    r -= share;
    if (r < 0) return action;
  }
  return 'switch';
}

/** How long a session stays away: a leave is a user closing a tab and opening it again; a drop, a network blip. */
export function awayMs(how: 'leave' | 'drop' | 'refused', random: () => number): number {
  const [from, to] = how === 'leave' ? [1_000, 10_000] : how === 'drop' ? [1_000, 4_000] : [2_000, 6_000];
  return from + random() * (to - from);
}

/**
 * A switch: up to two held instruments (not the anchor) to drop and one or
 * two others to add, from `candidates` (the caller's pool, less what the
 * session holds or still waits on), each added one in a random mode.
 */
export function pickSwitch(
  held: readonly number[],
  anchor: number,
  candidates: readonly number[],
  random: () => number,
): { drop: number[]; add: number[]; mode: ClientMode } {
  const droppable = held.filter((t) => t !== anchor);
  const addCount = Math.min(1 + Math.floor(random() * 2), candidates.length);
  const dropRoom = Math.max(0, held.length + addCount - MIN_HELD);
  const dropCount = Math.min(droppable.length, dropRoom, held.length + addCount > MAX_HELD ? 2 : Math.floor(random() * 3));
  return { drop: sample(droppable, dropCount, random), add: sample(candidates, addCount, random), mode: pickMode(random) };
}

/** One or two held instruments (not the anchor) and a mode each is not in now; nothing when only the anchor is held. */
export function pickModeChange(held: ReadonlyMap<number, ClientMode>, anchor: number, random: () => number): { tokens: number[]; mode: ClientMode } {
  const mode = pickMode(random);
  const changeable = [...held].filter(([t, m]) => t !== anchor && m !== mode).map(([t]) => t);
  return { tokens: sample(changeable, Math.min(changeable.length, 1 + Math.floor(random() * 2)), random), mode };
}

function pickMode(random: () => number): ClientMode {
  return MODES[Math.floor(random() * MODES.length)] as ClientMode;
}

function sample(from: readonly number[], count: number, random: () => number): number[] {
  const left = [...from];
  const picked: number[] = [];
  while (picked.length < count && left.length > 0) picked.push(left.splice(Math.floor(random() * left.length), 1)[0] as number);
  return picked;
}
