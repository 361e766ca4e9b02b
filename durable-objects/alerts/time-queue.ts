/**
 * Items due at a time, earliest first (a binary min-heap): the alert book's
 * recurring alerts waiting out their cool-down and alerts waiting to
 * expire. Popping what is due costs O(log n) per item, so a tick never
 * looks at alerts whose time has not come. Entries are not removed when
 * their alert changes; the book checks each popped entry is still current.
 */
type Entry<T> = { at: number; item: T };

export class TimeQueue<T> {
  readonly #heap: Entry<T>[] = [];

  get size(): number {
    return this.#heap.length;
  }

  push(at: number, item: T): void {
    const heap = this.#heap;
    heap.push({ at, item });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((heap[parent] as Entry<T>).at <= at) break;
      heap[i] = heap[parent] as Entry<T>;
      i = parent;
    }
    heap[i] = { at, item };
  }

  /** Calls `visit` with each item due at or before `now`, earliest first, removing it. */
  popDue(now: number, visit: (item: T, at: number) => void): void {
    const heap = this.#heap;
    while (heap.length > 0 && (heap[0] as Entry<T>).at <= now) {
      const top = heap[0] as Entry<T>;
      const last = heap.pop() as Entry<T>;
      if (heap.length > 0) this.#siftDown(last);
      visit(top.item, top.at);
    }
  }

  clear(): void {
    this.#heap.length = 0;
  }

  #siftDown(entry: Entry<T>): void {
    const heap = this.#heap;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && (heap[right] as Entry<T>).at < (heap[left] as Entry<T>).at ? right : left;
      if ((heap[child] as Entry<T>).at >= entry.at) break;
      heap[i] = heap[child] as Entry<T>;
      i = child;
    }
    heap[i] = entry;
  }
}
