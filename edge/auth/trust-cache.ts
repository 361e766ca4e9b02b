/**
 * What this isolate has looked up in Postgres recently and trusts for a
 * bounded time (AUTH_CACHE_TTL_MS): a user's role and session epoch, an API
 * key's owner and scopes. It is what makes verifying a credential cost no
 * I/O on most requests, and its TTL is the bound on how long a revocation
 * made elsewhere goes unseen here; the isolate that revokes forgets at once.
 *
 * Lookups in flight are shared, so a burst of requests for one user at
 * expiry makes one query. A failed lookup is not kept.
 */
export class TrustCache<V> {
  readonly #entries = new Map<string, { value: Promise<V>; until: number }>();
  readonly #maxEntries: number;

  constructor(maxEntries: number) {
    this.#maxEntries = maxEntries;
  }

  get(key: string, ttlMs: number, load: () => Promise<V>): Promise<V> {
    const now = Date.now();
    const entry = this.#entries.get(key);
    if (entry && entry.until > now) return entry.value;
    const value = load();
    this.#entries.delete(key);
    this.#entries.set(key, { value, until: now + ttlMs });
    value.catch(() => {
      if (this.#entries.get(key)?.value === value) this.#entries.delete(key);
    });
    // Insertion order: the first key is the one cached longest ago.
    if (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    return value;
  }

  forget(key: string): void {
    this.#entries.delete(key);
  }
}
