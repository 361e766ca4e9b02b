import { env } from 'cloudflare:workers';
import type { Alert } from '../../contracts/alerts.ts';
import { type CallInit, call, type TestUser } from './test-users.ts';

/**
 * Alerts as the workers tests make them: through the worker's own /alerts
 * routes, as the user's access token (or a key) would.
 */
export function asUser(user: TestUser, path: string, init: CallInit = {}): Promise<Response> {
  return call(path, { ip: user.ip, bearer: user.tokens.access_token, ...init });
}

/** Creates an alert and returns it; fails the test with the answer when it is not a 201. */
export async function createAlert(user: TestUser, body: Record<string, unknown>): Promise<Alert> {
  const response = await asUser(user, '/alerts', { json: body });
  if (response.status !== 201) throw new Error(`alert creation failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as Alert;
}

export async function getAlert(user: TestUser, id: string): Promise<Alert> {
  const response = await asUser(user, `/alerts/${id}`);
  if (response.status !== 200) throw new Error(`GET /alerts/${id}: ${response.status} ${await response.text()}`);
  return (await response.json()) as Alert;
}

/** What the alert's group object holds, asked directly. */
export function groupAlerts(group: string) {
  return env.INSTRUMENT_GROUP.getByName(group).alertState();
}
