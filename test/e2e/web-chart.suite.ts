import pg from 'pg';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { bucketStart, minuteStart } from '../../contracts/candles.ts';
import { hubConfig, hubName } from '../../contracts/hub-config.ts';
import { IST_OFFSET_MS } from '../../contracts/ist-clock.ts';
import { screenshotPath } from './browser.ts';
import { signIn, uniqueEmail, waitFor as waitForOnStack } from './platform.ts';
import { alone } from './platform-lock.ts';
import { DESKTOP, newUser, PASSWORD, PHONE, signedInPage, type WebUser, webSuite } from './web-user.ts';

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

const web = webSuite();
let token = 0;
const waitFor = <T>(what: string, check: () => Promise<T | undefined | false>, ms?: number) => waitForOnStack(web.stack, what, check, ms);

beforeAll(async () => {
  const db = new pg.Client({ connectionString: web.stack.databaseUrl });
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

/** The chart of the test's instrument, for a new user signed in through the form. */
async function chartPage(name: string, viewport = DESKTOP, user?: WebUser): Promise<Page> {
  const page = await signedInPage(web.browser, web.stack, user ?? (await newUser(web.stack, name)), viewport);
  await page.goto(`${web.stack.edgeUrl}/#/chart/${token}`);
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

  it('switches intervals by pointer and by keyboard: whole sessions of 5-minute and hourly candles aligned to 09:15 IST, day candles at IST midnight', async () => {
    const page = await chartPage('web-chart-intervals');
    try {
      await shownCandles(page, '1 minute');
      const button = (spoken: string) => page.getByRole('button', { name: spoken, exact: true });

      await button('5 minutes').click();
      expect(await button('5 minutes').getAttribute('aria-pressed')).toBe('true');
      expect(await button('1 minute').getAttribute('aria-pressed')).toBe('false');
      // Five past sessions of 75 candles each, and today's.
      expect(await shownCandles(page, '5 minutes')).toBeGreaterThanOrEqual(5 * 75);
      const fiveStart = await legendTime(page);
      expect(bucketStart(fiveStart, '5minute', 'NSE')).toBe(fiveStart);

      // From the 5m button, Tab past 15m to 1h and press Space.
      await page.keyboard.press('Tab');
      await page.keyboard.press('Tab');
      await page.keyboard.press('Space');
      expect(await button('1 hour').getAttribute('aria-pressed')).toBe('true');
      // Forty past sessions of 7 (09:15, 10:15, … 15:15, the last 15 minutes long).
      expect(await shownCandles(page, '1 hour')).toBeGreaterThanOrEqual(40 * 7);
      const hourStart = await legendTime(page);
      expect(bucketStart(hourStart, '60minute', 'NSE')).toBe(hourStart);

      await page.keyboard.press('Tab');
      await page.keyboard.press('Enter');
      expect(await button('1 day').getAttribute('aria-pressed')).toBe('true');
      expect(await shownCandles(page, '1 day')).toBeGreaterThanOrEqual(250);
      expect(((await legendTime(page)) + IST_OFFSET_MS) % 86_400_000).toBe(0);
      await page.screenshot({ path: await screenshotPath('web-chart-day') });
    } finally {
      await page.close();
    }
  }, 150_000);

  it('fits a 390×844 phone: the chart over the depth, nothing wider than the screen', async () => {
    const page = await chartPage('web-chart-phone', PHONE);
    try {
      await page.locator('[data-testid="chart"] canvas').first().waitFor();
      expect(await shownCandles(page, '1 minute')).toBeGreaterThanOrEqual(SESSION_MINUTES);
      await page.getByTestId('depth').waitFor({ timeout: 20_000 });
      const chart = await page.getByTestId('chart').boundingBox();
      const depth = await page.getByTestId('depth').boundingBox();
      if (!chart || !depth) throw new Error('the chart or the depth has no box');
      expect(chart.x).toBeGreaterThanOrEqual(0);
      expect(chart.x + chart.width).toBeLessThanOrEqual(PHONE.width);
      expect(depth.y).toBeGreaterThanOrEqual(chart.y + chart.height);
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width);
      await page.screenshot({ path: await screenshotPath('web-chart-phone'), fullPage: true });
    } finally {
      await page.close();
    }
  }, 120_000);

  it(alone(
    'draws the history again when the lost connection comes back (its session hub restarts), and the forming candle goes on, without a reload',
  ), async () => {
    const user = await newUser(web.stack, 'web-chart-reconnect');
    const admin = await signIn(web.stack, uniqueEmail('web-chart-reconnect-admin'), PASSWORD, { admin: true });
    const page = await chartPage('web-chart-reconnect', DESKTOP, user);
    try {
      const before = await shownCandles(page, '1 minute');
      await page.locator('[data-testid="chart-live"][data-live="true"]').waitFor({ timeout: 30_000 });
      // Every state of the summary from now on (no count: loading), and a marker a reload would lose.
      await page.evaluate(`
        window.counts = [];
        window.sameDocument = true;
        const summary = document.querySelector('[data-testid="chart-summary"]');
        new MutationObserver(() => window.counts.push(summary.dataset.candles ?? 'loading')).observe(summary, { attributes: true, attributeFilter: ['data-candles'] });
      `);
      const restart = await fetch(`${web.stack.edgeUrl}/internal/hubs/${hubName(user.id, hubConfig({}).shards)}/restart`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${admin.token}` },
      });
      expect(restart.status).toBe(200);
      const counts = await waitFor('the history drawn again', async () => {
        const seen = (await page.evaluate('window.counts')) as string[];
        return seen.includes('loading') && seen.at(-1) !== 'loading' ? seen : undefined;
      });
      expect(Number(counts.at(-1))).toBeGreaterThanOrEqual(before);
      await page.locator('[data-testid="chart-live"][data-live="true"]').waitFor({ timeout: 30_000 });
      const legend = await page.getByTestId('chart-legend').textContent();
      await waitFor('the forming candle to move again', async () => (await page.getByTestId('chart-legend').textContent()) !== legend, 30_000);
      expect(await page.evaluate('window.sameDocument')).toBe(true);
    } finally {
      await page.close();
    }
  }, 120_000);
});
