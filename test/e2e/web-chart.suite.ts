import pg from 'pg';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bucketStart, minuteStart } from '../../contracts/candles.ts';
import { IST_OFFSET_MS } from '../../contracts/ist-clock.ts';
import { launchChromium, screenshotPath } from './browser.ts';
import { type Platform, platform, waitFor as waitForOnStack } from './platform.ts';
import { newUser, signedInPage } from './web-user.ts';

/**
 * The web app's chart (web/src/chart/, docs/web.md#the-chart) in Chromium
 * on the shared platform: an NSE stock's candles from the history API (the
 * previous trading session backfilled from the simulator through the
 * origin, today's built from ticks), its forming candle moving live from
 * `/v2/ws`, the market depth, the alert form, and the intervals switched by
 * pointer and by keyboard. Screenshots: test-results/web-chart*.png.
 */
/** A full NSE session: 09:15 to 15:30. */
const SESSION_MINUTES = 375;

let stack: Platform;
let browser: Browser;
let token = 0;
const waitFor = <T>(what: string, check: () => Promise<T | undefined | false>, ms?: number) => waitForOnStack(stack, what, check, ms);

beforeAll(async () => {
  stack = await platform();
  browser = await launchChromium();
  const db = new pg.Client({ connectionString: stack.databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query<{ token: number }>(
      `SELECT instrument_token::float8 AS token FROM instruments WHERE is_active AND segment = 'NSE' AND instrument_type = 'EQ'
       ORDER BY instrument_token LIMIT 1 OFFSET $1`,
      [Math.floor(Math.random() * 200)],
    );
    token = rows[0]?.token ?? 0;
  } finally {
    await db.end();
  }
  expect(token).toBeGreaterThan(0);
}, 200_000);

afterAll(async () => {
  await browser?.close();
});

/** The chart of the test's instrument, for a new user signed in through the form. */
async function chartPage(name: string): Promise<Page> {
  const page = await signedInPage(browser, stack, await newUser(stack, name));
  await page.goto(`${stack.edgeUrl}/#/chart/${token}`);
  // The pointer rests where the form's submit button was: moved off the page, so the crosshair does not start on a candle.
  await page.mouse.move(0, 0);
  return page;
}

const candleCount = async (page: Page) => Number(await page.getByTestId('chart-summary').getAttribute('data-candles'));
const legendTime = async (page: Page) => Number(await page.getByTestId('chart-legend').getAttribute('data-time'));

/** The summary once the interval's history is drawn (it names the interval it counts). */
async function shownCandles(page: Page, spoken: string): Promise<number> {
  await page
    .getByTestId('chart-summary')
    .filter({ hasText: `candles of ${spoken}` })
    .waitFor({ timeout: 60_000 });
  return candleCount(page);
}

describe('the web app: chart', () => {
  it('draws the history’s candles and volume, moves the forming candle live, shows the depth and opens the alert form', async () => {
    const page = await chartPage('web-chart');
    try {
      const openedAt = Date.now();
      await page.locator('[data-testid="chart"] canvas').first().waitFor();
      // The previous trading session, backfilled whole, and whatever today's ticks made.
      expect(await shownCandles(page, '1 minute')).toBeGreaterThanOrEqual(SESSION_MINUTES);

      // The newest candle is the forming minute, and the stream moves it (its close or volume) without a reload.
      await page.locator('[data-testid="chart-live"][data-live="true"]').waitFor({ timeout: 30_000 });
      expect(await legendTime(page)).toBeGreaterThanOrEqual(minuteStart(openedAt));
      const before = await page.getByTestId('chart-legend').textContent();
      await waitFor('the forming candle to move', async () => (await page.getByTestId('chart-legend').textContent()) !== before, 30_000);
      expect(await page.getByTestId('chart-legend').textContent()).toMatch(/O [\d,.]+H [\d,.]+L [\d,.]+C [\d,.]+V [\d,]+/);

      // Five levels of depth from the full-mode quote.
      const depth = page.getByTestId('depth');
      await depth.waitFor({ timeout: 20_000 });
      expect(await depth.locator('tbody tr').count()).toBe(5);

      // The crosshair reads out the candle under the pointer, an older one than the forming candle.
      const newest = await legendTime(page);
      const box = await page.getByTestId('chart').boundingBox();
      if (!box) throw new Error('the chart has no box');
      await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.3);
      await page.locator('[data-testid="chart-legend"][data-hovering="true"]').waitFor();
      expect(await legendTime(page)).toBeLessThan(newest);
      await page.screenshot({ path: await screenshotPath('web-chart') });
      await page.mouse.move(0, 0);

      await page.getByTestId('chart-alert').click();
      await page.getByTestId('alert-form').waitFor();
      expect(await page.getByTestId('alert-form').textContent()).toContain('New alert on NSE:');
    } finally {
      await page.close();
    }
  }, 120_000);

  it('switches intervals by pointer and by keyboard: 5-minute candles aligned to 09:15 IST, day candles at IST midnight', async () => {
    const page = await chartPage('web-chart-intervals');
    try {
      const minutes = await shownCandles(page, '1 minute');

      await page.getByRole('button', { name: '5 minutes', exact: true }).click();
      expect(await page.getByRole('button', { name: '5 minutes', exact: true }).getAttribute('aria-pressed')).toBe('true');
      expect(await page.getByRole('button', { name: '1 minute', exact: true }).getAttribute('aria-pressed')).toBe('false');
      const fives = await shownCandles(page, '5 minutes');
      expect(fives).toBeGreaterThan(0);
      // Five past sessions of 75 each, against one session of 375 minutes and today's: same order, never more than five times.
      expect(fives).toBeLessThanOrEqual(minutes * 5);
      const fiveStart = await legendTime(page);
      expect(bucketStart(fiveStart, '5minute', 'NSE')).toBe(fiveStart);

      const daily = page.getByRole('button', { name: '1 day', exact: true });
      await daily.focus();
      await page.keyboard.press('Enter');
      expect(await daily.getAttribute('aria-pressed')).toBe('true');
      expect(await shownCandles(page, '1 day')).toBeGreaterThan(100);
      expect(((await legendTime(page)) + IST_OFFSET_MS) % 86_400_000).toBe(0);
      await page.screenshot({ path: await screenshotPath('web-chart-day') });
    } finally {
      await page.close();
    }
  }, 150_000);
});
