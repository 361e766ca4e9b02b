import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { AlertCondition, GroupAlert } from '../../contracts/alerts.ts';
import { AlertBook, type AlertTick, type BookChanges } from './alert-book.ts';
import { TriggerOutbox } from './trigger-outbox.ts';

/**
 * The outbox inside a real Durable Object's SQLite (an InstrumentGroup of
 * its own per test, so no test sees another's rows), across real aborts:
 * what the group object will do on each tick, restart and recording.
 */
const NOW = Date.parse('2026-01-05T04:00:00Z');
const INFY = { instrument_token: 408065, exchange: 'NSE', tradingsymbol: 'INFY' };

function alert(n: number, condition: AlertCondition, repeat: GroupAlert['repeat'] = { type: 'once' }): GroupAlert {
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    user_id: '5f1e2d3c-4b5a-4697-8877-665544332211',
    instrument: INFY,
    condition,
    repeat,
    expires_at: null,
    note: 'outbox test',
    channels: { sessions: true, webhook: null },
    state: 'active',
    last_triggered_at: null,
    generation: 0,
  };
}
const tick = (last_price: number): AlertTick => ({ token: INFY.instrument_token, last_price, at: NOW });

/** A fresh object; `inside` runs in it with an outbox over its storage and a book loaded from it, as the group will at start. */
function object() {
  const id = env.INSTRUMENT_GROUP.newUniqueId();
  return {
    inside<T>(now: number, work: (book: AlertBook, outbox: TriggerOutbox) => T): Promise<T> {
      return runInDurableObject(env.INSTRUMENT_GROUP.get(id), (_instance, state) => {
        const outbox = new TriggerOutbox(state.storage);
        const book = new AlertBook();
        const saved = outbox.load();
        outbox.apply(book.load(saved.entries, saved.prices, now));
        return work(book, outbox);
      });
    },
    /** Ends the instance as a crash would: the next call gets a new one, loaded from storage. */
    async abort(): Promise<void> {
      await expect(runInDurableObject(env.INSTRUMENT_GROUP.get(id), (_instance, state) => state.abort('test crash'))).rejects.toThrow();
    },
  };
}

describe('TriggerOutbox', () => {
  it('keeps a trigger across a crash before it is recorded, without firing it twice, until the recorder acknowledges it', async () => {
    const group = object();
    const a = alert(1, { type: 'crosses_up', price: 1500 });
    const fired = await group.inside(NOW, (book, outbox) => {
      outbox.apply(book.upsert(a, NOW, 1499));
      const changes = book.evaluate([tick(1500.5)], NOW);
      outbox.apply(changes);
      return changes.triggers;
    });
    expect(fired.map((t) => t.idempotency_key)).toEqual([`${a.id}:0`]);

    await group.abort();
    const afterCrash = await group.inside(NOW + 1_000, (book, outbox) => {
      const pending = outbox.pending().map((row) => row.trigger);
      // The same tick again (a replay) and a new crossing: a one-shot alert that fired stays fired.
      const again = [book.evaluate([tick(1500.5)], NOW + 1_000), book.evaluate([tick(1499), tick(1501)], NOW + 1_000)];
      for (const changes of again) outbox.apply(changes);
      return { pending, again: again.flatMap((c) => c.triggers) };
    });
    expect(afterCrash.pending).toEqual(fired);
    expect(afterCrash.again).toEqual([]);

    // Postgres took it (INSERT … ON CONFLICT DO NOTHING): the row goes, and the reload drops the fired one-shot alert, recorded.
    await group.inside(NOW + 2_000, (book, outbox) => outbox.apply(book.recorded(outbox.pending().map((row) => row.trigger))));
    await group.abort();
    expect(await group.inside(NOW + 3_000, (book, outbox) => ({ pending: outbox.pendingCount, held: book.size }))).toEqual({ pending: 0, held: 0 });
  });

  it('reloads recurring alerts with their generation, cool-down and crossing reference', async () => {
    const group = object();
    const a = alert(2, { type: 'crosses_up', price: 1500 }, { type: 'recurring', cooldown_s: 30 });
    await group.inside(NOW, (book, outbox) => {
      outbox.apply(book.upsert(a, NOW, 1499));
      outbox.apply(book.evaluate([tick(1500.5)], NOW));
      // Back below the bound during the cool-down: no fire, but the reference moves below it.
      outbox.apply(book.evaluate([tick(1499.5)], NOW + 5_000));
    });
    await group.abort();
    const keys = await group.inside(NOW + 20_000, (book, outbox) => {
      const during = book.evaluate([tick(1501)], NOW + 20_000); // crosses within the cool-down: dropped
      outbox.apply(during);
      outbox.apply(book.evaluate([tick(1499)], NOW + 25_000));
      const after = book.evaluate([tick(1500)], NOW + 31_000);
      outbox.apply(after);
      return [...during.triggers, ...after.triggers].map((t) => t.idempotency_key);
    });
    expect(keys).toEqual([`${a.id}:1`]);
    await group.abort();
    expect(await group.inside(NOW + 40_000, (_book, outbox) => outbox.pending().map((row) => row.trigger.idempotency_key))).toEqual([`${a.id}:0`, `${a.id}:1`]);
  });

  it('keeps each trigger’s channels and its frame’s outcome across a crash, so the frame is not sent again', async () => {
    const group = object();
    const hooked = { ...alert(4, { type: 'price_above', price: 1500 }), channels: { sessions: true, webhook: { url: 'https://hooks.example.com/a' } } };
    const key = await group.inside(NOW, (book, outbox) => {
      outbox.apply(book.upsert(hooked, NOW));
      const changes = book.evaluate([tick(1501)], NOW);
      outbox.apply(changes);
      const fired = changes.triggers[0]?.idempotency_key ?? '';
      expect(outbox.pending()).toMatchObject([{ channels: hooked.channels, sessions: null, sessionTries: 0 }]);
      outbox.sessionsTried(fired);
      outbox.sessionsDone(fired, { reached: 2, error: null, at: NOW + 5 });
      return fired;
    });
    await group.abort();
    expect(await group.inside(NOW + 1_000, (_book, outbox) => outbox.pending())).toEqual([
      expect.objectContaining({
        trigger: expect.objectContaining({ idempotency_key: key }),
        channels: hooked.channels,
        sessions: { reached: 2, error: null, at: NOW + 5 },
        sessionTries: 1,
      }),
    ]);
  });

  it('writes all of one call’s changes or none of them', async () => {
    const group = object();
    const a = alert(3, { type: 'price_above', price: 1500 });
    const outcome = await group.inside(NOW, (book, outbox) => {
      outbox.apply(book.upsert(a, NOW));
      const changes: BookChanges = book.evaluate([tick(1501)], NOW);
      // An entry that cannot be written, after the trigger row in the same transaction.
      const broken = { ...changes.saved.get(a.id), unwritable: 1n } as never;
      changes.saved.set(a.id, broken);
      const error = (() => {
        try {
          outbox.apply(changes);
          return null;
        } catch (thrown) {
          return String(thrown);
        }
      })();
      return { error, pending: outbox.pendingCount, generation: outbox.load().entries[0]?.alert.generation };
    });
    expect(outcome).toEqual({ error: expect.stringContaining('BigInt'), pending: 0, generation: 0 });
  });
});
