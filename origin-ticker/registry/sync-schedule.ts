import { nextDailyIst } from '../../contracts/ist-clock.ts';

const DAY_MS = 86_400_000;

/**
 * Keeps the registry current: a sync at start unless the registry already
 * holds the day's dump (firstSyncAt), then every day at a fixed IST time
 * (after Kite publishes the day's dump). A failed sync is retried
 * every `retryMs` until one succeeds or the next daily run is due; the
 * registry keeps serving the last good dataset meanwhile.
 */
export type SyncSchedule = { stop(): void; nextRunAt(): number };

export function startSyncSchedule(options: {
  minuteIst: number;
  run: () => Promise<unknown>;
  log: (line: string) => void;
  retryMs?: number;
  now?: () => number;
  /** When the first sync runs; default at once. */
  firstRunAt?: number;
}): SyncSchedule {
  const now = options.now ?? Date.now;
  const retryMs = options.retryMs ?? 5 * 60_000;
  let timer: NodeJS.Timeout | undefined;
  let next = now();
  let stopped = false;

  const plan = (at: number) => {
    if (stopped) return;
    next = at;
    timer = setTimeout(tick, Math.max(0, at - now()));
  };

  async function tick(): Promise<void> {
    const daily = nextDailyIst(now(), options.minuteIst);
    try {
      await options.run();
      plan(daily);
      options.log(`next instrument sync at ${new Date(daily).toISOString()}`);
    } catch (error) {
      const retry = Math.min(now() + retryMs, daily);
      options.log(`instrument sync failed (${(error as Error).message}); retrying at ${new Date(retry).toISOString()}`);
      plan(retry);
    }
  }

  plan(options.firstRunAt ?? now());
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
    nextRunAt: () => next,
  };
}

/**
 * When a starting origin first syncs: at once, unless the newest dataset
 * was synced after the latest daily sync time (the day's dump is already
 * loaded), then at the next daily time. A restart then costs no sync: a
 * whole one rewrote 100,000 rows and kept Postgres, and the edge's alert
 * writes with it, busy for about 20 s after every restart (the soak saw
 * sessions stall for 15 s).
 */
export function firstSyncAt(now: number, minuteIst: number, lastSyncedAt: number | null): number {
  const next = nextDailyIst(now, minuteIst);
  return lastSyncedAt !== null && lastSyncedAt >= next - DAY_MS ? next : now;
}
