import { afterEach, describe, expect, it, vi } from 'vitest';
import { OriginWatch } from './origin-watch.ts';

const health = (uptime_s: number, coalesced: number, unrouted: number, malformed: number) => ({
  uptime_s,
  kite: { unrouted_packets: unrouted, malformed_frames: malformed },
  edge: { groups: [{ coalesced }, { coalesced: 0 }] },
});

afterEach(() => vi.unstubAllGlobals());

describe('OriginWatch', () => {
  it('sums the counters over the origin’s restarts, and skips a reading while it is away', async () => {
    const answers: unknown[] = [health(10, 2, 0, 0), health(40, 5, 1, 1), 'away', health(3, 4, 0, 0), health(20, 6, 2, 0)];
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => {
        const answer = answers.shift();
        if (answer === 'away') throw new Error('connect ECONNREFUSED');
        return new Response(JSON.stringify(answer));
      }),
    );
    const watch = new OriginWatch('http://127.0.0.1:1');
    for (let i = 0; i < 5; i++) await watch.read();
    expect(watch.totals()).toEqual({ coalesced: 11, unrouted: 3, malformedFrames: 1, restartsSeen: 1 });
  });
});
