import { describe, expect, it } from 'vitest';
import { FaultWindows } from './fault-windows.ts';
import { KiteCarriage } from './kite-carriage.ts';
import { RoundLog } from './round-log.ts';
import { TickLedger } from './tick-ledger.ts';

const SLOT = 7;
const TOKEN = 408065;
const GROUP = 'cash:NSE:07';
/** Rounds of seconds `from`..`to`, each sent 300 ms into its second on two connections, less the `skipped` ones. */
function rounds(from: number, to: number, skipped: number[] = []): RoundLog {
  const log = new RoundLog();
  const frames: [number, number, number][] = [];
  for (let s = from; s <= to; s++) if (!skipped.includes(s)) frames.push([1, s, s * 1000 + 300], [2, s, s * 1000 + 340]);
  log.add(frames);
  return log;
}
const ledger = () => new TickLedger({ stallMs: 3000, tailAllowanceMs: 3000 });
/** Kite carried the instrument on connection 1 all along, polled every 2 s. */
function carried(): KiteCarriage {
  const carriage = new KiteCarriage();
  for (let at = 0; at <= 200_000; at += 2_000) carriage.record(at, [{ id: 1, tokens: [TOKEN] }]);
  return carriage;
}
/** A full-mode tick of round `second`, received 200 ms after it was sent. */
const full = (l: TickLedger, second: number) => l.tick(SLOT, TOKEN, 'full', second, second * 1000 + 500);

