import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, expect, inject } from 'vitest';
import { activeOrigin, type DevStack, launchDevStack, PLATFORM_UP_LAST_LINE, type StackAddresses } from '../../dev/dev-stack.ts';
import { portIsFree } from '../../dev/ports.ts';
import { ORIGIN_LINK_SECRET, PLATFORM_ENV } from '../setup/shared-platform.ts';
import { type ExternalServices, startExternalServices } from './external-services.ts';

/**
 * What the end-to-end tests share: the platform once it is up (the shared
 * one of test/setup/shared-platform.ts, or the file's own, see
 * `ownPlatformFile`), waiting for something with the platform's output in
 * the failure, and a signed-in user made as a user would be (POST
 * /auth/register, then /auth/login), an admin promoted with
 * `npm run users -- promote` first.
 */
export type Platform = StackAddresses & { originLinkSecret: string; output(): string };

const OUTPUT_SHOWN = 3000;

/** This file's own platform, when it has one (`ownPlatformFile`), and the Postgres and Redis it runs on. */
let own: Promise<DevStack> | undefined;
let external: Promise<ExternalServices> | undefined;

/**
 * The suites of this file run on a platform of their own, not the shared
 * one: the suites that stop, kill and hang its parts one after another
 * (failover, the fault matrix) would otherwise hold the shared platform
 * alone for a minute and more, with every other end-to-end test waiting.
 * It runs on a Postgres and a Redis of the file's own outside it
 * (`externalServices`; the shared platform on the ones it starts itself),
 * starts once the shared platform is up, so that the two boots do not
 * share the cores, and when the file ends is stopped as a developer stops
 * it, with Ctrl-C: it must exit 0 and free every port. One that stopped by
 * itself during the file fails it.
 */
export function ownPlatformFile(env: Record<string, string> = {}): void {
  let ended = false;
  const shared = inject('platform') ? sharedPlatform() : Promise.resolve();
  external = shared.then(startExternalServices);
  own = external.then(async (services) => {
    const stack = await launchDevStack({ ...PLATFORM_ENV, ...env, ...services.env });
    stack.exited.then(() => (ended = true));
    return stack;
  });
  afterAll(async () => {
    const [stack, services] = await Promise.all([own, external]);
    if (!stack || !services) return;
    const early = ended;
    const problems = early ? ['it stopped during the run'] : await stopWithCtrlC(stack);
    if (services.crashes.length > 0) problems.push(`its own Postgres or Redis died: ${services.crashes.join('; ')}`);
    const output = stack.output();
    await stack.stop();
    await services.stop();
    if (problems.length > 0) throw new Error(`this file's own platform: ${problems.join('; ')}\n${output.slice(-OUTPUT_SHOWN)}`);
  }, 60_000);
}

/** Ctrl-C: what stops the platform short of that, or leaves a port of it in use (none when it stops whole). */
async function stopWithCtrlC(stack: DevStack): Promise<string[]> {
  process.kill(stack.pid, 'SIGINT');
  const code = await stack.exited;
  const busy = [];
  for (const [name, port] of Object.entries(stack.ports)) if (!(await portIsFree(port))) busy.push(`${name} ${port}`);
  return [
    ...(code === 0 ? [] : [`Ctrl-C ended it with exit code ${code}, not 0`]),
    ...(stack.output().includes('stopped edge') ? [] : ['Ctrl-C did not stop the edge']),
    ...(busy.length === 0 ? [] : [`Ctrl-C left ports in use: ${busy.join(', ')}`]),
  ];
}

/** The Postgres and Redis this file's own platform runs on, each a part a test stops, starts, hangs and lets go. */
export async function externalServices(): Promise<ExternalServices> {
  if (!external) throw new Error('only a file with a platform of its own (ownPlatformFile) has external services');
  return external;
}

/** The platform this file's suites run on, once it has said it is up (it boots while the unit tests run). */
export async function platform(ms = 180_000): Promise<Platform> {
  if (!own) return sharedPlatform(ms);
  const stack = await own;
  // `up` settles once: a later suite's call does not depend on the line still being in the output's tail.
  await stack.up;
  return { ...stack, originLinkSecret: ORIGIN_LINK_SECRET, output: () => stack.output() };
}

async function sharedPlatform(ms = 180_000): Promise<Platform> {
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
 * The URL of the origin that holds the lease now (origin-ticker/lease/),
 * once one does: `npm run dev` runs two, and a suite that kills or hangs one
 * leaves either active, so a test that reads the origin's Kite state asks
 * whichever is active.
 */
export async function activeOriginUrl(stack: Platform, ms = 30_000): Promise<string> {
  return (await waitFor(stack, 'an active origin', () => activeOrigin(stack), ms)).url;
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
