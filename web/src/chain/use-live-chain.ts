import { type FnoChain, type KiteEdgeClient, KiteEdgeError } from '@kite-edge/client';
import { useEffect, useState } from 'preact/hooks';
import { explain } from '../problems.ts';

/**
 * One option chain, live (docs/fno.md#the-websocket-surface): subscribed on
 * the session's `/v2/ws` (`subscribe_chain`, `strikes` each side of the ATM
 * strike, all when undefined), its `chain` frame and then each
 * `chain_update` as the typed client applied it, at most once a second.
 * Dropped when the underlying, expiry or window changes or the page goes.
 */
export type LiveChain = { chain: FnoChain | undefined; problem: string | undefined };

export function useLiveChain(client: KiteEdgeClient, name: string | undefined, expiry: string | undefined, strikes: number | undefined): LiveChain {
  const [chain, setChain] = useState<FnoChain | undefined>();
  const [problem, setProblem] = useState<string | undefined>();

  useEffect(() => {
    setProblem(undefined);
    if (!name || !expiry) return setChain(undefined);
    const window = { ...(strikes === undefined ? {} : { strikes }) };
    setChain(client.chainOf(name, expiry, window));
    let over = false;
    const take = (payload: { window: number | null; chain: FnoChain }) => {
      if (payload.chain.name === name && payload.chain.expiry === expiry && payload.window === (strikes ?? null)) setChain(payload.chain);
    };
    const stops = [client.on('chain', take), client.on('chain_update', take)];
    client.subscribeChain(name, expiry, window).catch((error) => !over && setProblem(explainChainError(error)));
    return () => {
      over = true;
      for (const stop of stops) stop();
      // The session may be gone (signed out): nothing to stop then.
      client.unsubscribeChain(name, expiry, window).catch(() => {});
    };
  }, [client, name, expiry, strikes]);

  return { chain, problem };
}

function explainChainError(error: unknown): string {
  if (!(error instanceof KiteEdgeError)) return explain(error);
  switch (error.code) {
    case 'unknown_chain':
      return `No options of this underlying expire that day (${error.message}). Choose another expiry.`;
    case 'kite_capacity':
      return `Kite's subscription budget cannot take this chain right now (${error.message}). Try a nearer expiry, or again later.`;
    case 'chain_refused':
      return 'Your session already streams its limit of option chains: close the chain in another tab, then try again.';
    case 'unavailable':
      return 'The platform could not start this chain just now: try again in a moment.';
    default:
      return explain(error);
  }
}
