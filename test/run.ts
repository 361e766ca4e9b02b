import { spawn } from 'node:child_process';

/**
 * `npm test`: the static checks (test/static-checks.ts) and vitest side by
 * side, so the type checks run while vitest's global setup starts Postgres
 * and syncs the registry. Arguments go to vitest (CI passes its reporters).
 * Fails when either fails; the static checks' report is printed when they end.
 */
const run = (args: string[], stdio: 'inherit' | 'pipe') =>
  new Promise<{ code: number; output: string }>((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', stdio, stdio] });
    let output = '';
    child.stdout?.on('data', (chunk) => (output += chunk));
    child.stderr?.on('data', (chunk) => (output += chunk));
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });

const [checks, tests] = await Promise.all([
  run(['test/static-checks.ts', ...(process.env.npm_package_config_imports ?? '').split(' ').filter(Boolean)], 'pipe').then((result) => {
    process.stdout.write(`\n${result.output}`);
    return result;
  }),
  run(['node_modules/vitest/vitest.mjs', 'run', ...process.argv.slice(2)], 'inherit'),
]);
if (checks.code !== 0) process.stderr.write('npm test: the static checks failed (above)\n');
process.exit(checks.code !== 0 ? checks.code : tests.code);
