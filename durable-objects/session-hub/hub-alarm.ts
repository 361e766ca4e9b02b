/**
 * A hub's one alarm, set for the earliest of what falls due: a session's
 * access token expiring, a lost session's resume window closing, a
 * remembered revocation to forget. One alarm and not a timer per session:
 * it is kept in storage, so it wakes a hibernated hub and survives a
 * restart. The time set is also kept here, so a new deadline costs a
 * comparison, and storage is written only when the alarm moves earlier
 * (never just because the hub woke up).
 */
export class HubAlarm {
  readonly #ctx: DurableObjectState;
  /** undefined until the stored alarm has been read. */
  #at: number | null | undefined;

  constructor(ctx: DurableObjectState) {
    this.#ctx = ctx;
  }

  /** At a start: reads the stored alarm (before any event is delivered) and brings it forward to `due` if that is earlier. */
  start(due: number | null): void {
    void this.#ctx.blockConcurrencyWhile(async () => {
      this.#at = await this.#ctx.storage.getAlarm();
      if (due !== null) this.by(due);
    });
  }

  /** Makes the alarm fire no later than `at`. */
  by(at: number): void {
    if (this.#at !== undefined && this.#at !== null && this.#at <= at) return;
    this.#at = at;
    void this.#ctx.storage.setAlarm(at);
  }

  /** The alarm fired (the runtime cleared it): the next one, if anything is due. */
  fired(next: number | null): void {
    this.#at = null;
    if (next !== null) this.by(next);
  }
}
