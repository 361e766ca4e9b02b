import { writeFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { startDevStack } from '../dev/dev-stack.ts';
import { launchChromium, screenshotPath } from '../test/e2e/browser.ts';

/**
 * The web app under a trader's load (issue 19, docs/web.md): a 100-row
 * watchlist of NSE equities, each ticking once a second from the
 * simulator (SIM_TICKS_PER_SECOND 1), in Debian's Chromium (its headless shell) at 1280×800 on
 * the whole local stack. Ten seconds of Chromium's own trace (CDP Tracing:
 * the renderer's main-thread tasks, its frames, and V8's CPU profile,
 * saved beside the screenshots for DevTools' Performance panel) once every
 * row has a price.
 *
 * Against the frame budget (16 ms at 60 Hz; ratio = the renderer main
 * thread's p99 task / 16 ms): a task longer than the budget delays the
 * next frame. And against the floor, traced the same way in the same run:
 * a plain page whose timer rewrites the same number of rows' value cells
 * with textContent once a second (ratio = main-thread busy time / its).
 * Also reported: the longest task, where the time went (script, style and
 * layout, paint), the frames drawn, and how many cells changed a second.
 */
type Row = { name: string; baseline: string; ratio: number; detail: string };
type TraceEvent = { name: string; cat: string; ph: string; pid: number; tid: number; ts: number; dur?: number; args?: { name?: string } };

const ROWS = 100;
const TRACE_MS = 10_000;
const FRAME_BUDGET_MS = 16;
const PASSWORD = 'correct horse battery staple';
const PROFILE_MS = 5_000;
const CATEGORIES = ['toplevel', 'devtools.timeline', 'disabled-by-default-devtools.timeline', 'disabled-by-default-devtools.timeline.frame'];
/** The profiler's own start costs the page a long task and its sampling slows every one: it runs in a trace of its own, after the measured one. */
const PROFILE_CATEGORIES = [...CATEGORIES, 'disabled-by-default-v8.cpu_profiler'];

export async function benchWebFrames(): Promise<Row[]> {
  const stack = await startDevStack({ SIM_TICKS_PER_SECOND: '1' });
  const browser = await launchChromium();
  try {
    const post = (path: string, body: unknown, token?: string) =>
      fetch(`${stack.edgeUrl}${path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      });
    const email = `bench-web+${Date.now()}@example.test`;
    await post('/auth/register', { email, password: PASSWORD });
    const { access_token: token } = (await (await post('/auth/login', { email, password: PASSWORD })).json()) as { access_token: string };
    const listed = await fetch(`${stack.edgeUrl}/instruments/list?exchange=NSE&instrument_type=EQ&limit=${ROWS}`);
    const tokens = ((await listed.json()) as { rows: { instrument_token: number }[] }).rows.map((row) => row.instrument_token);
    const { id } = (await (await post('/watchlists', { name: 'Bench' }, token)).json()) as { id: string };
    const filled = await fetch(`${stack.edgeUrl}/watchlists/${id}/instruments`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      body: JSON.stringify({ instrument_tokens: tokens }),
    });
    if (filled.status !== 200) throw new Error(`the bench's watchlist was refused: ${filled.status} ${await filled.text()}`);

    // The bench runs its probes as strings in the page, which the app's Content Security Policy (no eval) would refuse.
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, bypassCSP: true });
    await page.goto(`${stack.edgeUrl}/`);
    await page.getByTestId('auth-email').fill(email);
    await page.getByTestId('auth-password').fill(PASSWORD);
    await page.getByTestId('auth-submit').click();
    await page.locator('[data-testid="feed-status"][data-state="live"]').waitFor({ timeout: 30_000 });
    // Every row priced (run in the page).
    await page.waitForFunction(
      `[...document.querySelectorAll('[data-testid="last-price"]')].filter((cell) => /\\d/.test(cell.textContent)).length === ${tokens.length}`,
      undefined,
      { timeout: 60_000 },
    );
    const app = await traced(page, 'tbody');
    await page.screenshot({ path: await screenshotPath('web-frames') });
    const profilePath = (await screenshotPath('web-frames-profile')).replace(/\.png$/, '.json');
    await browser.startTracing(page, { categories: PROFILE_CATEGORIES });
    await page.waitForTimeout(PROFILE_MS);
    await writeFile(profilePath, await browser.stopTracing());
    await page.close();

    // The floor: a page that only writes 100 rows × 3 ticking cells (price, change, volume) with textContent once a second, no framework.
    const plain = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await plain.setContent(plainTickingTable(tokens.length));
    const floor = await traced(plain, 'tbody');
    await plain.close();

    const seconds = TRACE_MS / 1000;
    const describe = ({ figures: f, changes }: Traced) =>
      `tasks p50 ${f.p50.toFixed(2)} / p99 ${f.p99.toFixed(2)} / max ${f.max.toFixed(1)} ms, ${f.overBudget} of ${f.tasks} over ${FRAME_BUDGET_MS} ms; ` +
      `main thread busy ${((f.busyMs / TRACE_MS) * 100).toFixed(1)} % (script ${(f.scriptMs / seconds).toFixed(1)}, style and layout ${(f.layoutMs / seconds).toFixed(1)}, paint ${(f.paintMs / seconds).toFixed(1)} ms a second); ` +
      `${(f.frames / seconds).toFixed(1)} frames drawn a second; ${(changes / seconds).toFixed(0)} cell changes a second`;
    const name = `web app, ${tokens.length}-row watchlist ticking each second (Chromium 1280×800, renderer main thread)`;
    return [
      {
        name: `${name}: p99 task`,
        baseline: `${FRAME_BUDGET_MS} ms frame budget (60 Hz)`,
        ratio: app.figures.p99 / FRAME_BUDGET_MS,
        detail: `${describe(app)}; CPU profile: ${profilePath}`,
      },
      {
        name: `${name}: main-thread time`,
        baseline: 'a plain page writing the same rows × 3 cells with textContent, same run (ratio of busy time)',
        ratio: app.figures.busyMs / floor.figures.busyMs,
        detail: `plain page: ${describe(floor)}`,
      },
    ];
  } finally {
    await browser.close();
    await stack.stop();
  }
}

