import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/**
 * `npm run build` (and `prepare`, so `npm install` at the root builds it):
 * dist/index.js, one ESM file with what the client uses of contracts/
 * bundled in (zod stays a dependency), and dist/types, the declarations of
 * client/ and those contracts. Nothing in dist reaches outside it.
 */
const here = dirname(fileURLToPath(import.meta.url));
rmSync(join(here, 'dist'), { recursive: true, force: true });
await build({
  entryPoints: [join(here, 'index.ts')],
  outfile: join(here, 'dist/index.js'),
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  external: ['zod'],
  sourcemap: false,
  logLevel: 'warning',
});
execFileSync(process.execPath, [join(here, '../node_modules/typescript/bin/tsc'), '-p', join(here, 'tsconfig.build.json')], { stdio: 'inherit' });
