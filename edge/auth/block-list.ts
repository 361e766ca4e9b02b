/**
 * The identities an isolate knows to be over budget, at most `max` of them.
 * When full, the block set first goes: every bucket's window has one length,
 * so it is the one that ends first (often already ended). It used to empty
 * entirely at the limit, so 10,000 fresh identities un-blocked everyone.
 */
export type Block = { until: number; limit: number };

export class BlockList {
  readonly #max: number;
  readonly #blocks = new Map<string, Block>();

  constructor(max: number) {
    this.#max = max;
  }

  get size(): number {
    return this.#blocks.size;
  }

  get(key: string): Block | undefined {
    return this.#blocks.get(key);
  }

  delete(key: string): void {
    this.#blocks.delete(key);
  }

  set(key: string, block: Block): void {
    // Set again, a key moves to the end: it is the newest block.
    this.#blocks.delete(key);
    if (this.#blocks.size >= this.#max) {
      const first = this.#blocks.keys().next();
      if (!first.done) this.#blocks.delete(first.value);
    }
    this.#blocks.set(key, block);
  }
}
