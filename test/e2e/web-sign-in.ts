import type { Browser, Page } from 'playwright-core';
import { type Platform, signIn, uniqueEmail } from './platform.ts';

/**
 * A page of the web app opened at `hash` by a new user, signed in through
 * the app's own form (the account made over REST, as platform.ts makes
 * users), once the live feed says it is connected: where the chart and
 * chain suites start.
 */
export async function signedInPage(
  browser: Browser,
  stack: Platform,
  options: { viewport: { width: number; height: number }; hash: string; name: string },
): Promise<Page> {
  const email = uniqueEmail(options.name);
  const password = `${options.name} web password 1`;
  await signIn(stack, email, password);
  const page = await browser.newPage({ viewport: options.viewport });
  await page.goto(`${stack.edgeUrl}/${options.hash}`);
  await page.getByTestId('auth-email').fill(email);
  await page.getByTestId('auth-password').fill(password);
  await page.getByTestId('auth-submit').click();
  await page.locator('[data-testid="feed-status"][data-state="live"]').waitFor({ timeout: 20_000 });
  // The pointer rests where the submit button was: moved off the page, so no chart's crosshair starts under it.
  await page.mouse.move(0, 0);
  return page;
}
