import { describe, expect, it } from 'vitest';
import { type MemorySample, summarizeMemory } from './memory-summary.ts';

const MB = 1024 * 1024;
const sample = (at: number, rss: Record<string, number>, processes: Record<string, number> = {}, cpu: Record<string, number> = {}): MemorySample => ({
  at,
  rss: Object.fromEntries(Object.entries(rss).map(([part, mb]) => [part, mb * MB])),
  processes: { ...Object.fromEntries(Object.keys(rss).map((part) => [part, 1])), ...processes },
  cpu,
});

describe('summarizeMemory', () => {
  it('reads start, peak, end and the steady growth per minute of each part', () => {
    // workerd climbs while sessions open (0–30 s), then grows 2 MB a minute; the origin is flat.
    const samples = [0, 10, 20, 30, 60, 90, 120].map((s) =>
      sample(
        s * 1000,
        { workerd: s <= 30 ? 100 + s * 10 : 400 + ((s - 30) / 60) * 2, origin: 70 },
        { workerd: 2 },
        s === 0 ? {} : { workerd: s <= 30 ? 90 : s },
      ),
    );
    const [workerd, origin] = summarizeMemory(samples, 30_000);
    // CPU over the steady samples (30 s on): 90, 60, 90, 120.
    expect(workerd).toMatchObject({ part: 'workerd', processes: 2, startMb: 100, peakMb: 403, endMb: 403, cpuPercent: 90 });
    expect(workerd?.growthMbPerMin).toBeCloseTo(2, 6);
    expect(origin).toMatchObject({ part: 'origin', startMb: 70, peakMb: 70, endMb: 70, growthMbPerMin: 0, cpuPercent: null });
  });

  it('reads through a garbage collection: the fitted line, not the last sample', () => {
    const samples = [0, 10, 20, 30, 40, 50, 60].map((s) => sample(s * 1000, { wrangler: s === 60 ? 180 : 200 }));
    const [wrangler] = summarizeMemory(samples, 0);
    expect(wrangler?.endMb).toBe(180);
    expect(wrangler?.growthMbPerMin).toBeGreaterThan(-20);
    expect(wrangler?.growthMbPerMin).toBeLessThan(0);
  });

  it('skips the moments a part had no process (the origin being restarted), and gives no growth from too short a steady time', () => {
    const samples = [sample(0, { origin: 60, workerd: 90 }), sample(5_000, { workerd: 91 }), sample(10_000, { origin: 75, workerd: 92 })];
    const summary = summarizeMemory(samples, 0);
    expect(summary.find((p) => p.part === 'origin')).toMatchObject({ startMb: 60, peakMb: 75, endMb: 75, growthMbPerMin: null });
    expect(summary.find((p) => p.part === 'workerd')?.growthMbPerMin).toBeNull();
  });
});
