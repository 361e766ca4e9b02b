import { useEffect, useState } from 'preact/hooks';

/**
 * A value that views watch: the app's state lives in a few of these
 * (the session, the watchlists, the feed, the toasts), outside any
 * component, so the modules that change it need no view.
 */
export class Store<T> {
  #value: T;
  readonly #listeners = new Set<() => void>();

  constructor(value: T) {
    this.#value = value;
  }

  get(): T {
    return this.#value;
  }

  set(value: T): void {
    if (Object.is(value, this.#value)) return;
    this.#value = value;
    for (const listener of [...this.#listeners]) listener();
  }

  /** Returns the function that stops listening. */
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

/** The store's value, rendering again whenever it changes. */
export function useStore<T>(store: Store<T>): T {
  const [, setVersion] = useState(0);
  useEffect(() => store.subscribe(() => setVersion((n) => n + 1)), [store]);
  return store.get();
}
