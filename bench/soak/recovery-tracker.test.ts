import { describe, expect, it } from 'vitest';
import { type Fault, RecoveryTracker } from './recovery-tracker.ts';

/** Each round is sent 300 ms into its second. */
const sentAt = (second: number) => second * 1000 + 300;
const BOUND = 30_000;

describe('RecoveryTracker', () => {
  it('times each affected session from the fault’s end to a tick of a later round on every instrument, and to live again', () => {
    const tracker = new RecoveryTracker(sentAt, BOUND);
    const fault: Fault = { id: 1, kind: 'kite-drop', start: 100_500 };
    tracker.begin(fault, [
      {
        slot: 1,
        full: [
          { token: 11, group: 'cash:NSE:01' },
          { token: 12, group: 'index:NSE' },
        ],
      },
      { slot: 2, full: [{ token: 21, group: 'cash:NSE:07' }] },
      { slot: 3, full: [] },
    ]);
    tracker.ended(fault, 100_520);
    tracker.tick(1, 11, 100, 100_600); // round 100 left before the drop: on its way, not a recovery
    tracker.tick(1, 11, 102, 102_800);
    expect(tracker.settled(fault, 102_805)).toBe(false);
    tracker.tick(1, 12, 102, 102_810);
    tracker.status(2, 'cash:NSE:07', false, 101_000);
    tracker.tick(2, 21, 102, 102_900);
    expect(tracker.settled(fault, 103_000)).toBe(false); // ticks, but still told stale
    tracker.status(2, 'cash:NSE:07', true, 103_500);
    expect(tracker.settled(fault, 103_600)).toBe(true);
    expect(tracker.outcomes()).toEqual([
      { fault, affected: 2, unmeasured: 1, recoveryMs: [2290, 2980], toldNotLive: 1, liveMs: [2980], left: 0, unrecovered: 0, stuck: [] },
    ]);
    expect(fault.settledAt).toBe(103_500);
  });

  it('reaches only the restarted group’s sessions, lets sessions leave, and counts the ones past the bound', () => {
    const tracker = new RecoveryTracker(sentAt, BOUND);
    const fault: Fault = { id: 2, kind: 'group-restart', start: 200_000, group: 'index:NSE' };
    tracker.begin(fault, [
      { slot: 1, full: [{ token: 12, group: 'index:NSE' }] },
      { slot: 2, full: [{ token: 21, group: 'cash:NSE:07' }] },
      { slot: 3, full: [{ token: 12, group: 'index:NSE' }] },
      { slot: 4, full: [{ token: 13, group: 'index:NSE' }] },
    ]);
    tracker.ended(fault, 200_100);
    tracker.tick(1, 12, 201, 201_700);
    tracker.left(3);
    expect(tracker.settled(fault, 229_000)).toBe(false);
    expect(tracker.settled(fault, 230_200)).toBe(true); // slot 4 never ticked again
    const [outcome] = tracker.outcomes();
    expect(outcome).toMatchObject({
      affected: 3,
      unmeasured: 0,
      recoveryMs: [1600],
      left: 1,
      unrecovered: 1,
      stuck: [{ slot: 4, waiting: [13], notLive: [] }],
    });
    expect(fault.settledAt).toBe(230_100);
    tracker.tick(4, 13, 240, 240_500); // too late: the fault is settled
    expect(tracker.outcomes()[0]?.unrecovered).toBe(1);
  });

  it('waits for the end of a fault that lasts (a silence), and reads a new socket as live', () => {
    const tracker = new RecoveryTracker(sentAt, BOUND);
    const fault: Fault = { id: 3, kind: 'kite-silence', start: 300_000 };
    tracker.begin(fault, [{ slot: 1, full: [{ token: 11, group: 'cash:NSE:01' }] }]);
    tracker.status(1, 'cash:NSE:01', false, 306_000);
    tracker.tick(1, 11, 307, 307_500); // Kite still silent as far as the soak knows: not yet
    tracker.ended(fault, 310_000);
    tracker.tick(1, 11, 311, 311_400);
    tracker.reconnected(1, 312_000);
    expect(tracker.settled(fault, 312_100)).toBe(true);
    expect(tracker.outcomes()[0]).toMatchObject({ recoveryMs: [2000], toldNotLive: 1, liveMs: [2000] });
  });

  it('takes an instrument the session stopped holding out of the wait, and a session with none left as gone', () => {
    const tracker = new RecoveryTracker(sentAt, BOUND);
    const fault: Fault = { id: 4, kind: 'origin-kill', start: 400_000 };
    tracker.begin(fault, [
      {
        slot: 1,
        full: [
          { token: 11, group: 'a' },
          { token: 12, group: 'b' },
        ],
      },
      { slot: 2, full: [{ token: 21, group: 'a' }] },
    ]);
    tracker.ended(fault, 400_000);
    tracker.tick(1, 11, 405, 405_400);
    tracker.released(1, 12);
    tracker.released(2, 21);
    expect(tracker.settled(fault, 406_000)).toBe(true);
    expect(tracker.outcomes()[0]).toMatchObject({ recoveryMs: [5400], left: 1, unrecovered: 0 });
  });

  it('stops waiting for `live` of a group the session no longer holds anything in', () => {
    const tracker = new RecoveryTracker(sentAt, BOUND);
    const fault: Fault = { id: 5, kind: 'kite-drop', start: 500_000 };
    tracker.begin(fault, [{ slot: 1, full: [{ token: 11, group: 'a' }] }]);
    tracker.ended(fault, 500_000);
    tracker.status(1, 'a', false, 500_100);
    tracker.status(1, 'b', false, 500_100);
    tracker.tick(1, 11, 502, 502_500);
    tracker.holding(1, new Set(['a']), 503_000); // it switched away from its instruments in b
    expect(tracker.settled(fault, 503_100)).toBe(false);
    tracker.status(1, 'a', true, 504_000);
    expect(tracker.outcomes()[0]).toMatchObject({ recoveryMs: [4000], liveMs: [4000] });
  });
});
