import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { screenshotPath } from './browser.ts';
import { waitFor as waitForOnStack } from './platform.ts';
import { DESKTOP, newUser, PHONE, signedInPage, webSuite } from './web-user.ts';

/**
 * The web app's option chain (web/src/chain/, docs/web.md#the-option-chain)
 * in Chromium on the shared platform: NIFTY's nearest expiry with a day to
 * run (as test/e2e/fno.suite.ts takes it), streamed over `/v2/ws` into the
 * table, with IVs, the ATM row marked, PCR in the header and the smile
 * drawn; at a desktop's size and a phone's, where the table scrolls
 * sideways and keeps the strike column in view.
 * Screenshots: test-results/web-chain*.png.
 */
const web = webSuite();
let expiry = '';
const waitFor = <T>(what: string, check: () => Promise<T | undefined | false>, ms?: number) => waitForOnStack(web.stack, what, check, ms);

beforeAll(async () => {
  const { token } = await newUser(web.stack, 'web-chain-expiries');
  const listed = await fetch(`${web.stack.edgeUrl}/instruments/expiries?name=NIFTY&exchange=NFO`, { headers: { Authorization: `Bearer ${token}` } });
  const { expiries } = (await listed.json()) as { expiries: string[] };
  // A day to run at least: on the expiry day itself, T shrinks to minutes and IVs swing with every tick.
  expiry = expiries.find((day) => Date.parse(`${day}T10:00:00Z`) > Date.now() + 86_400_000) ?? '';
  expect(expiry).not.toBe('');
}, 200_000);

/** The chain page for a new user signed in through the form. */
async function chainPage(name: string, viewport = DESKTOP): Promise<Page> {
  const page = await signedInPage(web.browser, web.stack, await newUser(web.stack, name), viewport);
  await page.goto(`${web.stack.edgeUrl}/#/chain`);
  return page;
}

/** NIFTY's chain at the test's expiry, once its rows carry IVs. */
async function niftyChain(page: Page): Promise<void> {
  await expect.poll(() => page.getByTestId('chain-underlying').inputValue(), { timeout: 20_000 }).toBe('NFO:NIFTY');
  await page.locator(`[data-testid="chain-expiry"] option[value="${expiry}"]`).waitFor({ state: 'attached', timeout: 20_000 });
  await page.getByTestId('chain-expiry').selectOption(expiry);
  await page.getByTestId('chain-table').waitFor({ timeout: 30_000 });
  await waitFor('ten calls with an IV', async () => (await numbers(page, '[data-col="ce-iv"]')).length >= 10, 30_000);
}

/** The positive numbers shown in the cells `selector` finds (a dash, for nothing known, is left out). */
async function numbers(page: Page, selector: string): Promise<number[]> {
  const texts = await page.locator(selector).allTextContents();
  return texts.map((text) => Number(text.replace(/,/g, ''))).filter((value) => Number.isFinite(value) && value > 0);
}

describe('the web app: option chain', () => {
  it('streams NIFTY’s chain: calls | strike | puts with IVs, the ATM row marked, PCR and the smile, live', async () => {
    const page = await chainPage('web-chain');
    try {
      await niftyChain(page);
      const rows = page.getByTestId('chain-row');
      // 20 strikes each side of the ATM strike, and the ATM row.
      expect(await rows.count()).toBeGreaterThan(20);
      const atm = page.locator('[data-testid="chain-row"][data-atm="true"]');
      expect(await atm.count()).toBe(1);
      expect(await atm.locator('th.strike').textContent()).toContain('ATM');
      const strikes = (await rows.evaluateAll((all) => all.map((row) => Number(row.getAttribute('data-strike'))))) as number[];
      expect(strikes).toEqual([...strikes].sort((a, b) => a - b));
      for (const iv of await numbers(page, '[data-col="ce-iv"], [data-col="pe-iv"]')) expect(iv).toBeLessThan(500);
      expect(Number(await page.getByTestId('chain-pcr').textContent())).toBeGreaterThan(0);
      await page.locator('[data-testid="chain-smile"] canvas').first().waitFor();

      // Live: the chain's time moves on with its updates, without a reload.
      const asOf = await page.getByTestId('chain-as-of').getAttribute('datetime');
      await waitFor('a chain update', async () => (await page.getByTestId('chain-as-of').getAttribute('datetime')) !== asOf, 30_000);
      await page.screenshot({ path: await screenshotPath('web-chain'), fullPage: true });
    } finally {
      await page.close();
    }
  }, 120_000);

  it('fits a 390×844 phone: the table scrolls sideways and the strike column stays in view', async () => {
    const page = await chainPage('web-chain-phone', PHONE);
    try {
      await niftyChain(page);
      const scroller = page.locator('.chain-scroll');
      const { scrollWidth, clientWidth } = await scroller.evaluate((box) => ({ scrollWidth: box.scrollWidth, clientWidth: box.clientWidth }));
      expect(scrollWidth).toBeGreaterThan(clientWidth);
      // The page itself does not scroll sideways: only the table does.
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width);
      const strikeInView = async () => {
        const box = await page.locator('[data-testid="chain-row"][data-atm="true"] th.strike').boundingBox();
        return box !== null && box.x >= 0 && box.x + box.width <= PHONE.width;
      };
      expect(await strikeInView()).toBe(true);
      // Scrolled to either end, the strike column is held in view.
      for (const end of ['start', 'end'] as const) {
        await scroller.evaluate((box, to) => box.scrollTo({ left: to === 'start' ? 0 : box.scrollWidth }), end);
        await waitFor(`the strike column in view with the table scrolled to its ${end}`, strikeInView, 5_000);
      }
      await scroller.evaluate((box) => box.scrollTo({ left: (box.scrollWidth - box.clientWidth) / 2 }));
      await page.screenshot({ path: await screenshotPath('web-chain-phone'), fullPage: true });
    } finally {
      await page.close();
    }
  }, 120_000);
});
