/**
 * The hottest tier: answers kept in this isolate's memory, in front of the
 * Cache API and Redis. A Worker isolate serves many requests, and a hit here
 * costs no I/O at all (the Cache API is a lookup outside the isolate even at
 * its best). Bounded by total bytes, least recently used first out, each
 * entry expiring with the TTL its route chose; keys carry the dataset
 * version like every other tier, so a sync makes old entries unreachable
 * and they age out.
 */
export type IsolateEntry = { body: string; etag: string };

type Stored = IsolateEntry & { expiresAt: number; bytes: number };

export class IsolateCache {
  // A Map iterates in insertion order: re-inserting on each hit keeps the
  // least recently used entry first.
  private readonly entries = new Map<string, Stored>();
  private bytes = 0;
  private readonly maxBytes: number;
  private readonly now: () => number;

  constructor(maxBytes: number, now: () => number = Date.now) {
    this.maxBytes = maxBytes;
    this.now = now;
  }

  get(key: string): IsolateEntry | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.expiresAt <= this.now()) {
      this.bytes -= entry.bytes;
      return undefined;
    }
    this.entries.set(key, entry);
    return entry;
  }

  set(key: string, value: IsolateEntry, ttlSeconds: number): void {
    // Strings are UTF-16 in memory: two bytes a character is the honest size.
    const bytes = (key.length + value.body.length + value.etag.length) * 2;
    if (bytes > this.maxBytes) return;
    const previous = this.entries.get(key);
    if (previous) {
      this.entries.delete(key);
      this.bytes -= previous.bytes;
    }
    this.entries.set(key, { ...value, expiresAt: this.now() + ttlSeconds * 1000, bytes });
    this.bytes += bytes;
    for (const [oldest, entry] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= entry.bytes;
    }
  }

  get size(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.bytes };
  }
}
