import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';

/**
 * `npm run build:web`: the web app (web/) into web/dist with Vite, which the
 * worker serves at `/` (wrangler.toml `[assets]`). `npm test` (pretest),
 * `npm run dev` (once at start) and `npm run deploy` build it. It reports
 * the JavaScript a first visit loads, gzipped, and fails above the budget.
 */
const HERE = import.meta.dirname;
export const WEB_DIST = join(HERE, 'dist');
/** The budget for the JavaScript of a first visit, gzipped. */
export const FIRST_LOAD_JS_BUDGET_BYTES = 250 * 1024;

export type WebBuild = { dist: string; files: string[]; firstLoadJsGzipBytes: number };

/**
 * Builds into `dist` (web/dist unless told; `npm run deploy` builds into a
 * directory of its own). Vite writes into a scratch directory first, and
 * only the files whose bytes changed are written into `dist` (and those the
 * new build no longer has removed): a running `wrangler dev` reloads its
 * worker, and restarts every object, on any write under its assets, so a
 * build that changes nothing (a second `npm run dev`, `npm test` after a
 * build) must touch nothing; and `dist` is never empty while it is read.
 */
export async function buildWebApp(dist = WEB_DIST): Promise<WebBuild> {
  const scratch = await mkdtemp(join(tmpdir(), 'kite-edge-web-'));
  try {
    await build({ configFile: join(HERE, 'vite.config.ts'), build: { outDir: scratch } });
    const written = await filesUnder(scratch);
    await mkdir(dist, { recursive: true });
    for (const file of written) await copyIfChanged(join(scratch, file), join(dist, file));
    await pruneStale(dist, new Set(written));
    const firstLoadJsGzipBytes = await firstLoadJs(dist);
    if (firstLoadJsGzipBytes > FIRST_LOAD_JS_BUDGET_BYTES)
      throw new Error(`the web app's first-load JavaScript is ${kb(firstLoadJsGzipBytes)} gzipped, over the ${kb(FIRST_LOAD_JS_BUDGET_BYTES)} budget`);
    return { dist, files: written.sort(), firstLoadJsGzipBytes };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function filesUnder(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)));
}

async function copyIfChanged(from: string, to: string): Promise<void> {
  const bytes = await readFile(from);
  const old = await readFile(to).catch(() => undefined);
  if (old?.equals(bytes)) return;
  await mkdir(dirname(to), { recursive: true });
  await writeFile(to, bytes);
}

/** Files of earlier builds (their names carry content hashes) that this one did not write. */
async function pruneStale(dist: string, written: Set<string>): Promise<void> {
  for (const file of await filesUnder(dist)) if (!written.has(file)) await rm(join(dist, file));
}

/** The scripts index.html loads at once (its module entry and what it preloads), gzipped as a server would send them. */
async function firstLoadJs(dist: string): Promise<number> {
  const html = await readFile(join(dist, 'index.html'), 'utf8');
  const scripts = [...html.matchAll(/<(?:script[^>]*\bsrc|link[^>]*rel="modulepreload"[^>]*\bhref)="\/([^"]+\.js)"/g)].map((m) => m[1] as string);
  let bytes = 0;
  for (const script of new Set(scripts)) bytes += gzipSync(await readFile(join(dist, script)), { level: 9 }).length;
  return bytes;
}

export const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

if (import.meta.main) {
  try {
    const built = await buildWebApp();
    console.log(`web app built into ${relative(process.cwd(), built.dist)}: first-load JavaScript ${kb(built.firstLoadJsGzipBytes)} gzipped`);
  } catch (error) {
    console.error(`npm run build:web: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}
