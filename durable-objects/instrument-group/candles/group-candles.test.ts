import { runDurableObjectAlarm } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import { minuteStart } from '../../../contracts/candles.ts';
import { edgeConfig } from '../../../contracts/worker-config.ts';
import { readMinutes } from '../../../storage/candles.ts';
import { openDatabase } from '../../../storage/database.ts';
import { fullPacket, TestOrigin } from '../../../test/workers/test-origin.ts';

const stub = (key: string) => env.INSTRUMENT_GROUP.getByName(key);
const settled = (check: () => Promise<void>) => vi.waitFor(check, { timeout: 5_000, interval: 20 });
const settle = async <T>(call: PromiseLike<T>): Promise<T> => await call;
const db = () => {
  const config = edgeConfig(env);
  return openDatabase(config.database, config.queryTimeoutMs);
};

describe('InstrumentGroup: candles', () => {
  it('keeps the forming minute and the closed one waiting for Postgres through restarts, then writes the closed minute', async () => {
    const key = 'fno:NFO:CANDLEGRP';
    const token = 7_000_001 * 256 + 2;
    // Minutes ahead of the clock, so no sweep closes them while the test runs, whatever the time.
    const minute = minuteStart(Date.now()) + 10 * 60_000;
    const tick = (second: number, last: number, volume: number) => fullPacket(token, { last, volume, quantity: 5, exchangeAt: minute + second * 1000 });

    const origin = await TestOrigin.connect(`/origin/groups/${key}`);
    await origin.next();
    origin.sendBatch([tick(10, 100, 1_000), tick(20, 104, 1_100)]);
    await settled(async () => expect((await stub(key).unwrittenCandles(token)).minutes).toHaveLength(1));

    await expect(settle(stub(key).restart())).rejects.toThrow('restart requested');
    expect((await stub(key).unwrittenCandles(token)).minutes).toEqual([{ time: minute, open: 100, high: 104, low: 100, close: 104, volume: 105, oi: 0 }]);

    const again = await TestOrigin.connect(`/origin/groups/${key}`);
    await again.next();
    again.sendBatch([tick(50, 99, 1_150), tick(70, 101, 1_200)]);
    await settled(async () => expect((await stub(key).unwrittenCandles(token)).minutes).toHaveLength(2));
    // The closed minute waits in the outbox: a restart before the write keeps it, as it keeps the forming one.
    const waiting = (await stub(key).unwrittenCandles(token)).minutes;
    await expect(settle(stub(key).restart())).rejects.toThrow('restart requested');
    expect((await stub(key).unwrittenCandles(token)).minutes).toEqual(waiting);
    // The alarm writes the closed minute (one statement for the flush) and keeps the forming one.
    await settled(async () => {
      await runDurableObjectAlarm(stub(key));
      expect((await stub(key).state()).candles).toMatchObject({ outbox: 0, written_minutes: 1, last_write_error: null });
    });
    expect(await readMinutes(db(), token, minute, minute + 120_000)).toEqual([{ time: minute, open: 100, high: 104, low: 99, close: 99, volume: 155, oi: 0 }]);
    expect((await stub(key).unwrittenCandles(token)).minutes).toEqual([
      { time: minute + 60_000, open: 101, high: 101, low: 101, close: 101, volume: 50, oi: 0 },
    ]);
    again.close();
  });
});
