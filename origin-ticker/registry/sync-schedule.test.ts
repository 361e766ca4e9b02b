import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startSyncSchedule } from './sync-schedule.ts';

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
});
