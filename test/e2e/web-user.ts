import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { launchChromium } from './browser.ts';
import { type Platform, platform, type SignedIn, signIn, uniqueEmail } from './platform.ts';

/**
 * A person at the web app in the end-to-end suites (web-*.suite.ts): a
 * user made through the API (as platform.ts makes them) who signs in
 * through the app's form, and their watchlist filled through the REST API
 * where a test is not about filling it.
 */
export const PASSWORD = 'correct horse battery staple';
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };
/** NIFTY 50 and NIFTY BANK are pinned by npm run dev: they always tick. */
export const NIFTY = 256265;
export const NIFTY_BANK = 260105;

export type WebUser = SignedIn & { email: string };

export async function newUser(stack: Platform, name: string): Promise<WebUser> {
  const email = uniqueEmail(name);
  return { ...(await signIn(stack, email, PASSWORD)), email };
}

/** A page signed in as `user` through the form, once the feed badge says live. */
export async function signedInPage(browser: Browser, stack: Platform, user: WebUser, viewport = DESKTOP): Promise<Page> {
  const page = await browser.newPage({ viewport });
  await page.goto(`${stack.edgeUrl}/`);
  await page.getByTestId('auth-email').fill(user.email);
  await page.getByTestId('auth-password').fill(PASSWORD);
  await page.getByTestId('auth-submit').click();
  await liveFeed(page);
  return page;
}

export async function liveFeed(page: Page): Promise<void> {
  await page.locator('[data-testid="feed-status"][data-state="live"]').waitFor({ timeout: 20_000 });
}

/** Puts instruments in the user's first watchlist (made if none yet) through the REST API; returns its id. */
export async function fillWatchlist(stack: Platform, user: WebUser, tokens: number[]): Promise<string> {
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${stack.edgeUrl}${path}`, {
      method,
      headers: { Authorization: `Bearer ${user.token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    expect(response.status, `${method} ${path}: ${await response.clone().text()}`).toBeLessThan(300);
    return response.json() as Promise<{ id: string; watchlists: { id: string }[] }>;
  };
  const { watchlists } = await call('GET', '/watchlists');
  const id = watchlists[0]?.id ?? (await call('POST', '/watchlists', { name: 'My watchlist' })).id;
  await call('PUT', `/watchlists/${id}/instruments`, { instrument_tokens: tokens });
  return id;
}

/** The row's last price as a number (the cell shows Indian grouping: 24,310.55), or undefined before the first tick. */
export async function lastPrice(page: Page, token: number): Promise<number | undefined> {
  const text = await page.locator(`[data-testid="watchlist-row"][data-token="${token}"] [data-testid="last-price"]`).textContent();
  const price = Number((text ?? '').replace(/,/g, ''));
  return text && Number.isFinite(price) && /\d/.test(text) ? price : undefined;
}

/** Whether every row's buttons lie inside the table (fixed column widths must leave them room). */
export async function rowButtonsFit(page: Page): Promise<boolean> {
  const table = await page.locator('table.quotes').boundingBox();
  const buttons = await page.getByTestId('row-remove').evaluateAll((all) => all.map((b) => b.getBoundingClientRect().right));
  return table !== null && buttons.length > 0 && buttons.every((right) => right <= table.x + table.width + 0.5);
}

/** The Chromium the web suites of this process share (launching one costs a second or two of a core). */
let chromium: Promise<Browser> | undefined;

/**
 * What each web suite works with: the shared platform once it is up, and the
 * file's one Chromium (its pages are the suite's own, each closed by its
 * test). Read its fields inside hooks and tests (they are set before the
 * first runs). The file closes the browser when it ends: `webFile()`.
 */
export function webSuite(): { stack: Platform; browser: Browser } {
  const web = {} as { stack: Platform; browser: Browser };
  beforeAll(async () => {
    web.stack = await platform();
    chromium ??= launchChromium();
    web.browser = await chromium;
  }, 200_000);
  return web;
}

/** At the top of a file of web suites: its Chromium is closed after the last of them. */
export function webFile(): void {
  afterAll(async () => {
    await (await chromium?.catch(() => undefined))?.close();
  });
}
