import { describe, expect, it } from 'vitest';
import { screenshotPath } from './browser.ts';
import { waitFor } from './platform.ts';
import { fillWatchlist, lastPrice, NIFTY, NIFTY_BANK, newUser, PHONE, rowButtonsFit, signedInPage, webSuite } from './web-user.ts';

/**
 * The web app's search and watchlists in Chromium (docs/web.md): a typo
 * still finds the instrument, the keyboard chooses it, it joins the
 * current watchlist and its chart opens; rows tick with the simulator's
 * prices and flash; lists are made, renamed, switched and deleted; and all
 * of it works on a phone's screen.
 */
const INFY = 408065;

const web = webSuite();

/** The nearest NIFTY future: a derivative, so its row shows open interest. */
async function niftyFuture(): Promise<number> {
  const answer = await fetch(`${web.stack.edgeUrl}/instruments/list?name=NIFTY&exchange=NFO&instrument_type=FUT&sort=expiry&limit=1`);
  const { rows } = (await answer.json()) as { rows: { instrument_token: number }[] };
  expect(rows[0]).toBeDefined();
  return rows[0]?.instrument_token as number;
}

describe('the web app: search and watchlists', () => {
  it('finds an instrument despite a typo, chooses it with the keyboard: it joins the watchlist and its chart opens', async () => {
    const user = await newUser(web.stack, 'web-search');
    const page = await signedInPage(web.browser, web.stack, user);
    try {
      const search = page.getByTestId('search-input');
      await search.fill('relaince');
      const first = page.getByTestId('search-result').first();
      await first.getByText('RELIANCE', { exact: true }).waitFor();
      const token = Number(await first.getAttribute('data-token'));
      expect(await search.getAttribute('aria-activedescendant')).toBe(`search-result-${token}`);
      await search.press('ArrowDown');
      expect(await page.getByTestId('search-result').nth(1).getAttribute('aria-selected')).toBe('true');
      await search.press('ArrowUp');
      expect(await first.getAttribute('aria-selected')).toBe('true');
      await page.screenshot({ path: await screenshotPath('web-search') });
      await search.press('Enter');
      await page.waitForURL(`**/#/chart/${token}`);
      await page.getByRole('heading', { name: 'NSE:RELIANCE' }).waitFor();
      await page.getByRole('link', { name: 'Watchlist' }).click();
      await page.locator(`[data-testid="watchlist-row"][data-token="${token}"]`).waitFor();
    } finally {
      await page.close();
    }
  }, 60_000);

  it('shows live prices that change and flash, with the change, the volume and a future’s open interest', async () => {
    const user = await newUser(web.stack, 'web-prices');
    const future = await niftyFuture();
    await fillWatchlist(web.stack, user, [NIFTY, NIFTY_BANK, INFY, future]);
    const page = await signedInPage(web.browser, web.stack, user);
    try {
      const first = await waitFor(web.stack, 'a NIFTY 50 price', () => lastPrice(page, NIFTY));
      await waitFor(web.stack, 'NIFTY 50 to tick', async () => (await lastPrice(page, NIFTY)) !== first);
      await page.locator('[data-testid="watchlist-row"].flash-up, [data-testid="watchlist-row"].flash-down').first().waitFor({ timeout: 10_000 });
      const row = (token: number) => page.locator(`[data-testid="watchlist-row"][data-token="${token}"]`);
      await waitFor(web.stack, 'the change of INFY', async () => /^[+-]\d+\.\d{2}%$/.test((await row(INFY).getByTestId('change').textContent()) ?? ''));
      await waitFor(
        web.stack,
        'INFY and the future priced',
        async () => (await lastPrice(page, INFY)) !== undefined && (await lastPrice(page, future)) !== undefined,
      );
      await waitFor(web.stack, 'the future’s open interest', async () => /^\d[\d,]*$/.test((await row(future).getByTestId('oi').textContent()) ?? ''));
      expect(await row(INFY).getByTestId('volume').textContent()).toMatch(/^\d[\d,]*$/);
      await page.screenshot({ path: await screenshotPath('web-watchlist') });
      expect(await rowButtonsFit(page)).toBe(true);
    } finally {
      await page.close();
    }
  }, 60_000);

  it('makes, renames, switches and deletes watchlists, and removes a row, all kept on the server', async () => {
    const user = await newUser(web.stack, 'web-lists');
    await fillWatchlist(web.stack, user, [NIFTY, INFY]);
    const page = await signedInPage(web.browser, web.stack, user);
    page.on('dialog', (dialog) => void dialog.accept());
    try {
      const select = page.getByTestId('watchlist-select');
      await page.getByTestId('watchlist-new').click();
      await page.getByTestId('watchlist-name').fill('Banks');
      await page.getByTestId('watchlist-name').press('Enter');
      await select.getByText('Banks (0)').waitFor({ state: 'attached' });
      await page.getByRole('button', { name: 'Rename' }).click();
      await page.getByTestId('watchlist-name').fill('Banks and more');
      await page.getByTestId('watchlist-name').press('Enter');
      await select.getByText('Banks and more (0)').waitFor({ state: 'attached' });
      // A second list of the same name is refused, in words.
      await page.getByTestId('watchlist-new').click();
      await page.getByTestId('watchlist-name').fill('banks AND more');
      await page.getByTestId('watchlist-name').press('Enter');
      await page.getByRole('alert').waitFor();
      await page.getByRole('button', { name: 'Cancel' }).click();
      await page.getByRole('button', { name: 'Delete' }).click();
      await select.getByText('Banks and more').waitFor({ state: 'detached' });
      await page.locator(`[data-testid="watchlist-row"][data-token="${INFY}"] [data-testid="row-remove"]`).click();
      await page.locator(`[data-testid="watchlist-row"][data-token="${INFY}"]`).waitFor({ state: 'detached' });
      // The server has it so.
      const stored = await fetch(`${web.stack.edgeUrl}/watchlists`, { headers: { Authorization: `Bearer ${user.token}` } });
      const { watchlists } = (await stored.json()) as { watchlists: { name: string; instruments: { instrument_token: number }[] }[] };
      expect(watchlists.map((w) => [w.name, w.instruments.map((i) => i.instrument_token)])).toEqual([['My watchlist', [NIFTY]]]);
    } finally {
      await page.close();
    }
  }, 60_000);

  it('explains a limit reached (as many watchlists as a user may hold) in plain words', async () => {
    const user = await newUser(web.stack, 'web-limit');
    await fillWatchlist(web.stack, user, [NIFTY]);
    for (let n = 2; n <= 10; n++) {
      const made = await fetch(`${web.stack.edgeUrl}/watchlists`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${user.token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: `List ${n}` }),
      });
      expect(made.status).toBe(201);
      await made.arrayBuffer();
    }
    const page = await signedInPage(web.browser, web.stack, user);
    try {
      await page.getByTestId('watchlist-new').click();
      await page.getByTestId('watchlist-name').fill('One too many');
      await page.getByTestId('watchlist-name').press('Enter');
      await page.getByRole('alert').getByText('You have reached a limit: a user may hold 10 watchlists: delete one first.').waitFor();
      await page.screenshot({ path: await screenshotPath('web-limit') });
    } finally {
      await page.close();
    }
  }, 60_000);

  it('works on a 390×844 phone: the rows tick, the search is at hand, nothing overflows sideways', async () => {
    const user = await newUser(web.stack, 'web-phone');
    await fillWatchlist(web.stack, user, [NIFTY, NIFTY_BANK, INFY]);
    const page = await signedInPage(web.browser, web.stack, user, PHONE);
    try {
      await waitFor(web.stack, 'NIFTY 50 priced', () => lastPrice(page, NIFTY));
      await page.getByTestId('search-input').fill('INFY');
      await page.locator(`[data-testid="search-result"][data-token="${INFY}"]`).waitFor();
      await page.getByTestId('search-input').press('Escape');
      await page.getByTestId('search-input').fill('');
      await page.screenshot({ path: await screenshotPath('web-phone') });
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width);
      expect(await rowButtonsFit(page)).toBe(true);
    } finally {
      await page.close();
    }
  }, 60_000);
});
