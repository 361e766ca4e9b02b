import { FORMAT } from './secrets.ts';

/**
 * Where a request carries its credential (docs/auth.md):
 *
 *   Authorization: Bearer <access token>                 a user's session
 *   Authorization: token <api_key>:<secret>              an API key (Kite's header form)
 *
 * and, on WebSocket upgrades only, where a browser or Kite's ticker client
 * cannot set headers:
 *
 *   ?api_key=<api_key>&access_token=<secret>             an API key (Kite's ticker URL)
 *   ?access_token=<access token>                         a user's session
 *   Sec-WebSocket-Protocol: bearer.<access token>        a user's session, from a browser
 *   Sec-WebSocket-Protocol: apikey.<api_key>.<secret>    an API key, from a browser
 *
 * Plain HTTP requests take the header only: URLs end up in logs, proxies
 * and browser history, so a secret in a REST URL would leak.
 */
export type Credentials =
  | { kind: 'none' }
  | { kind: 'access_token'; token: string }
  | { kind: 'api_key'; keyId: string; secret: string }
  | { kind: 'malformed'; message: string };

const SUBPROTOCOL_PREFIX = { accessToken: 'bearer.', apiKey: 'apikey.' } as const;

export function readCredentials(request: Request): Credentials {
  const header = request.headers.get('Authorization');
  if (header !== null) return fromHeader(header);
  if (request.headers.get('Upgrade')?.toLowerCase() !== 'websocket') return { kind: 'none' };
  const query = new URL(request.url).searchParams;
  if (query.has('api_key') || query.has('access_token')) return fromQuery(query);
  return fromSubprotocols(request.headers.get('Sec-WebSocket-Protocol'));
}

function fromHeader(header: string): Credentials {
  const [scheme = '', value = '', ...rest] = header.trim().split(/ +/);
  if (rest.length === 0 && /^bearer$/i.test(scheme)) return accessToken(value, 'the bearer token');
  if (rest.length === 0 && /^token$/i.test(scheme)) {
    const colon = value.indexOf(':');
    if (colon > 0) return apiKey(value.slice(0, colon), value.slice(colon + 1));
  }
  return { kind: 'malformed', message: 'Authorization must be "Bearer <access token>" or "token <api_key>:<access_token>"' };
}

function fromQuery(query: URLSearchParams): Credentials {
  const key = query.get('api_key');
  const token = query.get('access_token');
  if (key !== null && token !== null) return apiKey(key, token);
  if (token !== null) return accessToken(token, 'access_token');
  return { kind: 'malformed', message: 'api_key needs its access_token (the key’s secret) beside it' };
}

function fromSubprotocols(header: string | null): Credentials {
  for (const entry of (header ?? '').split(',').map((p) => p.trim())) {
    if (entry.startsWith(SUBPROTOCOL_PREFIX.accessToken)) return accessToken(entry.slice(SUBPROTOCOL_PREFIX.accessToken.length), 'the bearer. subprotocol');
    if (entry.startsWith(SUBPROTOCOL_PREFIX.apiKey)) {
      const [keyId = '', secret = ''] = entry.slice(SUBPROTOCOL_PREFIX.apiKey.length).split('.');
      return apiKey(keyId, secret);
    }
  }
  return { kind: 'none' };
}

function accessToken(token: string, where: string): Credentials {
  return FORMAT.accessToken.test(token) ? { kind: 'access_token', token } : { kind: 'malformed', message: `${where} is not an access token` };
}

function apiKey(keyId: string, secret: string): Credentials {
  if (!FORMAT.keyId.test(keyId)) return { kind: 'malformed', message: 'api_key is not an API key id (ak_ and 16 hex digits)' };
  if (!FORMAT.keySecret.test(secret)) return { kind: 'malformed', message: 'the API key’s secret (access_token) is malformed (sk_ and 43 characters)' };
  return { kind: 'api_key', keyId, secret };
}
