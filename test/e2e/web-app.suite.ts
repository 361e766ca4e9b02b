import { describe, expect, it } from 'vitest';
import { hubConfig, hubName } from '../../contracts/hub-config.ts';
import { screenshotPath } from './browser.ts';
import { signIn, uniqueEmail, waitFor } from './platform.ts';
import { alone } from './platform-lock.ts';
import { DESKTOP, fillWatchlist, lastPrice, liveFeed, NIFTY, newUser, PASSWORD, signedInPage, webSuite } from './web-user.ts';

/**
 * The web app (web/, docs/web.md) in Debian's Chromium against the whole
 * platform: how the worker serves it, and its sessions: signing up and in,
 * the access token renewed before it expires, a session ended elsewhere
 * explained on the sign-in page, and the live connection lost and back
 * without a reload. Each test leaves a screenshot in test-results/
 * (web-*.png); elements are found by the app's stable data-testids
 * (docs/web.md#test-contract).
 */
const web = webSuite();

describe('the web app and its sessions', () => {
  it('is served at / by the worker, which still answers the API, the documents and the WebSocket paths', async () => {
    const index = await fetch(`${web.stack.edgeUrl}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/^text\/html/);
    // web/public/_headers: only the app's own origin, for scripts and connections alike.
    expect(index.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(index.headers.get('content-security-policy')).toContain("connect-src 'self'");
    expect((await fetch(`${web.stack.edgeUrl}/_headers`)).status).not.toBe(200);
    const html = await index.text();
    const script = html.match(/src="(\/assets\/[^"]+\.js)"/)?.[1];
    expect(script, html).toBeDefined();
    const asset = await fetch(`${web.stack.edgeUrl}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    await asset.arrayBuffer();

    const health = await fetch(`${web.stack.edgeUrl}/health`);
    expect(((await health.json()) as { status: string }).status).toBeDefined();
    expect((await fetch(`${web.stack.edgeUrl}/openapi.json`)).headers.get('content-type')).toMatch(/json/);
    expect((await (await fetch(`${web.stack.edgeUrl}/docs`)).text()).toLowerCase()).toContain('<html');
    // No credentials: the worker's own refusal, not a file.
    const ws = await fetch(`${web.stack.edgeUrl}/v2/ws`);
    expect(ws.status).toBe(401);
    expect(ws.headers.get('content-type')).toMatch(/json/);
    await ws.arrayBuffer();
    // A path that is neither a file nor a route: the API's JSON 404, not the app.
    const unknown = await fetch(`${web.stack.edgeUrl}/no-such-page`);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toMatch(/json/);
    await unknown.arrayBuffer();
  });

  it('signs a new user up: the first watchlist is made for them and the feed is live', async () => {
    const page = await web.browser.newPage({ viewport: DESKTOP });
    try {
      const email = uniqueEmail('web-signup');
      await page.goto(`${web.stack.edgeUrl}/`);
      await page.getByRole('button', { name: 'Create an account' }).click();
      await page.getByTestId('auth-email').fill(email);
      await page.getByTestId('auth-password').fill(PASSWORD);
      await page.getByTestId('auth-submit').click();
      await liveFeed(page);
      await page.getByRole('banner').getByText(email).waitFor();
      await page.getByTestId('watchlist-select').getByText('My watchlist (0)').waitFor({ state: 'attached' });
      await page.getByText('This watchlist is empty').waitFor();
      await page.screenshot({ path: await screenshotPath('web-signup') });
    } finally {
      await page.close();
    }
  }, 60_000);

  it('signs a user in after telling them in plain words that a wrong password does not match, and out again', async () => {
    const user = await newUser(web.stack, 'web-signin');
    const page = await web.browser.newPage({ viewport: DESKTOP });
    try {
      await page.goto(`${web.stack.edgeUrl}/`);
      await page.getByTestId('auth-email').fill(user.email);
      await page.getByTestId('auth-password').fill('not the password at all');
      await page.getByTestId('auth-submit').click();
      await page.getByRole('alert').getByText('That e-mail address and password do not match').waitFor();
      await page.getByTestId('auth-password').fill(PASSWORD);
      await page.getByTestId('auth-submit').click();
      await liveFeed(page);
      await page.screenshot({ path: await screenshotPath('web-signin') });
      // A reload keeps the session (the tokens are in localStorage).
      await page.reload();
      await liveFeed(page);
      await page.getByRole('banner').getByText(user.email).waitFor();
      // Signing out ends the session on the server too: its refresh token is refused afterwards.
      const { refresh_token } = JSON.parse((await page.evaluate(() => localStorage.getItem('kite-edge.session'))) ?? '{}') as { refresh_token: string };
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByTestId('session-ended').getByText('You signed out.').waitFor();
      const refresh = await fetch(`${web.stack.edgeUrl}/auth/refresh`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ refresh_token }),
      });
      expect(refresh.status).toBe(401);
      await refresh.arrayBuffer();
    } finally {
      await page.close();
    }
  }, 60_000);

  it('renews the access token before it expires, spending the refresh token once, and stays live', async () => {
    const user = await newUser(web.stack, 'web-renew');
    const page = await signedInPage(web.browser, web.stack, user);
    try {
      const stored = () =>
        page.evaluate(
          () => JSON.parse(localStorage.getItem('kite-edge.session') ?? 'null') as { refresh_token: string; access_token: string; access_expires_at: number },
        );
      const before = await stored();
      // As if the token were about to expire: the reloaded app renews it at once.
      const soon = await page.evaluate(() => {
        const tokens = JSON.parse(localStorage.getItem('kite-edge.session') ?? 'null');
        const expiresAt = Date.now() + 5_000;
        localStorage.setItem('kite-edge.session', JSON.stringify({ ...tokens, access_expires_at: expiresAt }));
        return expiresAt;
      });
      await page.reload();
      const after = await waitFor(web.stack, 'the renewed tokens', async () => {
        const now = await stored();
        return now.refresh_token !== before.refresh_token && now;
      });
      // A new access token with a new expiry (one renewed within the second of the login can read the same, so the expiry is what counts).
      expect(after.access_expires_at).toBeGreaterThan(soon + 60_000);
      // The spent refresh token is refused now; the new one is what the page uses.
      const spent = await fetch(`${web.stack.edgeUrl}/auth/refresh`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ refresh_token: before.refresh_token }),
      });
      expect(spent.status).toBe(401);
      await spent.arrayBuffer();
      // Presenting the spent token ended every session (docs/auth.md): the page says so, in plain words.
      await page.getByTestId('session-ended').getByText('Your session was ended').waitFor({ timeout: 20_000 });
      await page.getByTestId('auth-email').waitFor();
      await page.screenshot({ path: await screenshotPath('web-session-ended-reuse') });
    } finally {
      await page.close();
    }
  }, 60_000);

  it('explains a session ended elsewhere (signed out on another device) and goes back to the sign-in form', async () => {
    const user = await newUser(web.stack, 'web-ended');
    const page = await signedInPage(web.browser, web.stack, user);
    try {
      // The same user, signed in elsewhere, signs out: every session of theirs ends (close 4003 on the page's socket).
      const elsewhere = await fetch(`${web.stack.edgeUrl}/auth/login`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email: user.email, password: PASSWORD }),
      });
      const { access_token } = (await elsewhere.json()) as { access_token: string };
      const logout = await fetch(`${web.stack.edgeUrl}/auth/logout`, { method: 'POST', headers: { Authorization: `Bearer ${access_token}` } });
      expect(logout.status).toBe(204);
      await page.getByTestId('session-ended').getByText('you signed out on another device').waitFor({ timeout: 20_000 });
      await page.getByTestId('auth-submit').waitFor();
      expect(await page.evaluate(() => localStorage.getItem('kite-edge.session'))).toBeNull();
      await page.screenshot({ path: await screenshotPath('web-session-ended') });
    } finally {
      await page.close();
    }
  }, 60_000);

  it(alone('loses the live connection (its session hub restarts), says so, and is live again without a reload'), async () => {
    const user = await newUser(web.stack, 'web-reconnect');
    const admin = await signIn(web.stack, uniqueEmail('web-reconnect-admin'), PASSWORD, { admin: true });
    await fillWatchlist(web.stack, user, [NIFTY]);
    const page = await signedInPage(web.browser, web.stack, user);
    try {
      await waitFor(web.stack, 'a NIFTY 50 price', () => lastPrice(page, NIFTY));
      // Every state the badge shows from now on, and a marker that a reload would lose (run in the page).
      await page.evaluate(`
        window.seen = [];
        window.sameDocument = true;
        const badge = document.querySelector('[data-testid="feed-status"]');
        new MutationObserver(() => window.seen.push(badge.dataset.state)).observe(badge, { attributes: true, attributeFilter: ['data-state'] });
      `);
      const hub = hubName(user.id, hubConfig({}).shards);
      const restart = await fetch(`${web.stack.edgeUrl}/internal/hubs/${hub}/restart`, { method: 'POST', headers: { Authorization: `Bearer ${admin.token}` } });
      expect(restart.status).toBe(200);
      await waitFor(web.stack, 'the badge down, then live again', async () => {
        const seen = (await page.evaluate('window.seen')) as string[];
        return seen.includes('down') && seen.at(-1) === 'live';
      });
      const price = await lastPrice(page, NIFTY);
      await waitFor(web.stack, 'NIFTY 50 ticking again', async () => (await lastPrice(page, NIFTY)) !== price);
      expect(await page.evaluate('window.sameDocument')).toBe(true);
      await page.screenshot({ path: await screenshotPath('web-reconnected') });
    } finally {
      await page.close();
    }
  }, 60_000);
});
