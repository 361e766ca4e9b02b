import { KiteEdgeApiError, KiteEdgeError } from '@kite-edge/client';

/**
 * What went wrong, in plain words for the person at the screen: the
 * platform's error codes (docs/errors.md) and the network's failures,
 * each with what to do about it. Every view shows errors through this.
 */
export function explain(error: unknown): string {
  if (error instanceof KiteEdgeApiError) return explainApi(error);
  if (error instanceof KiteEdgeError) {
    if (error.code === 'rate_limited') return 'Too many requests at once: wait a moment and try again.';
    if (error.code === 'timeout' || error.code === 'closed')
      return 'The live connection dropped before the platform answered. It reconnects by itself; try again in a moment.';
    return error.message;
  }
  // fetch rejects with a TypeError when the request never got an answer.
  if (error instanceof TypeError) return 'Cannot reach the platform: check your network connection, then try again.';
  return error instanceof Error ? error.message : String(error);
}

function explainApi(error: KiteEdgeApiError): string {
  switch (error.code) {
    case 'invalid_credentials':
      return 'That e-mail address and password do not match. Check them and try again.';
    case 'account_locked':
      return `Too many failed sign-ins for this address: sign-in to it is locked for 15 minutes. Try again later.`;
    case 'rate_limited':
      return 'Too many requests in a short time: wait a minute and try again.';
    case 'limit_exceeded':
      return `You have reached a limit: ${error.message}.`;
    case 'invalid_parameter': {
      const param = (error.body as { error?: { param?: string } } | undefined)?.error?.param;
      return param ? `${fieldName(param)} ${error.message}.` : `${error.message}.`;
    }
    case 'token_expired':
    case 'token_revoked':
    case 'unauthorized':
      return 'Your session has ended. Sign in again.';
    default:
      return error.status >= 500 ? 'The platform is having trouble right now: try again in a moment.' : `${error.message}.`;
  }
}

const FIELD_NAMES: Record<string, string> = { email: 'E-mail address:', password: 'Password:', name: 'Name:', note: 'Note:', instrument: 'Instrument:' };

function fieldName(param: string): string {
  return FIELD_NAMES[param] ?? `${param.replace(/^condition\./, '').replace(/_/g, ' ')}:`;
}
