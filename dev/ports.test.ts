import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { freePort } from './ports.ts';

const CLAIMS = join(tmpdir(), 'kite-edge-ports');

it('reserves a drawn port for the process that drew it, below the ephemeral range, and removes the claims when that process exits', async () => {
  const mine = await freePort();
  expect(mine).toBeGreaterThanOrEqual(20_000);
  expect(mine).toBeLessThan(32_000);
  expect(readFileSync(join(CLAIMS, String(mine)), 'utf8')).toBe(String(process.pid));

  // Another process draws three ports, sees its claims, and exits: none of them is left behind.
  const script = `
    import { existsSync } from 'node:fs';
    const { freePort } = await import(${JSON.stringify(new URL('./ports.ts', import.meta.url).href)});
    const ports = [await freePort(), await freePort(), await freePort()];
    console.log(JSON.stringify({ ports, claimed: ports.every((port) => existsSync(${JSON.stringify(CLAIMS)} + '/' + port)) }));`;
  const child = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })) as {
    ports: number[];
    claimed: boolean;
  };
  expect(child.claimed).toBe(true);
  expect(new Set(child.ports).size).toBe(3);
  expect(child.ports).not.toContain(mine);
  expect(child.ports.filter((port) => existsSync(join(CLAIMS, String(port))))).toEqual([]);
  // This process's own claim stands.
  expect(readFileSync(join(CLAIMS, String(mine)), 'utf8')).toBe(String(process.pid));
});
