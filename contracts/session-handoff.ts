/**
 * What the worker tells a SessionHub about a client: the headers it sets on
 * the WebSocket upgrade it hands over (edge/ws/routes.ts; a client cannot
 * reach a hub directly), and the credentials that have ended
 * (edge/ws/end-sessions.ts).
 */
export const SESSION_HEADERS = {
  user: 'X-Session-User',
  key: 'X-Session-Key',
  epoch: 'X-Session-Epoch',
  /** When the access token the session opens with expires (ms since the epoch): the hub ends the session then. */
  expires: 'X-Session-Expires',
  protocol: 'X-Session-Protocol',
  /** `binary` for /v2/ws?format=binary (contracts/client-protocol.ts TickFormat); absent means json. */
  format: 'X-Session-Format',
  subprotocol: 'X-Session-Subprotocol',
  resume: 'X-Session-Resume',
} as const;

/**
 * A credential that has stopped being valid: an API key revoked, or every
 * access token issued before a user's session epoch `from` (logout,
 * password change). The worker tells the user's hub (edge/ws/end-sessions.ts).
 */
export type EndedCredential = { keyId: string } | { epochFrom: number };
