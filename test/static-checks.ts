import { spawn } from 'node:child_process';

/**
 * The static half of `npm test`, run side by side (each is one process on
 * one core): the three type checks (Node, workers, the web app), Biome, and
 * the import rules. Prints each check's output as a block when it ends and
 * fails if any failed, naming it.
 */
/**
 * TypeScript 7, the native compiler (package.json's `typescript-native`).
 * `typescript` stays 5.x for the tools that parse with its JavaScript API
 * (dependency-cruiser); both name their command `tsc`, so this one is
 * called by path.
 */
const TSC = 'node_modules/typescript-native/bin/tsc';
const CHECKS: [name: string, command: string, args: string[]][] = [
  ['typecheck (node)', process.execPath, [TSC, '-p', 'tsconfig.json']],
  ['typecheck (workers)', process.execPath, [TSC, '-p', 'tsconfig.workers.json']],
  ['typecheck (web)', process.execPath, [TSC, '-p', 'web/tsconfig.json']],
  ['lint (biome)', 'biome', ['check', '.']],
  // Its cache (as tsc's state) under node_modules/.cache: a second run looks again only at what changed.
  [
    'imports (dependency-cruiser)',
    'depcruise',
    ['--cache', 'node_modules/.cache/dependency-cruiser', '--config', '.dependency-cruiser.cjs', ...process.argv.slice(2)],
  ],
];

const started = Date.now();
const results = await Promise.all(
  CHECKS.map(
    ([name, command, args]) =>
      new Promise<{ name: string; ok: boolean; output: string; seconds: number }>((resolve) => {
        const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
        let output = '';
        child.stdout.on('data', (chunk) => (output += chunk));
        child.stderr.on('data', (chunk) => (output += chunk));
        child.on('error', (error) => resolve({ name, ok: false, output: `${output}${error.message}\n`, seconds: 0 }));
        child.on('close', (code) => resolve({ name, ok: code === 0, output, seconds: (Date.now() - started) / 1000 }));
      }),
  ),
);
for (const { name, ok, output, seconds } of results) {
  process.stdout.write(`── ${name}: ${ok ? 'passed' : 'FAILED'} (${seconds.toFixed(1)} s)\n`);
  if (!ok || output.trim() !== '') process.stdout.write(`${output.trimEnd()}\n`);
}
const failed = results.filter((r) => !r.ok).map((r) => r.name);
if (failed.length > 0) {
  process.stderr.write(`static checks failed: ${failed.join(', ')}\n`);
  process.exit(1);
}
