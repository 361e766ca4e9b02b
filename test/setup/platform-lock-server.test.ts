import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PlatformLockServer, startPlatformLockServer } from './platform-lock-server.ts';

/** The platform lock the end-to-end files share (test/e2e/platform-lock.ts), over real HTTP connections. */
let server: PlatformLockServer;
beforeAll(async () => {
  server = await startPlatformLockServer();
});
afterAll(() => server.close());

type Hold = { granted: Promise<void>; release(): void; isGranted(): boolean };

function ask(mode: 'read' | 'write'): Hold {
  const controller = new AbortController();
  let granted = false;
  const answer = fetch(`${server.url}/${mode}`, { signal: controller.signal });
  const grant = answer.then((response) => {
    expect(response.status).toBe(200);
    granted = true;
  });
  grant.catch(() => {}); // a hold given up while waiting rejects with AbortError, which only a test that awaits it wants
  return {
    granted: grant,
    release: () => controller.abort(),
    isGranted: () => granted,
  };
}

/** Long enough for a grant to cross the loopback had it been given. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 100));

describe('the platform lock', () => {
  it('lets readers share it, and a writer in only when they are done', async () => {
    const [a, b] = [ask('read'), ask('read')];
    await Promise.all([a.granted, b.granted]);
    const writer = ask('write');
    await settle();
    expect(writer.isGranted()).toBe(false);
    a.release();
    await settle();
    expect(writer.isGranted()).toBe(false);
    b.release();
    await writer.granted;
    writer.release();
  });

  it('serves in order: a reader that comes after a waiting writer waits for it', async () => {
    const first = ask('read');
    await first.granted;
    const writer = ask('write');
    await settle();
    const late = ask('read');
    await settle();
    expect([writer.isGranted(), late.isGranted()]).toEqual([false, false]);
    first.release();
    await writer.granted;
    await settle();
    expect(late.isGranted()).toBe(false);
    writer.release();
    await late.granted;
    late.release();
  });

  it('frees what a client held, or waited for, when its connection goes', async () => {
    const writer = ask('write');
    await writer.granted;
    const gone = ask('write');
    await settle();
    gone.release(); // gave up waiting
    writer.release(); // its worker ended
    const next = ask('write');
    await next.granted;
    next.release();
  });

  it('answers 404 to anything else', async () => {
    expect((await fetch(`${server.url}/unlock`)).status).toBe(404);
  });
});
