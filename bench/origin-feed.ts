import { execFileSync } from 'node:child_process';
import { startDevStack } from '../dev/dev-stack.ts';
import { buildUniverse } from '../kite-sim/universe.ts';
import type { OriginHealth } from '../origin-ticker/http/origin-health.ts';
import { cpuSeconds, residentBytes } from './proc-usage.ts';

/**
 * The origin carrying 9,000 full-mode instruments at one tick a second:
 * the whole local stack (`npm run dev` in a temporary directory) with the
 * instruments pinned, so the origin holds its Kite connections to the
 * simulator and its links to the group objects in wrangler dev. CPU and
 * resident memory are read from /proc for the origin process alone, over
 * a window after every instrument is live, against the budget
 * (5 % of a core, 80 MB) and the old Python service (a quarter of a core
 * and about 290 MB for 442 instruments).
 */
type Row = { name: string; baseline: string; ratio: number; detail: string };

const INSTRUMENTS = 9000;
const WINDOW_MS = 10_000;

export async function benchOriginFeed(): Promise<Row[]> {
  // The simulator's universe (seed 1, today), as the dev simulator builds it.
  const tokens = buildUniverse({ seed: 1, today: new Date() })
    .instruments.filter((_, i) => i % 11 === 0)
    .slice(0, INSTRUMENTS)
    .map((i) => i.instrument_token);
  const stack = await startDevStack({ PINNED_INSTRUMENTS: tokens.join(','), ORIGIN_STANDBY: '0' });
  try {
    const origin = stack.originUrl;
    const health = async () => (await (await fetch(`${origin}/health`)).json()) as OriginHealth;
    const started = Date.now();
    for (;;) {
      const h = await health();
      const carried = h.accounts
        .flatMap((a) => a.connections)
        .filter((c) => c.state === 'live')
        .reduce((n, c) => n + c.instruments, 0);
      if (carried === INSTRUMENTS && h.edge.groups.length > 0 && h.edge.groups.every((g) => g.connected)) break;
      if (Date.now() - started > 60_000)
        throw new Error(`the origin did not carry ${INSTRUMENTS} instruments within 60 s: ${JSON.stringify(h.kite)} ${carried}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const pid = Number(
      execFileSync('pgrep', ['-f', '-P', String(stack.pid), 'origin-ticker/main.ts'])
        .toString()
        .trim()
        .split('\n')[0],
    );
    await new Promise((r) => setTimeout(r, 3_000)); // past the subscription burst
    const before = { cpu: cpuSeconds(pid), ticks: (await health()).accounts.flatMap((a) => a.connections).reduce((n, c) => n + c.ticks, 0) };
    const peak = { total: 0, anonymous: 0 };
    const until = Date.now() + WINDOW_MS;
    while (Date.now() < until) {
      const now = residentBytes(pid);
      peak.total = Math.max(peak.total, now.total);
      peak.anonymous = Math.max(peak.anonymous, now.anonymous);
      await new Promise((r) => setTimeout(r, 250));
    }
    const after = await health();
    const corePercent = ((cpuSeconds(pid) - before.cpu) / (WINDOW_MS / 1000)) * 100;
    const ticksPerSecond = (after.accounts.flatMap((a) => a.connections).reduce((n, c) => n + c.ticks, 0) - before.ticks) / (WINDOW_MS / 1000);
    const mb = (bytes: number) => bytes / 1024 / 1024;
    return [
      {
        name: `origin CPU, ${INSTRUMENTS} full-mode instruments at 1 tick/s`,
        baseline: '5 % of a core (budget)',
        ratio: corePercent / 5,
        detail: `${corePercent.toFixed(1)} % of a core, ${Math.round(ticksPerSecond)} ticks/s to ${after.edge.groups.length} group links (old service: ~25 % for 442)`,
      },
      {
        name: `origin memory, ${INSTRUMENTS} full-mode instruments`,
        baseline: '80 MB resident (budget)',
        ratio: mb(peak.total) / 80,
        detail: `${mb(peak.total).toFixed(0)} MB peak resident, of which ${mb(peak.anonymous).toFixed(0)} MB its own (heap, buffers) and the rest Node's executable mapped from disk (old service: ~290 MB for 442)`,
      },
    ];
  } finally {
    await stack.stop();
  }
}
