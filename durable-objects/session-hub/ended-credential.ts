import type { EndedCredential } from '../../contracts/session-handoff.ts';
import type { Attachment } from './session.ts';

/**
 * Which sessions a credential that stopped being valid opened, and what
 * they are told: a revoked API key ends the sessions opened with it; a
 * logout or password change ends those opened with an access token of an
 * epoch before it. Sessions of the user's other credentials go on.
 */
export function openedWith(ended: EndedCredential): (session: Pick<Attachment, 'keyId' | 'epoch'>) => boolean {
  if ('keyId' in ended) return (session) => session.keyId === ended.keyId;
  return (session) => session.keyId === null && (session.epoch ?? -1) < ended.epochFrom;
}

export function endedReason(ended: EndedCredential): string {
  return 'keyId' in ended
    ? `API key ${ended.keyId} was revoked`
    : 'signed out: the access token this session opened with has ended (logout, password change or a reused refresh token)';
}

/**
 * The key of the lost sessions to drop (null: the user's access tokens'). A
 * lost session keeps no epoch in storage, so every lost one of the user's
 * access tokens goes (a new token's resume is as good as a new session).
 */
export function lostKeyOf(ended: EndedCredential): string | null {
  return 'keyId' in ended ? ended.keyId : null;
}
