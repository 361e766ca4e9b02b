import type { FnoChain, FnoExpirySummary, FnoSummary } from '../../../contracts/fno-chain.ts';

/**
 * `GET /fno/summary`: one underlying's expiries side by side, nearest
 * first, each with its forward, ATM IV, PCRs, max pain and basis: the term
 * structure. Built from each expiry's whole chain (not a window of it), as
 * computeChain returns it, at `now`.
 */
export function fnoSummary(name: string, now: number, chains: readonly FnoChain[]): FnoSummary {
  const expiries = chains
    .map((chain): FnoExpirySummary => {
      if (chain.name !== name) throw new RangeError(`${name}'s summary cannot take a chain of ${chain.name}`);
      return {
        expiry: chain.expiry,
        time_to_expiry_years: chain.time_to_expiry_years,
        spot: chain.spot,
        forward: chain.forward,
        forward_source: chain.forward_source,
        basis: chain.basis,
        basis_annualised: chain.basis_annualised,
        rate: chain.rate,
        atm_strike: chain.atm_strike,
        atm_iv: chain.atm_iv,
        risk_reversal_25d: chain.risk_reversal_25d,
        pcr_oi: chain.pcr_oi,
        pcr_volume: chain.pcr_volume,
        max_pain: chain.max_pain,
        total_call_oi: chain.total_call_oi,
        total_put_oi: chain.total_put_oi,
      };
    })
    .sort((a, b) => (a.expiry < b.expiry ? -1 : a.expiry > b.expiry ? 1 : 0));
  return { name, as_of: new Date(now).toISOString(), expiries };
}
