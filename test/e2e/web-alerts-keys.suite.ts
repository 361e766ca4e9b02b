import { describe, expect, it } from 'vitest';
import { screenshotPath } from './browser.ts';
import { waitFor } from './platform.ts';
import { fillWatchlist, lastPrice, NIFTY, newUser, signedInPage, webSuite } from './web-user.ts';

/**
 * The web app's alerts and API keys in Chromium (docs/web.md): an alert
 * made from a watchlist row that the simulator's next tick fires, shown as
 * a toast and in the history, then deleted; an API key created (its secret
 * shown once and copied), used, and revoked.
 */
const web = webSuite();

describe('the web app: alerts and API keys', () => {
  it('makes an alert from a watchlist row; the simulator’s ticks fire it: a toast, the history, and it is deleted', async () => {
    const user = await newUser(web.stack, 'web-alert');
    await fillWatchlist(web.stack, user, [NIFTY]);
    const page = await signedInPage(web.browser, web.stack, user);
    try {
      const price = await waitFor(web.stack, 'a NIFTY 50 price', () => lastPrice(page, NIFTY));
      await page.locator(`[data-testid="watchlist-row"][data-token="${NIFTY}"] [data-testid="row-alert"]`).click();
      const form = page.getByTestId('alert-form');
      await form.getByRole('heading', { name: 'New alert on NSE:NIFTY 50' }).waitFor();
      // A bound the index is above: the next tick meets it.
      await form.getByLabel('When').selectOption('price_above');
      await form.getByTestId('alert-value').fill(String(Math.floor(price / 2)));
      await form.getByLabel('Note (optional)').fill('from the browser test');
      await form.getByTestId('alert-submit').click();
      const fired = page.getByTestId('toast').filter({ hasText: 'Alert: NSE:NIFTY 50' });
      await fired.waitFor({ timeout: 20_000 });
      expect(await fired.textContent()).toContain('from the browser test');
      await page.screenshot({ path: await screenshotPath('web-alert-toast') });

      await page.getByRole('link', { name: 'Alerts' }).click();
      const row = page.getByTestId('alert-row').filter({ hasText: 'NSE:NIFTY 50' });
      await row.and(page.locator('[data-state="triggered"]')).waitFor();
      await page.getByTestId('alert-history-row').filter({ hasText: 'NSE:NIFTY 50' }).first().waitFor();
      await page.screenshot({ path: await screenshotPath('web-alerts') });
      await row.getByRole('button', { name: /Delete the alert/ }).click();
      await row.waitFor({ state: 'detached' });
      const left = await fetch(`${web.stack.edgeUrl}/alerts`, { headers: { Authorization: `Bearer ${user.token}` } });
      expect(((await left.json()) as { alerts: unknown[] }).alerts).toEqual([]);
    } finally {
      await page.close();
    }
  }, 60_000);

  it('refuses a bad alert in plain words, keeping the form open', async () => {
    const user = await newUser(web.stack, 'web-alert-refused');
    await fillWatchlist(web.stack, user, [NIFTY]);
    const page = await signedInPage(web.browser, web.stack, user);
    try {
      await page.locator(`[data-testid="watchlist-row"][data-token="${NIFTY}"] [data-testid="row-alert"]`).click();
      const form = page.getByTestId('alert-form');
      await form.getByLabel('When').selectOption('change_pct_below');
      // A fall is a negative percent: the platform says so.
      await form.getByTestId('alert-value').fill('2');
      await form.getByTestId('alert-submit').click();
      await form.getByRole('alert').getByText('must be less than 0').waitFor();
      expect(await form.isVisible()).toBe(true);
    } finally {
      await page.close();
    }
  }, 60_000);

  it('creates an API key, shows its secret once with a copy button, and revokes it', async () => {
    const user = await newUser(web.stack, 'web-keys');
    const page = await signedInPage(web.browser, web.stack, user);
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: web.stack.edgeUrl });
    page.on('dialog', (dialog) => void dialog.accept());
    try {
      await page.getByRole('link', { name: 'API keys' }).click();
      await page.getByTestId('api-key-name').fill('my strategy');
      await page.getByTestId('api-key-create').click();
      const secret = (await page.getByTestId('api-key-secret-value').textContent()) ?? '';
      expect(secret).toMatch(/^sk_/);
      await page.getByTestId('api-key-copy').click();
      await page.getByTestId('api-key-copy').getByText('Copied').waitFor();
      expect(await page.evaluate('navigator.clipboard.readText()')).toBe(secret);
      const row = page.getByTestId('api-key-row').filter({ hasText: 'my strategy' });
      const id = (await row.getAttribute('data-key-id')) ?? '';
      await page.screenshot({ path: await screenshotPath('web-api-key') });

      const me = () => fetch(`${web.stack.edgeUrl}/auth/me`, { headers: { Authorization: `token ${id}:${secret}` } });
      expect((await me()).status).toBe(200);
      // Once stored, the secret is gone from the page for good.
      await page.getByRole('button', { name: 'I have stored it' }).click();
      await page.reload();
      await page.getByTestId('api-key-row').first().waitFor();
      expect(await page.getByText(secret).count()).toBe(0);

      await row.getByTestId('api-key-revoke').click();
      await row.and(page.locator('[data-state="revoked"]')).waitFor();
      const refused = await me();
      expect(refused.status).toBe(401);
    } finally {
      await page.close();
    }
  }, 60_000);
});
