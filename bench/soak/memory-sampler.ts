import { residentBytes, startTicks } from '../proc-usage.ts';
import { descendants } from '../process-tree.ts';
import type { MemorySample } from './memory-summary.ts';
import { roleOf } from './process-roles.ts';

/** One process of the platform as it was seen: enough to tell, after the platform stopped, whether it is still there. */
export type SeenProcess = { pid: number; part: string; args: string; startTicks: number };

/**
 * Reads the resident memory of every process of the platform (the dev
 * supervisor and everything under it) from /proc every `everyMs`, summed
 * per part (process-roles.ts), and the soak's own as `soak` (the load
 * generator shares the machine). The processes are looked up at each
 * sample: the origin is killed and started again, and wrangler starts and
 * ends workerd processes of its own. Every process seen is remembered for
 * the leftover check at the end.
 */
export class MemorySampler {
  readonly samples: MemorySample[] = [];
  readonly #devPid: number;
  readonly #seen = new Map<string, SeenProcess>();
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
    const rss: Record<string, number> = { soak: process.memoryUsage.rss() };
    const processes: Record<string, number> = { soak: 1 };
    let platform: { pid: number; args: string }[];
    try {
      platform = [{ pid: this.#devPid, args: 'dev/dev.ts' }, ...descendants(this.#devPid)];
    } catch {
      return; // ps failed (the machine is out of processes or memory): the next sample tries again
    }
    for (const { pid, args } of platform) {
      const part = roleOf(args);
      const started = startTicks(pid);
      if (started === undefined) continue; // gone between ps and /proc
      let bytes: number;
      try {
        bytes = residentBytes(pid).total;
      } catch {
        continue;
      }
      rss[part] = (rss[part] ?? 0) + bytes;
      processes[part] = (processes[part] ?? 0) + 1;
      this.#seen.set(`${pid}:${started}`, { pid, part, args, startTicks: started });
    }
    this.samples.push({ at: Date.now(), rss, processes });
  }
}
