import { describe, expect, it } from 'vitest';
import { RoundLog } from './round-log.ts';

describe('RoundLog', () => {
  it('keeps each round once, at its first frame’s send time with the connections it went on, however often the log is polled', () => {
    const log = new RoundLog();
    log.add([
      [1, 100, 100_310],
      [2, 100, 100_300],
      [1, 101, 101_305],
    ]);
    log.add([
      [1, 100, 100_310],
      [2, 100, 100_300],
      [1, 101, 101_305],
      [2, 101, 101_290],
      [1, 103, 103_300], // no round in second 102
    ]);
    expect(log.size).toBe(3);
    expect(log.between(99, 104)).toEqual([
      { second: 100, sentAt: 100_300, connections: [1, 2] },
      { second: 101, sentAt: 101_290, connections: [1, 2] },
      { second: 103, sentAt: 103_300, connections: [1] },
    ]);
    expect(log.between(100, 200, 103_000)).toEqual([{ second: 101, sentAt: 101_290, connections: [1, 2] }]);
  });

  it('tells when a round was sent: from the log, or a second per round after the latest one it has', () => {
    const log = new RoundLog();
    expect(log.sentAt(50)).toBe(50_000);
    log.add([[1, 100, 100_300]]);
    expect(log.sentAt(100)).toBe(100_300);
    expect(log.sentAt(102)).toBe(102_300);
  });
});
