import { BACKFILL_TIMEOUT_MS, type BackfillAnswer, type BackfillAsk, BackfillRequest } from '../../contracts/candle-backfill.ts';
import { frameProblem } from '../../contracts/zod-problem.ts';

/**
 * Backfill requests waiting for the origin's answer (contracts/candle-backfill.ts):
 * sent down the feed link, resolved by the origin's `backfill_done` or
 * `backfill_failed`, rejected when the link drops or BACKFILL_TIMEOUT_MS
 * passes. Two callers asking the same range share one request, so a chart
 * opened by a hundred users costs Kite one call.
 */
export type BackfillResult = { minutes: number; days: number };

export class BackfillUnavailable extends Error {
  override name = 'BackfillUnavailable';
}

type Pending = {
  key: string;
  promise: Promise<BackfillResult>;
  resolve: (r: BackfillResult) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
};

export class BackfillRequests {
  readonly #pending = new Map<string, Pending>();
  readonly #byKey = new Map<string, Pending>();
  #next = 0;

  /** Sends `ask` with `send` (false: no link) and resolves with the origin's answer. */
  request(ask: BackfillAsk, send: (frame: BackfillRequest) => boolean): Promise<BackfillResult> {
    const checked = BackfillRequest.omit({ type: true, id: true }).safeParse(ask);
    if (!checked.success) return Promise.reject(new TypeError(`backfill: ${frameProblem(checked.error)}`));
    if (checked.data.from >= checked.data.to) return Promise.reject(new RangeError('backfill: from must be before to'));
    const key = `${checked.data.token}:${checked.data.interval}:${checked.data.from}:${checked.data.to}`;
    const shared = this.#byKey.get(key);
    if (shared) return shared.promise;
    const id = `b${Date.now().toString(36)}-${(this.#next++).toString(36)}`;
    let resolve!: (r: BackfillResult) => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<BackfillResult>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const timer = setTimeout(
      () => this.#settle(id, (p) => p.reject(new BackfillUnavailable(`the origin did not answer the backfill within ${BACKFILL_TIMEOUT_MS / 1000} s`))),
      BACKFILL_TIMEOUT_MS,
    );
    const pending: Pending = { key, promise, resolve, reject, timer };
    this.#pending.set(id, pending);
    this.#byKey.set(key, pending);
    if (!send({ type: 'backfill', id, ...checked.data })) {
      this.#settle(id, (p) => p.reject(new BackfillUnavailable('the origin is not linked to the edge: history it has not recorded cannot be fetched now')));
    }
    return promise;
  }

  /** The origin's answer to one of ours (an unknown id, after a timeout, is ignored). */
  answered(answer: BackfillAnswer): void {
    this.#settle(answer.id, (p) =>
      answer.type === 'backfill_done'
        ? p.resolve({ minutes: answer.minutes, days: answer.days })
        : p.reject(new BackfillUnavailable(`the origin could not fetch the history from Kite: ${answer.message}`)),
    );
  }

  /** The link dropped: nobody will answer what is waiting. */
  linkLost(): void {
    for (const id of [...this.#pending.keys()])
      this.#settle(id, (p) => p.reject(new BackfillUnavailable('the origin link dropped before the backfill was answered')));
  }

  #settle(id: string, settle: (p: Pending) => void): void {
    const pending = this.#pending.get(id);
    if (!pending) return;
    clearTimeout(pending.timer);
    this.#pending.delete(id);
    this.#byKey.delete(pending.key);
    settle(pending);
  }
}
