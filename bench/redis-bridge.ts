import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis as Upstash } from '@upstash/redis';
import { Redis } from 'ioredis';
import { freePort } from '../dev/ports.ts';
import { findRedisServer, startRedisServer } from '../dev/redis-server.ts';
import { startUpstashBridge } from '../dev/upstash-bridge.ts';

/**
 * What the local Upstash stand-in costs: the same sequential GETs and a
 * 100-command pipeline through @upstash/redis → REST bridge → redis-server,
 * against ioredis straight to the same redis-server (the baseline), in one
 * process. Reported as ratios; absolute times depend on the machine.
 */
export async function benchRedisBridge(): Promise<{ name: string; baseline: string; ratio: number; detail: string }[]> {
  const binary = findRedisServer();
  if (!binary) throw new Error('redis-server is needed (apt-get install redis-server)');
  const dir = mkdtempSync(join(tmpdir(), 'bench-redis-'));
  const server = await startRedisServer({ binary, port: await freePort(), dir });
  const bridge = await startUpstashBridge({ port: 0, token: 'bench-token-123', redisUrl: server.url });
  const direct = new Redis(server.url);
  const upstash = new Upstash({ url: bridge.url, token: 'bench-token-123', retry: false, enableTelemetry: false, enableAutoPipelining: false });
  try {
    await direct.set('bench:key', 'x'.repeat(200));
    const ops = 2000;
    const time = async (run: () => Promise<unknown>, n: number) => {
      for (let i = 0; i < 50; i++) await run(); // warm-up
      const start = process.hrtime.bigint();
      for (let i = 0; i < n; i++) await run();
      return Number(process.hrtime.bigint() - start) / 1e6 / n;
    };
    const directGet = await time(() => direct.get('bench:key'), ops);
    const bridgeGet = await time(() => upstash.get('bench:key'), ops);
    const keys = Array.from({ length: 100 }, (_, i) => `bench:p${i}`);
    const directPipe = await time(() => keys.reduce((p, k) => p.set(k, k), direct.pipeline()).exec(), 200);
    const bridgePipe = await time(() => keys.reduce((p, k) => p.set(k, k), upstash.pipeline()).exec(), 200);
    return [
      {
        name: 'GET through the Upstash bridge',
        baseline: 'ioredis GET, same server',
        ratio: bridgeGet / directGet,
        detail: `${bridgeGet.toFixed(3)} ms vs ${directGet.toFixed(3)} ms per op`,
      },
      {
        name: '100-SET pipeline through the bridge',
        baseline: 'ioredis pipeline, same server',
        ratio: bridgePipe / directPipe,
        detail: `${bridgePipe.toFixed(3)} ms vs ${directPipe.toFixed(3)} ms per pipeline`,
      },
    ];
  } finally {
    direct.disconnect();
    await bridge.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
