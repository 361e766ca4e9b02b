import { readdir, readFile, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
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
/** Copied into web/dist as they are (Vite's publicDir): the headers file. */
const PUBLIC = join(HERE, 'public');
/** The budget for the JavaScript of a first visit, gzipped. */
export const FIRST_LOAD_JS_BUDGET_BYTES = 250 * 1024;

export type WebBuild = { dist: string; files: string[]; firstLoadJsGzipBytes: number };

/** Builds into `dist` (web/dist unless told; `npm run deploy` builds into a directory of its own). */
export async function buildWebApp(dist = WEB_DIST): Promise<WebBuild> {
  const result = await build({ configFile: join(HERE, 'vite.config.ts'), build: { outDir: dist } });
  const outputs = (Array.isArray(result) ? result : [result]).flatMap((r) => ('output' in r ? r.output : []));
  const copied = (await readdir(PUBLIC, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => relative(PUBLIC, join(e.parentPath, e.name)));
  const written = new Set(['index.html', ...outputs.map((o) => o.fileName), ...copied]);
  await pruneStale(dist, written);
  const firstLoadJsGzipBytes = await firstLoadJs(dist);
  if (firstLoadJsGzipBytes > FIRST_LOAD_JS_BUDGET_BYTES)
    throw new Error(`the web app's first-load JavaScript is ${kb(firstLoadJsGzipBytes)} gzipped, over the ${kb(FIRST_LOAD_JS_BUDGET_BYTES)} budget`);
  return { dist, files: [...written].sort(), firstLoadJsGzipBytes };
}

/** Files of earlier builds (their names carry content hashes) that this one did not write or copy. */
async function pruneStale(dist: string, written: Set<string>): Promise<void> {
  for (const entry of await readdir(dist, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    if (!written.has(relative(dist, path))) await rm(path);
  }
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
