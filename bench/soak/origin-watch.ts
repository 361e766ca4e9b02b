import type { OriginHealth } from '../../origin-ticker/http/origin-health.ts';

/**
 * What the origin itself says it did not pass on, read from its /health
 * during the soak: packets coalesced on group links that were down or
 * backed up (only the latest per instrument goes on), packets no group
 * could be found for, and malformed Kite frames dropped. Its counters
 * start again when it is killed and restarted, so each run of it is
 * summed: these explain ticks that reached no session at all.
 */
export type OriginCounts = { coalesced: number; unrouted: number; malformedFrames: number; restartsSeen: number };

export class OriginWatch {
  readonly #url: string;
  /** Totals of the origin's earlier runs, and the latest reading of the current one. */
  #done: OriginCounts = { coalesced: 0, unrouted: 0, malformedFrames: 0, restartsSeen: 0 };
  #current: Omit<OriginCounts, 'restartsSeen'> & { uptimeS: number } = { coalesced: 0, unrouted: 0, malformedFrames: 0, uptimeS: 0 };

  constructor(originUrl: string) {
    this.#url = originUrl;
  }

  /** Reads the origin's counters; an origin being restarted does not answer, and is read next time. */
  async read(): Promise<void> {
    let health: OriginHealth;
    try {
      health = (await (await fetch(`${this.#url}/health`, { signal: AbortSignal.timeout(2_000) })).json()) as OriginHealth;
    } catch {
      return;
    }
    const reading = {
      coalesced: health.edge.groups.reduce((n, g) => n + g.coalesced, 0),
      unrouted: health.kite.unrouted_packets,
      malformedFrames: health.kite.malformed_frames,
      uptimeS: health.uptime_s,
    };
    if (reading.uptimeS < this.#current.uptimeS) {
      this.#done = {
        coalesced: this.#done.coalesced + this.#current.coalesced,
        unrouted: this.#done.unrouted + this.#current.unrouted,
        malformedFrames: this.#done.malformedFrames + this.#current.malformedFrames,
        restartsSeen: this.#done.restartsSeen + 1,
      };
    }
    this.#current = reading;
  }

  totals(): OriginCounts {
    return {
      coalesced: this.#done.coalesced + this.#current.coalesced,
      unrouted: this.#done.unrouted + this.#current.unrouted,
      malformedFrames: this.#done.malformedFrames + this.#current.malformedFrames,
      restartsSeen: this.#done.restartsSeen,
    };
  }
}
