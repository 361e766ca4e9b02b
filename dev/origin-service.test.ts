import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { buildOrigin, ORIGIN_MAIN } from '../origin-ticker/build.ts';
import { ORIGIN_ENV, ORIGIN_NODE_FLAGS } from './origin-service.ts';

/** `npm run origin` and `npm run dev` run one origin: the same build, with the same flags. */
const ROOT = fileURLToPath(new URL('..', import.meta.url));

describe('the origin as it is run', () => {
  it('is the same build with the same flags under npm run origin as under npm run dev', () => {
    const { scripts } = JSON.parse(readFileSync(`${ROOT}/package.json`, 'utf8')) as { scripts: Record<string, string> };
    expect(scripts.preorigin).toBe('node origin-ticker/build.ts');
    const env = Object.entries(ORIGIN_ENV)
      .map(([name, value]) => `${name}=${value} `)
      .join('');
    expect(scripts.origin).toBe(`${env}node ${ORIGIN_NODE_FLAGS.join(' ')} ${relative(ROOT, ORIGIN_MAIN)}`);
  });

  it('builds the origin and the programs it runs as children, and the build starts under those flags', async () => {
    expect(buildOrigin()).toBe(ORIGIN_MAIN);
    for (const name of ['main', 'registry/sync-cli', 'kite/session-exchange-cli']) {
      const file = ORIGIN_MAIN.replace(/main\.ts\.cjs$/, `${name}.ts.cjs`);
      expect(existsSync(file) && existsSync(`${file}.map`)).toBe(true);
    }
    // Interpreter only, no WebAssembly: a build that still needed type stripping or wasm would fail here, before the config check.
    const run = promisify(execFile)(process.execPath, [...ORIGIN_NODE_FLAGS, ORIGIN_MAIN], {
      env: { PATH: process.env.PATH, ...ORIGIN_ENV, ORIGIN_LINK_SECRET: 'short' },
    });
    const failed = await run.then(
      () => undefined,
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stdout).toMatch(/ORIGIN_LINK_SECRET/);
    expect(failed?.stderr).toBe('');
  });
});
