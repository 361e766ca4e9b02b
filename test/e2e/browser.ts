import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type Browser, chromium } from 'playwright-core';

/**
 * Real Chromium for the end-to-end suites: Debian's Chromium as its headless
 * shell (the `chromium-headless-shell` package, the same build as
 * `chromium`), driven by playwright-core (which brings no browser of its
 * own). The shell is what Playwright itself runs for headless tests; the
 * full browser's headless mode drew the same animated page for five times
 * the CPU (docs/testing.md#timing). When it is missing, a run as root
 * installs it with apt-get (as .ci/run does); any other run fails saying
 * what to install.
 */
export const CHROMIUM = '/usr/bin/chromium-headless-shell';
const PACKAGE = 'chromium-headless-shell';
/** Where the suites' screenshots go (gitignored). */
export const SCREENSHOTS = resolve(import.meta.dirname, '../../test-results');

export async function launchChromium(): Promise<Browser> {
  installChromiumIfMissing();
  return chromium.launch({ executablePath: CHROMIUM });
}

/** The path of a screenshot named `name` (its folder made). */
export async function screenshotPath(name: string): Promise<string> {
  await mkdir(SCREENSHOTS, { recursive: true });
  return join(SCREENSHOTS, `${name}.png`);
}

function installChromiumIfMissing(): void {
  if (existsSync(CHROMIUM)) return;
  if (process.getuid?.() !== 0) throw new Error(`no Chromium at ${CHROMIUM}: install Debian's package with \`apt-get install ${PACKAGE}\` (as root)`);
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', PACKAGE]]) {
    const run = spawnSync('apt-get', args, { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (run.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed (exit ${run.status}):\n${(run.stderr || run.stdout).slice(-2000)}`);
  }
  if (!existsSync(CHROMIUM)) throw new Error(`apt-get installed ${PACKAGE}, yet ${CHROMIUM} is not there`);
}
