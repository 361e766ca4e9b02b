import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { firstSyncAt, startSyncSchedule } from './sync-schedule.ts';

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date('2026-11-23T10:00:00+05:30'));
});
afterEach(() => {
  vi.useRealTimers();
});

describe('the daily instrument sync', () => {
  it('syncs at start, then every day at the configured IST time', async () => {
    const runs: string[] = [];
    const schedule = startSyncSchedule({ minuteIst: 8 * 60 + 30, run: async () => void runs.push(new Date().toISOString()), log: () => {} });
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toEqual(['2026-11-23T04:30:00.000Z']);
    expect(new Date(schedule.nextRunAt()).toISOString()).toBe('2026-11-24T03:00:00.000Z'); // 08:30 IST
    await vi.advanceTimersByTimeAsync(2 * 86_400_000);
    expect(runs).toEqual(['2026-11-23T04:30:00.000Z', '2026-11-24T03:00:00.000Z', '2026-11-25T03:00:00.000Z']);
    schedule.stop();
  });

  it('retries a failed sync until one succeeds, and says so', async () => {
    let failures = 2;
    const lines: string[] = [];
    const run = vi.fn(async () => {
      if (failures-- > 0) throw new Error('Kite answered HTTP 503');
    });
    const schedule = startSyncSchedule({ minuteIst: 510, run, log: (l) => lines.push(l), retryMs: 60_000 });
    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(60_000);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(run).toHaveBeenCalledTimes(3);
    expect(lines[0]).toMatch(/instrument sync failed \(Kite answered HTTP 503\); retrying at 2026-11-23T04:31:00.000Z/);
    expect(lines[2]).toMatch(/next instrument sync at 2026-11-24T03:00:00.000Z/);
    schedule.stop();
  });

  it('runs nothing more once stopped', async () => {
    const run = vi.fn(async () => {});
    const schedule = startSyncSchedule({ minuteIst: 510, run, log: () => {} });
    await vi.advanceTimersByTimeAsync(0);
    schedule.stop();
    await vi.advanceTimersByTimeAsync(3 * 86_400_000);
    expect(run).toHaveBeenCalledTimes(1);
  });

  it("skips the sync at start when the registry already holds the day's dump, and runs it at the next daily time", async () => {
    const at = (iso: string) => new Date(iso).getTime();
    const now = at('2026-11-23T10:00:00+05:30');
    const syncTime = 8 * 60 + 30;
    // Synced after today's 08:30 IST: nothing newer to fetch until tomorrow's.
    expect(firstSyncAt(now, syncTime, at('2026-11-23T08:45:00+05:30'))).toBe(at('2026-11-24T08:30:00+05:30'));
    // Synced before it (yesterday's dump, or today's before it was published), or never: at once.
    expect(firstSyncAt(now, syncTime, at('2026-11-23T08:29:00+05:30'))).toBe(now);
    expect(firstSyncAt(now, syncTime, null)).toBe(now);
    // Before today's sync time, yesterday's dump is the newest there is.
    const early = at('2026-11-23T07:00:00+05:30');
    expect(firstSyncAt(early, syncTime, at('2026-11-22T09:00:00+05:30'))).toBe(at('2026-11-23T08:30:00+05:30'));
    expect(firstSyncAt(early, syncTime, at('2026-11-22T08:00:00+05:30'))).toBe(early);

    const runs: string[] = [];
    const schedule = startSyncSchedule({
      minuteIst: syncTime,
      run: async () => void runs.push(new Date().toISOString()),
      log: () => {},
      firstRunAt: firstSyncAt(now, syncTime, at('2026-11-23T08:45:00+05:30')),
    });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(runs).toEqual([]);
    await vi.advanceTimersByTimeAsync(86_400_000);
    expect(runs).toEqual(['2026-11-24T03:00:00.000Z']);
    schedule.stop();
  });
});
