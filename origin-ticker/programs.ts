import { basename, dirname, join } from 'node:path';

/**
 * Another program of the origin's (a child it runs: the sync, the Kite
 * session exchange), in the same form as the origin running now:
 * origin-ticker/<name>.ts beside main.ts from source, or
 * dist/origin-ticker/<name>.ts.cjs beside main.ts.cjs in the build
 * (origin-ticker/build.ts). Found from the origin's entry point, because a
 * bundle keeps no module's own location.
 */
export function programBeside(name: string): string {
  const main = process.argv[1] ?? '';
  return join(dirname(main), basename(main).replace(/^main\b/, name));
}