type Traced = { figures: ReturnType<typeof mainThreadFigures>; changes: number };

/** TRACE_MS of Chromium's trace of `page`, and how many changes the element at `selector` saw meanwhile. */
async function traced(page: Page, selector: string): Promise<Traced> {
  // Run in the page: counts the text changes under the element.
  await page.evaluate(`
    window.changes = 0;
    new MutationObserver((seen) => (window.changes += seen.length)).observe(document.querySelector('${selector}'), { subtree: true, characterData: true, childList: true });
  `);
  await page.context().browser()?.startTracing(page, { categories: CATEGORIES });
  await page.waitForTimeout(TRACE_MS);
  const trace = JSON.parse((await page.context().browser()?.stopTracing())?.toString() ?? '{}') as { traceEvents: TraceEvent[] };
  return { figures: mainThreadFigures(trace.traceEvents), changes: (await page.evaluate('window.changes')) as number };
}

/** A table like the watchlist's whose 3 value cells a row (price, change, volume) are rewritten once a second by a timer: what showing the ticks costs at least. */
function plainTickingTable(rows: number): string {
  const row = (i: number) =>
    `<tr><th>SYMBOL${i} <small>NSE</small></th><td>1,000.00</td><td>+0.00%</td><td>0</td><td></td><td><button>Alert</button> <button>Remove</button></td></tr>`;
  return `<!doctype html><html><body style="font: 15px system-ui; background: #0f1419; color: #e6e9ec">
<table style="width: 100%; border-collapse: collapse"><tbody>${Array.from({ length: rows }, (_, i) => row(i)).join('')}</tbody></table>
<script>
  const cells = [...document.querySelectorAll('tbody tr')].map((tr) => [...tr.querySelectorAll('td')].slice(0, 4));
  setInterval(() => {
    for (const [price, change, volume] of cells) {
      const p = 1000 + Math.random() * 100;
      price.textContent = p.toFixed(2);
      change.textContent = ((p - 1050) / 10.5).toFixed(2) + '%';
      volume.textContent = String(Math.floor(Math.random() * 1e6));
    }
  }, 1000);
</script></body></html>`;
}

/** The busiest renderer main thread's tasks, and where their time went. */
function mainThreadFigures(events: TraceEvent[]) {
  const mains = events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`);
  const tasksOf = (thread: string) => events.filter((e) => e.name === 'RunTask' && e.ph === 'X' && `${e.pid}:${e.tid}` === thread);
  const main = mains.reduce((best, thread) => (tasksOf(thread).length > tasksOf(best).length ? thread : best), mains[0] ?? '');
  const durations = tasksOf(main)
    .map((e) => (e.dur ?? 0) / 1000)
    .sort((a, b) => a - b);
  const at = (q: number) => durations[Math.min(durations.length - 1, Math.floor(q * durations.length))] ?? 0;
  // The union of the events' intervals, so that nested events (a FunctionCall inside a TimerFire) count once.
  const sumOf = (names: string[]) => {
    const spans = events
      .filter((e) => e.ph === 'X' && names.includes(e.name) && `${e.pid}:${e.tid}` === main)
      .map((e) => [e.ts, e.ts + (e.dur ?? 0)] as const)
      .sort((a, b) => a[0] - b[0]);
    let total = 0;
    let end = -Infinity;
    for (const [from, to] of spans) {
      if (to <= end) continue;
      total += to - Math.max(from, end);
      end = to;
    }
    return total / 1000;
  };
  const rendererPid = main.split(':')[0];
  return {
    tasks: durations.length,
    p50: at(0.5),
    p99: at(0.99),
    max: durations.at(-1) ?? 0,
    overBudget: durations.filter((d) => d > FRAME_BUDGET_MS).length,
    busyMs: durations.reduce((sum, d) => sum + d, 0),
    scriptMs: sumOf(['FunctionCall', 'EvaluateScript', 'TimerFire', 'FireAnimationFrame', 'EventDispatch', 'RunMicrotasks']),
    layoutMs: sumOf(['UpdateLayoutTree', 'Layout', 'RecalculateStyles']),
    paintMs: sumOf(['Paint', 'PrePaint', 'Layerize', 'UpdateLayer', 'Commit']),
    frames: events.filter((e) => e.name === 'DrawFrame' && String(e.pid) === rendererPid).length,
  };
}

if (import.meta.main) {
  for (const row of await benchWebFrames()) console.log(`| ${row.name} | ${row.baseline} | ${row.ratio.toFixed(2)}× | ${row.detail} |`);
}
