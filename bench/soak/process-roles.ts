/**
 * Which part of the platform a process is, from its command line: what the
 * soak's memory table has a row for. The dev supervisor (`npm run dev`)
 * also runs the Neon relay and the Upstash bridge in its own process;
 * embedded Postgres is a Node launcher and a server with a process per
 * backend and per background worker, wrangler is two Node processes and
 * two workerd ones (its proxy and the worker), and the origin runs short
 * helper processes (its registry sync at each start).
 */
const PLATFORM_ROLES = [
  'workerd',
  'wrangler',
  'origin',
  'origin-helpers',
  'kite-sim',
  'postgres',
  'postgres-launcher',
  'redis-server',
  'dev-supervisor',
  'esbuild',
  'other',
] as const;
export type PlatformRole = (typeof PLATFORM_ROLES)[number];

const RULES: [RegExp, PlatformRole][] = [
  // workerd's binary lives under wrangler's node_modules: look for it first.
  [/\/workerd(\s|$)/, 'workerd'],
  [/wrangler/, 'wrangler'],
  [/origin-ticker\/main\.ts/, 'origin'],
  // The registry sync and the Kite session exchange, which the origin runs in child processes of its own.
  [/origin-ticker\//, 'origin-helpers'],
  [/kite-sim\/main\.ts/, 'kite-sim'],
  [/embedded-postgres-main\.ts/, 'postgres-launcher'],
  [/(^|\/)postgres(\s|$)|^postgres:/, 'postgres'],
  [/redis-server/, 'redis-server'],
  [/dev\/dev\.ts/, 'dev-supervisor'],
  [/esbuild/, 'esbuild'],
];

export function roleOf(args: string): PlatformRole {
  for (const [pattern, role] of RULES) if (pattern.test(args)) return role;
  return 'other';
}
