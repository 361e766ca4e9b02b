/**
 * What this isolate has looked up in Postgres recently and trusts for a
 * bounded time (AUTH_CACHE_TTL_MS): a user's role and session epoch, an API
 * key's owner and scopes. It is what makes verifying a credential cost no
 * I/O on most requests, and its TTL is the bound on how long a revocation
 * made elsewhere goes unseen here; the isolate that revokes forgets at once.
 *
 * When Postgres is down (`isOutage`), what was last verified stays trusted
 * for AUTH_OUTAGE_GRACE_MS from its verification, so live data keeps
 * flowing to known keys and sessions through an outage (every
 * authenticated request failed 10 s into one); a key or user this isolate
 * never verified is still refused. During an outage Postgres is asked again
 * once per TTL, not on every request.
 *
 * Lookups in flight are shared, so a burst of requests for one user at
 * expiry makes one query. A failed lookup is not kept.
 */
export type Trust = { ttlMs: number; graceMs: number };

type Entry<V> = { value: Promise<V>; until: number; verified?: { value: V; at: number } };

export class TrustCache<V> {
  readonly #entries = new Map<string, Entry<V>>();
  readonly #maxEntries: number;
  readonly #isOutage: (error: unknown) => boolean;

  constructor(maxEntries: number, isOutage: (error: unknown) => boolean) {
    this.#maxEntries = maxEntries;
    this.#isOutage = isOutage;
  }

  get(key: string, trust: Trust, load: () => Promise<V>): Promise<V> {
    const now = Date.now();
    const entry = this.#entries.get(key);
    if (entry && entry.until > now) return entry.value;
    const last = entry?.verified;
    const fresh: Entry<V> = { value: load(), until: now + trust.ttlMs, verified: last };
    fresh.value = fresh.value.then(
      (value) => {
        fresh.verified = { value, at: Date.now() };
        return value;
      },
      (error: unknown) => {
        if (last && this.#isOutage(error) && Date.now() - last.at <= trust.graceMs) return last.value;
        if (this.#entries.get(key) === fresh) this.#entries.delete(key);
        throw error;
      },
    );
    this.#entries.delete(key);
    this.#entries.set(key, fresh);
    // Insertion order: the first key is the one cached longest ago.
    if (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    return fresh.value;
  }

  forget(key: string): void {
    this.#entries.delete(key);
  }
}
