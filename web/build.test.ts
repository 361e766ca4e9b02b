import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fileStamps } from '../test/file-stamps.ts';
import { buildWebApp } from './build.ts';

const dist = mkdtempSync(join(tmpdir(), 'web-build-test-'));
afterAll(() => rmSync(dist, { recursive: true, force: true }));

describe('the web app build', () => {
  it('writes the app and its headers, and a second build of the same sources touches no file (a running wrangler dev would reload)', async () => {
    const first = await buildWebApp(dist);
    expect(first.files).toEqual(expect.arrayContaining(['index.html', '_headers']));
    expect(first.files.some((file) => /^assets\/index-.+\.js$/.test(file))).toBe(true);
    expect(first.firstLoadJsGzipBytes).toBeGreaterThan(10_000);
    const before = fileStamps(dist);
    expect(Object.keys(before).sort()).toEqual([...first.files].sort());

    writeFileSync(join(dist, 'assets', 'index-of-an-older-build.js'), '');
    const second = await buildWebApp(dist);
    expect(second.files).toEqual(first.files);
    // The older build's file is gone; every other file is as the first build left it, not written again.
    expect(fileStamps(dist)).toEqual(before);
  }, 60_000);
});
