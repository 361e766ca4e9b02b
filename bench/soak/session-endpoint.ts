import { V2_SUBPROTOCOL } from '../../contracts/client-protocol.ts';
import type { ApiKey } from './soak-accounts.ts';

/**
 * Where a soak session connects and how it shows its credential. The
 * soak uses a different form for each kind of session, so each of the
 * edge's forms (docs/websocket.md, "Connecting and credentials") carries
 * sessions for the whole run: an access token as a subprotocol (the
 * browser's way), an API key in the Authorization header on /v2/ws, and
 * an API key in the query on /kite/ws (KiteTicker's way).
 */
export type SessionCredential = { kind: 'access'; token: string } | { kind: 'key'; key: ApiKey };

export type Endpoint = { url: string; protocols: string[]; headers: Record<string, string> | undefined };

export function sessionEndpoint(wsBase: string, protocol: 'v2' | 'kite', credential: SessionCredential, resume?: string): Endpoint {
  if (protocol === 'kite') {
    if (credential.kind !== 'key') throw new Error('a /kite/ws session needs an API key');
    const url = new URL(`${wsBase}/kite/ws`);
    url.searchParams.set('api_key', credential.key.apiKey);
    url.searchParams.set('access_token', credential.key.secret);
    return { url: String(url), protocols: [], headers: undefined };
  }
  const url = new URL(`${wsBase}/v2/ws`);
  if (resume) url.searchParams.set('resume', resume);
  if (credential.kind === 'access') return { url: String(url), protocols: [V2_SUBPROTOCOL, `bearer.${credential.token}`], headers: undefined };
  return { url: String(url), protocols: [V2_SUBPROTOCOL], headers: { Authorization: `token ${credential.key.apiKey}:${credential.key.secret}` } };
}
