/**
 * Alerts of one kind on one instrument, kept sorted by their bound so that
 * a tick finds the ones it meets by binary search instead of visiting
 * every alert: the heart of why evaluation stays cheap with 100,000 alerts
 * on one instrument (alert-book.ts says which range a tick fires).
 *
 * Entries are ordered by `key`, then `id`, so the order (and with it the
 * order of triggers) is the same after every reload. Arrays, not trees: a
 * lookup is O(log n) and an insert or removal one memmove of the tail,
 * which for 100,000 pointers costs less than a tree's allocations; many
 * inserts at once are appended and sorted once.
 */
export type Rung = { readonly key: number; readonly id: string };

/** Appending more than this many at once re-sorts the whole ladder rather than splicing each. */
const BULK_INSERT = 16;

export class ThresholdLadder<T extends Rung> {
  readonly #entries: T[] = [];

  get length(): number {
    return this.#entries.length;
  }

  at(index: number): T {
    return this.#entries[index] as T;
  }

  /** The first index whose key is ≥ `key` (the length when there is none). */
  lowerBound(key: number): number {
    let lo = 0;
    let hi = this.#entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.#entries[mid] as T).key < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The first index whose key is > `key` (the length when there is none). */
  upperBound(key: number): number {
    let lo = 0;
    let hi = this.#entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.#entries[mid] as T).key <= key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  insert(item: T): void {
    this.#entries.splice(this.#position(item), 0, item);
  }

  /** Inserts many: one by one when few, else appended and sorted once. */
  insertAll(items: readonly T[]): void {
    if (items.length <= BULK_INSERT) {
      for (const item of items) this.insert(item);
      return;
    }
    for (const item of items) this.#entries.push(item);
    this.#entries.sort(compare);
  }

  /** Removes `item` (the same object); false when it is not here. */
  remove(item: T): boolean {
    const index = this.#position(item);
    if (this.#entries[index] !== item) return false;
    this.#entries.splice(index, 1);
    return true;
  }

  /** Removes and returns the entries from `index` to the end, in order. */
  cutFrom(index: number): T[] {
    return this.#entries.splice(index);
  }

  /** Removes the entries of [from, to) that `drop` picks, keeping the order of the rest. */
  removeIn(from: number, to: number, drop: (item: T) => boolean): void {
    const entries = this.#entries;
    let write = from;
    for (let read = from; read < entries.length; read++) {
      const item = entries[read] as T;
      if (read < to && drop(item)) continue;
      entries[write++] = item;
    }
    entries.length = write;
  }

  clear(): void {
    this.#entries.length = 0;
  }

  /** Where `item` is or would go: the first entry not ordered before it. */
  #position(item: T): number {
    let lo = 0;
    let hi = this.#entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compare(this.#entries[mid] as T, item) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

function compare(a: Rung, b: Rung): number {
  if (a.key !== b.key) return a.key < b.key ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
