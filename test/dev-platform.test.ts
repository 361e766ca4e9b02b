import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanups, startDev, tempDir } from './dev-platform.ts';

/**
 * `npm run dev` refusing bad settings before it starts anything, as a
 * developer meets it (test/dev-platform.ts). Running on external Postgres
 * and Redis, each failing and recovering, and Ctrl-C freeing every port are
 * the faults' platform's (test/e2e/platform-faults.test.ts); the shared
 * platform runs on its own (test/e2e/platform-health.suite.ts, and
 * test/setup/shared-platform.ts when the run ends).
 */
describe('npm run dev', () => {
  it('refuses to start on a taken port, naming the port and the variable that moves it', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => taken.close(() => resolve())));
    const address = taken.address();
    const port = typeof address === 'object' && address ? address.port : 0;

    const dev = await startDev({ EDGE_PORT: String(port), LOCAL_STATE_DIR: join(tempDir(), 'state') });
    expect(await dev.exited).toBe(1);
    expect(dev.output()).toContain(`${port} (edge worker)`);
    expect(dev.output()).toContain('set EDGE_PORT');
  });

  it('refuses a malformed variable, naming it', async () => {
    const dev = await startDev({ EDGE_PORT: 'eighty-eighty' });
    expect(await dev.exited).toBe(1);
    expect(dev.output()).toContain('EDGE_PORT: must be a port number');
  });
});
