import { MAX_CHAINS_PER_SESSION } from '../../contracts/client-protocol.ts';
import { edgeConfig } from '../../contracts/worker-config.ts';
import { openDatabase } from '../../storage/database.ts';
import { resolveChain } from '../../storage/resolve-chain.ts';
import { instrumentGroup } from '../stubs.ts';
import type { GroupLinks } from './group-links.ts';
import type { HubChains } from './hub-chains.ts';
import { type Session, sendJson } from './session.ts';
import type { Control } from './session-control.ts';
import type { SessionStore } from './session-store.ts';

/**
 * `subscribe_chain` and `unsubscribe_chain` of a /v2/ws session
 * (docs/websocket.md). A subscribe resolves the chain from the registry,
 * has its group start it (or confirm it streams: `startChain` is
 * idempotent) and say whether Kite took its contracts, then joins the
 * hub's stream of it: the ack, then the chain whole (now if the hub holds
 * it, else when the group sends it), then its updates. A change to the
 * session's chains is stored with it (session-store.ts), for a resume.
 */
export type ChainControl = Extract<Control, { op: 'subscribe_chain' | 'unsubscribe_chain' }>;

export type ChainControlDeps = {
  env: Cloudflare.Env;
  chains: HubChains;
  groups: GroupLinks;
  store: Pick<SessionStore, 'saveChains'>;
  isOpen(session: Session): boolean;
};

export async function actOnChain(deps: ChainControlDeps, session: Session, control: ChainControl): Promise<void> {
  const id = control.id === undefined ? {} : { id: control.id };
  const window = control.strikes ?? null;
  const stream = { name: control.name, expiry: control.expiry, ...(control.strikes === undefined ? {} : { strikes: control.strikes }) };
  const refuse = (code: 'unknown_chain' | 'kite_capacity' | 'chain_refused' | 'unavailable', message: string, extra: { refused?: number } = {}) =>
    sendJson(session, { type: 'error', ...id, code, message, ...extra });

  if (control.op === 'unsubscribe_chain') {
    if (!deps.chains.has(session.id, control.name, control.expiry, window)) {
      refuse('chain_refused', `this session does not stream ${control.name} ${control.expiry}${windowText(window)}`);
      return;
    }
    const changed = deps.chains.unsubscribe(session.id, control.name, control.expiry, window);
    if (changed !== undefined) deps.groups.syncChains(changed);
    deps.store.saveChains(session.id, deps.chains.chainsOf(session.id));
    sendJson(session, { type: 'ack', ...id, action: 'unsubscribe_chain', ...stream, chains: deps.chains.countOf(session.id) });
    return;
  }

  const already = deps.chains.has(session.id, control.name, control.expiry, window);
  if (!already && deps.chains.countOf(session.id) >= MAX_CHAINS_PER_SESSION) {
    refuse('chain_refused', `a session streams at most ${MAX_CHAINS_PER_SESSION} chains`);
    return;
  }
  let refused: number;
  let resolvedGroup: string;
  try {
    const config = edgeConfig(deps.env);
    const resolved = await resolveChain(openDatabase(config.database, config.queryTimeoutMs), control.name, control.expiry, config.fnoRate);
    if (!resolved.found) {
      refuse(
        'unknown_chain',
        resolved.expiries.length === 0
          ? `no options of ${control.name} are listed`
          : `no options of ${control.name} expire on ${control.expiry}; the listed expiries are ${resolved.expiries.join(', ')}`,
      );
      return;
    }
    resolvedGroup = resolved.group;
    refused = (await instrumentGroup(deps.env, resolved.group).startChain(resolved.definition, control.strikes, 0)).refused;
  } catch (error) {
    console.error(`hub: subscribe_chain ${control.name} ${control.expiry}: ${String(error)}`);
    refuse('unavailable', `the chain could not be started (${error instanceof Error ? error.message : String(error)}); try again`);
    return;
  }
  if (!deps.isOpen(session)) return;
  if (refused > 0) {
    refuse(
      'kite_capacity',
      `Kite could not subscribe ${refused} contracts of ${control.name} ${control.expiry}: the accounts' connections are full (3 connections × 3000 instruments each)`,
      { refused },
    );
    return;
  }
  const joined = deps.chains.subscribe(session.id, resolvedGroup, control.name, control.expiry, window);
  if (joined.isNew) deps.groups.syncChains(resolvedGroup);
  if (!already) deps.store.saveChains(session.id, deps.chains.chainsOf(session.id));
  sendJson(session, { type: 'ack', ...id, action: 'subscribe_chain', ...stream, chains: deps.chains.countOf(session.id) });
  if (joined.chain && !already) sendJson(session, { type: 'chain', window, ...joined.chain });
}

const windowText = (window: number | null) => (window === null ? '' : ` (${window} strikes each side)`);