describe('TickLedger', () => {
  it('counts the rounds sent between two received ticks, and after the last one up to the release less the allowance', () => {
    const l = ledger();
    l.hold(SLOT, TOKEN, GROUP, 'full', 100_000);
    for (const s of [100, 101, 102, 104, 105]) full(l, s);
    l.release(SLOT, TOKEN, 110_500); // rounds 106 and 107 were sent more than 3 s before
    const report = l.report(rounds(95, 112), carried(), new FaultWindows(), 104_000); // the sessions had all opened by round 104
    // Nothing came in the last 5 s of the holding: a stall too.
    expect(report).toMatchObject({ ticks: 5, sequencedTicks: 5, lost: 3, lostWhileOpening: 1, lostToFaults: 0, sessionsWithLoss: 1, duplicates: 0, stalls: 1 });
    // The steady state's losses first.
    expect(report.examples).toEqual([
      { slot: SLOT, token: TOKEN, group: GROUP, missing: [106, 107], elsewhere: 0 },
      { slot: SLOT, token: TOKEN, group: GROUP, missing: [103], elsewhere: 0 },
    ]);
    expect(report.lostByAll).toBe(3);
  });

  it('does not expect a round Kite sent while it did not carry the instrument, or on another connection', () => {
    const l = ledger();
    l.hold(SLOT, TOKEN, GROUP, 'full', 100_000);
    for (const s of [100, 101, 107, 108]) full(l, s);
    l.release(SLOT, TOKEN, 108_600);
    const carriage = new KiteCarriage();
    carriage.record(100_000, [{ id: 1, tokens: [TOKEN] }]);
    carriage.record(102_000, [{ id: 1, tokens: [TOKEN] }]);
    carriage.record(104_000, [{ id: 1, tokens: [] }]); // dropped at Kite between two polls: round 102 is not sure, 103 not due
    carriage.record(106_000, [{ id: 3, tokens: [TOKEN] }]); // back, on a new connection: round 105 is not sure
    carriage.record(108_000, [{ id: 3, tokens: [TOKEN] }]);
    const log = new RoundLog();
    log.add([100, 101, 102, 103, 104, 105, 106, 107].map((s): [number, number, number] => [1, s, s * 1000 + 300]));
    // Round 106 went out on connection 1 only, while Kite carried the instrument on 3: not due either.
    log.add([[3, 107, 107_320]]);
    expect(l.report(log, carriage, new FaultWindows(), 0)).toMatchObject({ lost: 0 });
    // Had connection 3 sent round 106, that one would be lost.
    const missed = new RoundLog();
    missed.add([100, 101, 102, 103, 104, 105].map((s): [number, number, number] => [1, s, s * 1000 + 300]));
    missed.add([106, 107, 108].map((s): [number, number, number] => [3, s, s * 1000 + 300]));
    expect(l.report(missed, carriage, new FaultWindows(), 0)).toMatchObject({ lost: 1, examples: [{ missing: [106] }] });
  });

  it('tells a round lost on the way to one session from one that reached nobody', () => {
    const l = ledger();
    l.hold(SLOT, TOKEN, GROUP, 'full', 100_000);
    l.hold(SLOT + 1, TOKEN, GROUP, 'full', 100_000);
    for (const s of [100, 101, 103, 106]) full(l, s);
    for (const s of [100, 101, 102, 106]) l.tick(SLOT + 1, TOKEN, 'full', s, s * 1000 + 500);
    const report = l.report(rounds(95, 108), carried(), new FaultWindows(), 0);
    expect(report).toMatchObject({ lost: 6, lostByAll: 4, sessionsWithLoss: 2 });
    expect(report.examples.map((e) => [e.slot, e.missing, e.elsewhere])).toEqual([
      [SLOT, [102], 1],
      [SLOT, [104, 105], 0],
      [SLOT + 1, [103, 104, 105], 1],
    ]);
  });

  it('does not count a second the simulator sent no round in, nor rounds inside a fault window of the group', () => {
    const l = ledger();
    l.hold(SLOT, TOKEN, GROUP, 'full', 100_000);
    for (const s of [100, 102, 103, 108, 109]) full(l, s);
    l.release(SLOT, TOKEN, 109_900);
    const windows = new FaultWindows();
    windows.add({ from: 104_000, to: 107_400, group: GROUP }); // a restart of this group: rounds 104-107
    windows.add({ from: 100_000, to: 200_000, group: 'index:NSE' }); // another group's: nothing to do with this one
    expect(l.report(rounds(95, 112, [101]), carried(), windows, 0)).toMatchObject({ lost: 0, lostToFaults: 4, sessionsWithLoss: 0 });
  });

  it('reads an old snapshot as no round of the holding, and a round received twice as a duplicate', () => {
    const l = ledger();
    l.hold(SLOT, TOKEN, GROUP, 'full', 100_000);
    l.tick(SLOT, TOKEN, 'full', 40, 100_050); // the group's latest tick, from long before
    for (const s of [100, 101, 101, 102]) full(l, s);
    l.release(SLOT, TOKEN, 102_600);
    expect(l.report(rounds(30, 110), carried(), new FaultWindows(), 0)).toMatchObject({
      ticks: 5,
      sequencedTicks: 3,
      lost: 0,
      duplicates: 1,
      duplicatesInFaults: 0,
    });
    const windows = new FaultWindows();
    windows.add({ from: 101_000, to: 101_500 });
    expect(l.report(rounds(30, 110), carried(), windows, 0)).toMatchObject({ duplicates: 0, duplicatesInFaults: 1 });
  });

  it('ends a sequence when the mode leaves full, and starts a new one when it comes back', () => {
    const l = ledger();
    l.hold(SLOT, TOKEN, GROUP, 'full', 100_000);
    for (const s of [100, 101]) full(l, s);
    l.hold(SLOT, TOKEN, GROUP, 'quote', 101_700); // round 102 was not due yet
    l.tick(SLOT, TOKEN, 'quote', null, 102_500);
    l.hold(SLOT, TOKEN, GROUP, 'full', 102_900);
    l.tick(SLOT, TOKEN, 'quote', null, 103_500); // Kite still carries it in quote mode for a moment
    for (const s of [104, 105]) full(l, s);
    l.release(SLOT, TOKEN, 106_000);
    expect(l.report(rounds(95, 110), carried(), new FaultWindows(), 0)).toMatchObject({ ticks: 6, sequencedTicks: 4, lost: 0, stalls: 0 });
  });

  it('counts a stretch of more than stallMs without a tick in any mode, outside fault windows, as a stall', () => {
    const l = ledger();
    l.hold(SLOT, TOKEN, GROUP, 'ltp', 0);
    for (const at of [800, 1_800, 7_000, 8_000]) l.tick(SLOT, TOKEN, 'ltp', null, at);
    l.hold(SLOT, 256265, 'index:NSE', 'quote', 0); // never ticks: a stall from the subscription to the release
    l.release(SLOT, TOKEN, 8_500);
    l.releaseAll(SLOT, 8_500);
    const quiet = new FaultWindows();
    expect(l.report(new RoundLog(), carried(), quiet, 0)).toMatchObject({
      stalls: 2,
      longestStallMs: 8_500,
      sessionsWithStalls: 1,
      stallEpisodes: [{ from: 0, to: 8_500, sessions: 1 }],
    });
    const windows = new FaultWindows();
    windows.add({ from: 3_000, to: 6_000 }); // a Kite-wide fault: every instrument
    expect(l.report(new RoundLog(), carried(), windows, 0)).toMatchObject({ stalls: 0 });
  });

  it('ignores ticks of instruments it does not hold (the isolation check judges those)', () => {
    const l = ledger();
    l.tick(SLOT, TOKEN, 'full', 100, 100_500);
    expect(l.ticks).toBe(0);
  });
});
