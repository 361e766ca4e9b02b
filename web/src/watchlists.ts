import type { KiteEdgeRest, Watchlist } from '@kite-edge/client';
import { Store } from './store.ts';

/**
 * The user's watchlists, kept on the server (`/watchlists`,
 * docs/watchlists.md) and mirrored here: which one is current (remembered
 * in this browser), and the changes the views make, each answered by the
 * server's new copy of the list. The first is made on the first visit.
 */
export type WatchlistsState = { lists: Watchlist[]; currentId: string | undefined; loaded: boolean };

const CURRENT_KEY = 'kite-edge.watchlist';
export const FIRST_WATCHLIST_NAME = 'My watchlist';

export class Watchlists {
  readonly state = new Store<WatchlistsState>({ lists: [], currentId: undefined, loaded: false });
  readonly #rest: KiteEdgeRest;

  constructor(rest: KiteEdgeRest) {
    this.#rest = rest;
  }

  current(): Watchlist | undefined {
    const { lists, currentId } = this.state.get();
    return lists.find((list) => list.id === currentId) ?? lists[0];
  }

  async load(): Promise<void> {
    let { watchlists } = await this.#rest.listWatchlists();
    if (watchlists.length === 0) watchlists = [await this.#rest.createWatchlist(FIRST_WATCHLIST_NAME)];
    const remembered = localStorage.getItem(CURRENT_KEY) ?? undefined;
    const currentId = watchlists.some((list) => list.id === remembered) ? remembered : watchlists[0]?.id;
    this.state.set({ lists: watchlists, currentId, loaded: true });
  }

  select(id: string): void {
    localStorage.setItem(CURRENT_KEY, id);
    this.state.set({ ...this.state.get(), currentId: id });
  }

  async create(name: string): Promise<void> {
    const created = await this.#rest.createWatchlist(name);
    this.state.set({ ...this.state.get(), lists: [...this.state.get().lists, created] });
    this.select(created.id);
  }

  async rename(id: string, name: string): Promise<void> {
    this.#replace(await this.#rest.renameWatchlist(id, name));
  }

  async delete(id: string): Promise<void> {
    await this.#rest.deleteWatchlist(id);
    const lists = this.state.get().lists.filter((list) => list.id !== id);
    this.state.set({ ...this.state.get(), lists });
    if (lists.length === 0) await this.load();
  }

  /** Adds it to the current watchlist (once: adding one already listed changes nothing). */
  async add(instrumentToken: number): Promise<void> {
    const current = this.current();
    if (!current) throw new Error('no watchlist to add to yet');
    this.#replace(await this.#rest.addToWatchlist(current.id, instrumentToken));
  }

  async remove(id: string, instrumentToken: number): Promise<void> {
    this.#replace(await this.#rest.removeFromWatchlist(id, instrumentToken));
  }

  #replace(updated: Watchlist): void {
    const state = this.state.get();
    this.state.set({ ...state, lists: state.lists.map((list) => (list.id === updated.id ? updated : list)) });
  }
}
