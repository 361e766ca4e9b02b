import { seededRandom } from '../../kite-sim/seeded-random.ts';
import { subscriptionSets } from '../fanout-sessions.ts';
import type { Findings } from './findings.ts';
import type { PoolInstrument } from './instrument-pool.ts';
import type { Exposure, RecoveryTracker } from './recovery-tracker.ts';
import type { SoakUser } from './soak-accounts.ts';
import { type FleetCounters, type SessionPlan, type SessionWorld, SoakSession } from './soak-session.ts';
import type { TickLedger } from './tick-ledger.ts';

/**
 * All of the soak's sessions. Each user has SESSIONS_PER_USER of them: a
 * fifth /v2/ws with the user's access token, three fifths /v2/ws with one
 * of its API keys, a fifth /kite/ws with one of its API keys, about ten per
 * credential (half the edge's limit of 20, so leaving and coming back
 * never trips it). Watchlists are drawn as the fan-out bench draws them
 * (bench/fanout-sessions.ts), smaller: WATCHLIST instruments, two of them
 * from the 40 most watched, the first held in full mode (the session's
 * anchor, session-behaviour.ts).
 */
export const SESSIONS_PER_USER = 50;
export const KEYS_PER_USER = 4;
const WATCHLIST = { perSession: 8, popular: 40, popularPicks: 2 };
/** Upgrades and first subscriptions in flight at once while the sessions open. */
const OPEN_CONCURRENCY = 20;

export type FleetOptions = {
  sessions: number;
  seed: number;
  wsBase: string;
  pool: readonly PoolInstrument[];
  users: readonly SoakUser[];
  findings: Findings;
  ledger: TickLedger;
  recovery: RecoveryTracker;
};

export class SessionFleet {
  readonly counters: FleetCounters = {
    open: 0,
    peakOpen: 0,
    opens: 0,
    resumes: 0,
    leaves: 0,
    drops: 0,
    serverCloses: 0,
    refusedOpens: 0,
    hijackAttempts: 0,
    alerts: 0,
    actions: { switch: 0, mode: 0, ping: 0, leave: 0, drop: 0 },
  };
  readonly sessions: SoakSession[];
  /** Sessions per protocol and credential, as planned. */
  readonly mix: { v2AccessToken: number; v2ApiKey: number; kiteApiKey: number };

  constructor(options: FleetOptions) {
    const random = seededRandom(options.seed);
    const watchlists = subscriptionSets(
      options.pool.map((i) => i.token),
      options.sessions,
      options.seed,
      WATCHLIST,
    );
    const plans = watchlists.map((watchlist, slot) =>
      plan(slot, options.users, [{ ...(watchlist[0] as (typeof watchlist)[0]), mode: 'full' }, ...watchlist.slice(1)]),
    );
    this.mix = {
      v2AccessToken: plans.filter((p) => p.protocol === 'v2' && !p.key).length,
      v2ApiKey: plans.filter((p) => p.protocol === 'v2' && p.key).length,
      kiteApiKey: plans.filter((p) => p.protocol === 'kite').length,
    };
    const world: SessionWorld = {
      wsBase: options.wsBase,
      instruments: new Map(options.pool.map((i) => [i.token, i])),
      findings: options.findings,
      ledger: options.ledger,
      recovery: options.recovery,
      counters: this.counters,
      random,
      thief: (victim) => thief(victim, options.users, random),
    };
    this.sessions = plans.map((p) => new SoakSession(p, world));
  }

  /** Starts every session, OPEN_CONCURRENCY at a time; resolves once each has subscribed (or failed to) once. */
  async open(signal: AbortSignal): Promise<void> {
    const inFlight = new Set<Promise<void>>();
    for (const session of this.sessions) {
      if (signal.aborted) break;
      const first = session.start();
      inFlight.add(first);
      void first.then(() => inFlight.delete(first));
      if (inFlight.size >= OPEN_CONCURRENCY) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  }

  /** The open sessions and their full-mode instruments, as a fault begins. */
  exposures(): Exposure[] {
    return this.sessions.filter((s) => s.isOpen).map((s) => ({ slot: s.plan.slot, full: s.fullHeld() }));
  }

  /** The group whose full-mode instruments the most open sessions hold: the restart that reaches the most. */
  busiestGroup(): string | undefined {
    const holders = new Map<string, number>();
    for (const { full } of this.exposures()) for (const group of new Set(full.map((f) => f.group))) holders.set(group, (holders.get(group) ?? 0) + 1);
    return [...holders].sort((a, b) => b[1] - a[1])[0]?.[0];
  }

  async stop(): Promise<void> {
    await Promise.all(this.sessions.map((s) => s.stop()));
  }
}

/** Slot n is the (n / users)th session of user n % users; its place among the user's sessions picks its protocol and credential. */
function plan(slot: number, users: readonly SoakUser[], watchlist: SessionPlan['watchlist']): SessionPlan {
  const user = users[slot % users.length] as SoakUser;
  const place = Math.floor(slot / users.length);
  const key = user.apiKeys[place % user.apiKeys.length] ?? null;
  const kind = place % 5;
  if (kind === 0) return { slot, protocol: 'v2', user, key: null, watchlist };
  return { slot, protocol: kind === 4 ? 'kite' : 'v2', user, key, watchlist };
}

/** Half the time another credential of the same user, half the time another user's. */
function thief(victim: SessionPlan, users: readonly SoakUser[], random: () => number): SessionPlan {
  const others = users.filter((u) => u !== victim.user);
  if (random() < 0.5 || others.length === 0) {
    // Another key, or the user's access token when the victim holds the only key.
    return { ...victim, protocol: 'v2', key: victim.user.apiKeys.find((k) => k !== victim.key) ?? null };
  }
  const user = others[Math.floor(random() * others.length)] as SoakUser;
  return { ...victim, protocol: 'v2', user, key: victim.key ? (user.apiKeys[0] ?? null) : null };
}
