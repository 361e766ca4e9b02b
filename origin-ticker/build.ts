import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

/**
 * The origin runs from a JavaScript build of its own code, not from its
 * TypeScript sources: Node's type stripping (amaro, SWC compiled to
 * WebAssembly) costs a process about 25 MB resident for its whole life, and
 * needs WebAssembly, which the origin's `--jitless` turns off
 * (local/origin-service.ts). Dependencies stay in node_modules (`packages:
 * 'external'`). CommonJS, because an ES module that imports `node:http`
 * makes Node fill in that module's whole namespace, undici and http2
 * included (about 8 MB the origin never uses).
 *
 * Each program keeps its source path in its name (dist/origin-ticker/main.ts.cjs),
 * so what finds the origin by its command line (`pgrep -f origin-ticker/main.ts`)
 * still does. The programs the origin runs as children are built beside it
 * (programs.ts): the instrument sync and the Kite session exchange. Source maps leave the sources out: under
 * `--enable-source-maps` stack traces name the .ts lines all the same.
 *
 * `npm run origin` builds first (`preorigin`); `npm run dev` (and so the
 * tests and benchmarks) before each start of the origin. It takes a
 * fraction of a second. By hand: `node origin-ticker/build.ts`.
 */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = join(ROOT, 'dist', 'origin-ticker');
/** The origin's entry point in the build. */
export const ORIGIN_MAIN = join(OUT, 'main.ts.cjs');

export function buildOrigin(): string {
  const result = buildSync({
    absWorkingDir: ROOT,
    entryPoints: Object.fromEntries(['main', 'registry/sync-cli', 'kite/session-exchange-cli'].map((name) => [`${name}.ts`, `origin-ticker/${name}.ts`])),
    outdir: OUT,
    outExtension: { '.js': '.cjs' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    packages: 'external',
    sourcemap: 'linked',
    sourcesContent: false,
    write: false,
    logLevel: 'silent',
  });
  // A warning here is a broken program (an import.meta or a top-level await the CommonJS build cannot keep).
  if (result.warnings.length) throw new Error(`the origin's build has warnings: ${result.warnings.map((w) => w.text).join('; ')}`);
  // Written aside and renamed: a test or benchmark may build while another one's origin is starting from the files.
  for (const file of result.outputFiles) {
    mkdirSync(dirname(file.path), { recursive: true });
    const aside = `${file.path}.${process.pid}.tmp`;
    writeFileSync(aside, file.contents);
    renameSync(aside, file.path);
  }
  return ORIGIN_MAIN;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    console.log(`built ${buildOrigin()}`);
  } catch (error) {
    console.error(`the origin's build failed: ${(error as Error).message}`);
    process.exit(1);
  }
}
