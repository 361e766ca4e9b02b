import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { expect, inject } from 'vitest';
import { type ActiveOrigin, activeOrigin, PLATFORM_UP_LAST_LINE, type StackAddresses } from '../../dev/dev-stack.ts';

/**
 * What the end-to-end tests on the shared platform (test/setup/shared-platform.ts)
 * share: the platform once it is up, waiting for something with the
 * platform's output in the failure, and a signed-in user made as a user
 * would be (POST /auth/register, then /auth/login), an admin promoted with
 * `npm run users -- promote` first.
 */
export type Platform = StackAddresses & { originLinkSecret: string; output(): string };

const OUTPUT_SHOWN = 3000;

/** The shared platform, once it has said it is up (it boots while the unit tests run). */
export async function platform(ms = 180_000): Promise<Platform> {
  const addresses = inject('platform');
  const output = () => {
    try {
      return readFileSync(addresses.logFile, 'utf8');
    } catch {
      return '';
    }
  };
  const shared: Platform = { ...addresses, output };
  await waitFor(shared, 'the shared platform to come up', async () => output().includes(PLATFORM_UP_LAST_LINE), ms);
  return shared;
}

export async function waitFor<T>(stack: Pick<Platform, 'output'>, what: string, check: () => Promise<T | undefined | false>, ms = 20_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}\n${stack.output().slice(-OUTPUT_SHOWN)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** An e-mail address no other test on the shared platform uses: `name+<unique>@example.test`. */
export function uniqueEmail(name: string): string {
  return `${name}+${randomUUID().slice(0, 8)}@example.test`;
}

export type SignedIn = { id: string; token: string };

export async function signIn(stack: Platform, email: string, password: string, options: { admin?: boolean } = {}): Promise<SignedIn> {
  // A 503 (the database slow to answer while the whole suite loads the machine) is retried, as the API asks clients to.
  const post = async (path: string, body: unknown) => {
    for (let attempt = 1; ; attempt++) {
      const response = await fetch(`${stack.edgeUrl}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      if (response.status !== 503 || attempt === 3) return response;
      await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
    }
  };
  expect((await post('/auth/register', { email, password })).status).toBe(202);
  if (options.admin) {
    const promote = spawnSync(process.execPath, ['ops/users-cli.ts', 'promote', email], {
      env: { ...process.env, DATABASE_URL: stack.databaseUrl },
      encoding: 'utf8',
    });
    expect(promote.status, promote.stderr).toBe(0);
  }
  const login = await post('/auth/login', { email, password });
  expect(login.status).toBe(200);
  const body = (await login.json()) as { access_token: string; user: { id: string } };
  return { id: body.user.id, token: body.access_token };
}

/**
 * The origin that holds the lease now (origin-ticker/lease/), once one
 * does: `npm run dev` runs two, and a suite that kills or hangs one leaves
 * either active, so a test that reads the origin's Kite state asks
 * whichever is active, and one that kills the active finds its pid here.
 */
export function waitForActiveOrigin(stack: Platform, ms = 30_000): Promise<ActiveOrigin> {
  return waitFor(stack, 'an active origin', () => activeOrigin(stack), ms);
}

export async function activeOriginUrl(stack: Platform, ms = 30_000): Promise<string> {
  return (await waitForActiveOrigin(stack, ms)).url;
}

/**
 * Makes the first origin (ORIGIN_PORT, where the simulator's Kite login
 * redirects) the active one again after a suite left the standby active:
 * the standby is restarted, which gives up its lease, and the first takes it.
 */
export async function firstOriginActive(stack: Platform): Promise<void> {
  if ((await activeOriginUrl(stack)) === stack.originUrl) return;
  for (const action of ['stop', 'start']) {
    const response = await fetch(`${stack.controlUrl}/parts/origin-standby/${action}`, { method: 'POST', headers: { 'X-Dev-Control': '1' } });
    expect(response.status, `${action} origin-standby: ${await response.clone().text()}`).toBe(200);
  }
  await waitFor(stack, 'the first origin active', async () => (await activeOriginUrl(stack)) === stack.originUrl, 30_000);
}
