/**
 * Resident memory over a soak, per part of the platform: where it started,
 * its peak, where it ended, and how fast it grew once the load was steady;
 * and the part's mean CPU over the steady samples, to read it by.
 *
 * Growth is the slope of a least-squares line through the steady samples
 * (from when every session had opened to the end), in MB a minute: the
 * first and last samples alone would read a garbage collection that
 * happened to fall at either end as growth or shrinkage.
 */
export type MemorySample = {
  at: number;
  /** Bytes resident per part (summed over its processes); a part with no process at that moment is absent. */
  rss: Record<string, number>;
  processes: Record<string, number>;
  /** Percent of one core per part since the previous sample (absent in the first). */
  cpu: Record<string, number>;
};

export type PartMemory = {
  part: string;
  /** The most processes the part had at once. */
  processes: number;
  startMb: number;
  peakMb: number;
  endMb: number;
  /** MB a minute over the steady samples; null with fewer than MIN_STEADY_SAMPLES of them or under MIN_STEADY_MS. */
  growthMbPerMin: number | null;
  /** Mean percent of one core over the steady samples; null without any. */
  cpuPercent: number | null;
};

const MB = 1024 * 1024;
const MIN_STEADY_SAMPLES = 3;
const MIN_STEADY_MS = 20_000;

export function summarizeMemory(samples: readonly MemorySample[], steadyFrom: number): PartMemory[] {
  const parts = new Set(samples.flatMap((s) => Object.keys(s.rss)));
  return [...parts].map((part) => {
    const series = samples.flatMap((s) => (s.rss[part] === undefined ? [] : [{ at: s.at, bytes: s.rss[part] as number }]));
    const steady = series.filter((s) => s.at >= steadyFrom);
    const cpu = samples.flatMap((s) => (s.at >= steadyFrom && s.cpu[part] !== undefined ? [s.cpu[part] as number] : []));
    return {
      part,
      processes: Math.max(...samples.map((s) => s.processes[part] ?? 0)),
      startMb: (series[0]?.bytes ?? 0) / MB,
      peakMb: Math.max(...series.map((s) => s.bytes)) / MB,
      endMb: (series.at(-1)?.bytes ?? 0) / MB,
      growthMbPerMin: growthPerMinute(steady),
      cpuPercent: cpu.length === 0 ? null : cpu.reduce((a, b) => a + b, 0) / cpu.length,
    };
  });
}

function growthPerMinute(series: { at: number; bytes: number }[]): number | null {
  const first = series[0];
  const last = series.at(-1);
  if (!first || !last || series.length < MIN_STEADY_SAMPLES || last.at - first.at < MIN_STEADY_MS) return null;
  const meanT = series.reduce((n, s) => n + s.at, 0) / series.length;
  const meanB = series.reduce((n, s) => n + s.bytes, 0) / series.length;
  let covariance = 0;
  let variance = 0;
  for (const s of series) {
    covariance += (s.at - meanT) * (s.bytes - meanB);
    variance += (s.at - meanT) ** 2;
  }
  return ((covariance / variance) * 60_000) / MB;
}
