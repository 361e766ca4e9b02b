import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/**
 * The typed client as users install it (client/package.json): `npm pack`
 * ships its build, README and package.json only, and nothing in the build
 * reaches outside it (contracts/ is bundled in; zod is a dependency).
 */
const CLIENT = resolve(import.meta.dirname, '../../client');

describe('the @kite-edge/client package', () => {
  it('packs dist, README.md and package.json, nothing else', async () => {
    const { stdout } = await promisify(execFile)('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: CLIENT });
    const [pack] = JSON.parse(stdout) as { name: string; version: string; files: { path: string }[] }[];
    const files = pack?.files.map((file) => file.path) ?? [];
    expect(pack?.name).toBe('@kite-edge/client');
    expect(files.filter((path) => !path.startsWith('dist/')).sort()).toEqual(['README.md', 'package.json']);
    expect(files).toEqual(expect.arrayContaining(['dist/index.js', 'dist/types/client/index.d.ts', 'dist/types/client/rest.d.ts']));
  });

  it('imports nothing at run time but zod, and types nothing outside dist', async () => {
    const code = await readFile(join(CLIENT, 'dist/index.js'), 'utf8');
    const imported = [...code.matchAll(/^import .* from "([^"]+)";$/gm)].map((match) => match[1]);
    expect(new Set(imported)).toEqual(new Set(['zod']));
    const dist = join(CLIENT, 'dist');
    for (const file of await readdir(join(dist, 'types'), { recursive: true })) {
      if (!file.endsWith('.d.ts')) continue;
      const path = join(dist, 'types', file);
      for (const [, specifier = ''] of (await readFile(path, 'utf8')).matchAll(/from '([^']+)'/g)) {
        if (!specifier.startsWith('.')) {
          expect(specifier, `${file} imports ${specifier}`).toBe('zod');
          continue;
        }
        expect(relative(dist, resolve(dirname(path), specifier)).startsWith('..'), `${file} imports ${specifier}`).toBe(false);
      }
    }
  });
});
