import { Store, useStore } from './store.ts';

/**
 * Hash routes, so that the worker serves only `/` and `/assets/*` and every
 * other path stays the API's: `#/watchlist` (the default), `#/chart/<token>`,
 * `#/chain`, `#/alerts`, `#/keys`.
 */
export type Route = { name: 'watchlist' } | { name: 'chart'; token: number } | { name: 'chain' } | { name: 'alerts' } | { name: 'keys' };

export function parseRoute(hash: string): Route {
  const [name, argument] = hash.replace(/^#\/?/, '').split('/');
  if (name === 'chart' && argument && /^\d+$/.test(argument)) return { name: 'chart', token: Number(argument) };
  if (name === 'chain' || name === 'alerts' || name === 'keys') return { name };
  return { name: 'watchlist' };
}

export function routeHash(route: Route): string {
  return route.name === 'chart' ? `#/chart/${route.token}` : `#/${route.name}`;
}

const current = new Store<Route>(parseRoute(location.hash));
window.addEventListener('hashchange', () => current.set(parseRoute(location.hash)));

export function navigate(route: Route): void {
  const hash = routeHash(route);
  if (location.hash !== hash) location.hash = hash;
}

export function useRoute(): Route {
  return useStore(current);
}
