import { cpuSeconds, residentBytes, startTicks } from '../proc-usage.ts';
import { descendants } from '../process-tree.ts';
import type { MemorySample } from './memory-summary.ts';
import { roleOf } from './process-roles.ts';

/** One process of the platform as it was seen: enough to tell, after the platform stopped, whether it is still there. */
export type SeenProcess = { pid: number; part: string; args: string; startTicks: number };

/**
 * Reads the resident memory of every process of the platform (the dev
 * supervisor and everything under it) from /proc every `everyMs`, summed
 * per part (process-roles.ts), and the soak's own as `soak` (the load
 * generator shares the machine), and the CPU each part used since the
 * previous sample. The processes are looked up at each
 * sample: the origin is killed and started again, and wrangler starts and
 * ends workerd processes of its own. Every process seen is remembered for
 * the leftover check at the end.
 */
export class MemorySampler {
  readonly samples: MemorySample[] = [];
  readonly #devPid: number;
  readonly #seen = new Map<string, SeenProcess>();
  /** CPU seconds of each process (pid:start) at the previous sample, and when that was. */
  #cpuBefore = new Map<string, number>();
  #before = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(devPid: number) {
    this.#devPid = devPid;
  }

  start(everyMs: number): void {
    this.sample();
    this.#timer = setInterval(() => this.sample(), everyMs);
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** Every platform process seen since the start. */
  seen(): SeenProcess[] {
    return [...this.#seen.values()];
  }

  /** The latest sample's figure for a part, in bytes. */
  latest(part: string): number | undefined {
    return this.samples.at(-1)?.rss[part];
  }

  sample(): void {
    const at = Date.now();
    const rss: Record<string, number> = {};
    const processes: Record<string, number> = {};
    const cpu: Record<string, number> = {};
    const cpuNow = new Map<string, number>();
    let platform: { pid: number; args: string }[];
    try {
      platform = [{ pid: process.pid, args: 'soak' }, { pid: this.#devPid, args: 'dev/dev.ts' }, ...descendants(this.#devPid)];
    } catch {
      return; // ps failed (the machine is out of processes or memory): the next sample tries again
    }
    for (const { pid, args } of platform) {
      const part = pid === process.pid ? 'soak' : roleOf(args);
      const started = startTicks(pid);
      if (started === undefined) continue; // gone between ps and /proc
      const key = `${pid}:${started}`;
      let bytes: number;
      let seconds: number;
      try {
        bytes = residentBytes(pid).total;
        seconds = cpuSeconds(pid);
      } catch {
        continue;
      }
      rss[part] = (rss[part] ?? 0) + bytes;
      processes[part] = (processes[part] ?? 0) + 1;
      cpuNow.set(key, seconds);
      // A process new since the last sample counts from the next one.
      const before = this.#cpuBefore.get(key);
      if (before !== undefined) cpu[part] = (cpu[part] ?? 0) + ((seconds - before) * 100_000) / (at - this.#before);
      if (part !== 'soak') this.#seen.set(key, { pid, part, args, startTicks: started });
    }
    this.#cpuBefore = cpuNow;
    this.#before = at;
    this.samples.push({ at, rss, processes, cpu });
  }
}
