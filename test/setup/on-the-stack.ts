import { spawnSync } from 'node:child_process';
import { expect } from 'vitest';
import type { DevStack } from '../../dev/dev-stack.ts';

/**
 * What the end-to-end tests on the whole platform (dev/dev-stack.ts)
 * share: waiting for something with the platform's output in the failure,
 * and a signed-in user made as a user would be (POST /auth/register, then
 * /auth/login), an admin promoted with `npm run users -- promote` first.
 */
export async function waitFor<T>(stack: DevStack, what: string, check: () => Promise<T | undefined | false>, ms = 20_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}\n${stack.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export type SignedIn = { id: string; token: string };

export async function signIn(stack: DevStack, email: string, password: string, options: { admin?: boolean } = {}): Promise<SignedIn> {
  const post = (path: string, body: unknown) =>
    fetch(`${stack.edgeUrl}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
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
