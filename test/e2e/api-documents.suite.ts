import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Parser } from '@asyncapi/parser';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshotPath } from './browser.ts';
import { type Platform, platform, signIn, uniqueEmail } from './platform.ts';

/**
 * The API's descriptions as the running platform serves them (docs/api.md):
 * both documents pass the standard validators, /docs renders in Chromium,
 * and the packed typed client, installed in a project of its own outside
 * the repository, talks to the platform.
 */
const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const NIFTY = 256265; // pinned by npm run dev, so it always has a latest tick

let stack: Platform;
let key: { id: string; secret: string };

beforeAll(async () => {
  stack = await platform();
  const email = uniqueEmail('documents');
  const { token } = await signIn(stack, email, 'api documents test password');
  const created = await fetch(`${stack.edgeUrl}/api-keys`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: JSON.stringify({ name: 'packed client', scopes: ['read'] }),
  });
  key = (await created.json()) as { id: string; secret: string };
}, 200_000);

describe('the API documents the platform serves', () => {
  it('/openapi.json is valid OpenAPI 3.1', async () => {
    const document = (await (await fetch(`${stack.edgeUrl}/openapi.json`)).json()) as Parameters<Validator['validate']>[0];
    const validator = new Validator();
    const result = await validator.validate(document);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('/asyncapi.json parses with @asyncapi/parser without errors', async () => {
    const { document, diagnostics } = await new Parser().parse(await (await fetch(`${stack.edgeUrl}/asyncapi.json`)).text());
    expect(diagnostics.filter((d) => d.severity === 0).map((d) => `${d.path.join('.')}: ${d.message}`)).toEqual([]);
    expect(
      document
        ?.channels()
        .all()
        .map((channel) => channel.address()),
    ).toEqual(['/v2/ws', '/kite/ws']);
    const subscribe = document?.channels().get('v2')?.messages().get('subscribe');
    expect(subscribe?.payload()?.properties()?.mode?.enum()).toEqual(['ltp', 'quote', 'full']);
  });

  it('/docs renders the operations in Chromium', async () => {
    // The page loads Scalar's pinned bundle from jsDelivr; offline, the same file comes from node_modules.
    const bundle = join(ROOT, 'node_modules/@scalar/api-reference/dist/browser/standalone.js');
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      let bundleServed = false;
      await page.route('https://cdn.jsdelivr.net/npm/@scalar/api-reference@*/dist/browser/standalone.js', (route) => {
        bundleServed = true;
        return route.fulfill({ path: bundle, contentType: 'application/javascript' });
      });
      await page.goto(`${stack.edgeUrl}/docs`);
      await page.getByText('Log in: a session’s access and refresh tokens').first().waitFor({ timeout: 30_000 });
      await page.screenshot({ path: await screenshotPath('docs') });
      expect(bundleServed).toBe(true);
      await expect(page.getByRole('heading', { name: 'kite-edge' }).first().isVisible()).resolves.toBe(true);
      // Every area of the document is in the sidebar.
      for (const tag of ['instruments', 'quote (Kite)', 'fno', 'alerts', 'streaming']) {
        await expect(page.getByText(tag, { exact: true }).first().isVisible(), tag).resolves.toBe(true);
      }
    } finally {
      await browser.close();
    }
  }, 60_000);
});

describe('the packed typed client, installed outside the repository', () => {
  let scratch: string;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'kite-edge-client-'));
  });
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it('opens a /v2/ws session with an API key, subscribes and gets a tick, and calls the REST API', async () => {
    // The build is current: npm install (prepare) or npm test (pretest) made it.
    await run('npm', ['pack', '--ignore-scripts', '--pack-destination', scratch], { cwd: join(ROOT, 'client') });
    const [tarball] = (await readdir(scratch)).filter((file) => file.endsWith('.tgz'));
    expect(tarball).toBeDefined();
    await writeFile(join(scratch, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module' }));
    // zod comes from npm's cache: the repository's own install put it there.
    await run('npm', ['install', `./${tarball}`, '--prefer-offline', '--no-audit', '--no-fund'], { cwd: scratch });
    await writeFile(
      join(scratch, 'main.js'),
      `import { KiteEdgeClient, KiteEdgeRest } from '@kite-edge/client';
const [edge, apiKey, secret, token] = process.argv.slice(2);
const credentials = { apiKey, secret };
const rest = new KiteEdgeRest({ baseUrl: edge, credentials });
const me = await rest.me();
const client = new KiteEdgeClient({ url: edge.replace('http', 'ws') + '/v2/ws', credentials });
const tick = new Promise((resolve) => {
  const take = (ticks) => { const found = ticks.find((t) => t.instrument_token === Number(token)); if (found) resolve(found); };
  client.on('snapshot', take);
  client.on('ticks', take);
});
const welcome = await client.connect();
const ack = await client.subscribe([Number(token)], 'ltp');
console.log(JSON.stringify({ via: me.via, session: welcome.session, accepted: ack.accepted.length, tick: await tick }));
client.close();
`,
    );
    const { stdout } = await run(process.execPath, ['main.js', stack.edgeUrl, key.id, key.secret, String(NIFTY)], { cwd: scratch, timeout: 20_000 });
    const printed = JSON.parse(stdout) as { via: string; session: string; accepted: number; tick: { instrument_token: number; last_price: number } };
    expect(printed).toMatchObject({ via: 'api_key', accepted: 1, tick: { instrument_token: NIFTY } });
    expect(printed.tick.last_price).toBeGreaterThan(0);
  }, 60_000);
});
