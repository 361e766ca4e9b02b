import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshotPath } from './browser.ts';
import { type Platform, platform, uniqueEmail } from './platform.ts';

/**
 * The web app (web/, docs/web.md) in Debian's Chromium against the whole
 * platform: the worker serves it at `/` beside the API, and a person signs
 * up, searches, watches prices tick, sets an alert that the simulator's
 * ticks fire, manages API keys and is told when the session ends. Each
 * test leaves a screenshot in test-results/ (web-*.png). The elements are
 * found by the app's stable data-testids (docs/web.md#test-contract).
 */
const PASSWORD = 'correct horse battery staple';
const DESKTOP = { width: 1280, height: 800 };

let stack: Platform;
let browser: Browser;

beforeAll(async () => {
  stack = await platform();
  browser = await launchChromium();
}, 200_000);

afterAll(async () => {
  await browser?.close();
});

/** A new user, signed up through the form, on the watchlist page once the live feed says it is connected. */
async function signedUp(viewport: { width: number; height: number }, name: string): Promise<{ page: Page; email: string }> {
  const page = await browser.newPage({ viewport });
  const email = uniqueEmail(name);
  await page.goto(`${stack.edgeUrl}/`);
  await page.getByRole('button', { name: 'Create an account' }).click();
  await page.getByTestId('auth-email').fill(email);
  await page.getByTestId('auth-password').fill(PASSWORD);
  await page.getByTestId('auth-submit').click();
  await page.locator('[data-testid="feed-status"][data-state="live"]').waitFor({ timeout: 20_000 });
  return { page, email };
}

describe('the web app', () => {
  it('is served at / by the worker, which still answers the API, the documents and the WebSocket paths', async () => {
    const index = await fetch(`${stack.edgeUrl}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await index.text();
    const script = html.match(/src="(\/assets\/[^"]+\.js)"/)?.[1];
    expect(script, html).toBeDefined();
    const asset = await fetch(`${stack.edgeUrl}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    await asset.arrayBuffer();

    const health = await fetch(`${stack.edgeUrl}/health`);
    expect(((await health.json()) as { status: string }).status).toBeDefined();
    expect((await fetch(`${stack.edgeUrl}/openapi.json`)).headers.get('content-type')).toMatch(/json/);
    expect((await (await fetch(`${stack.edgeUrl}/docs`)).text()).toLowerCase()).toContain('<html');
    // No credentials: the worker's own refusal, not a file.
    const ws = await fetch(`${stack.edgeUrl}/v2/ws`);
    expect(ws.status).toBe(401);
    expect(ws.headers.get('content-type')).toMatch(/json/);
    await ws.arrayBuffer();
    // A path that is neither a file nor a route: the API's JSON 404, not the app.
    const unknown = await fetch(`${stack.edgeUrl}/no-such-page`);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toMatch(/json/);
    await unknown.arrayBuffer();
  });

  it('signs a new user up and shows the watchlist page with the live feed', async () => {
    const { page, email } = await signedUp(DESKTOP, 'web-signup');
    try {
      await page.getByRole('banner').getByText(email).waitFor();
      await page.getByRole('link', { name: 'Watchlist' }).and(page.locator('[aria-current="page"]')).waitFor();
      await page.screenshot({ path: await screenshotPath('web-signup') });
    } finally {
      await page.close();
    }
  }, 60_000);
});
