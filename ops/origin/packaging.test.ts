import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ORIGIN_ENV, ORIGIN_NODE_FLAGS } from '../../dev/origin-service.ts';
import { ORIGIN_MAIN } from '../../origin-ticker/build.ts';

/**
 * The origin's two packagings, checked without Docker or a systemd host:
 * what they copy and run exists here, and they run the origin exactly as
 * `npm run origin` does (dev/origin-service.ts holds that to package.json).
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ENTRY = relative(ROOT, ORIGIN_MAIN);
const dockerfile = readFileSync(join(ROOT, 'ops/origin/Dockerfile'), 'utf8');
const dockerignore = readFileSync(join(ROOT, 'ops/origin/Dockerfile.dockerignore'), 'utf8');
const unit = readFileSync(join(ROOT, 'ops/systemd/kite-origin.service'), 'utf8');

/** Dockerfile instructions, continuation lines joined. */
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .filter((line) => /^[A-Z]+ /.test(line));
const unitValue = (key: string) => unit.match(new RegExp(`^${key}=(.*)$`, 'm'))?.[1];

describe('the origin container image (ops/origin/Dockerfile)', () => {
  it('copies sources that exist and the .dockerignore lets through', () => {
    const sources = instructions
      .filter((line) => line.startsWith('COPY ') && !line.includes('--from='))
      .flatMap((line) => line.split(/\s+/).slice(1, -1))
      .filter((word) => !word.startsWith('--'));
    expect(sources).toEqual(['package.json', 'package-lock.json', 'contracts', 'origin-ticker', 'package.json', 'package-lock.json']);
    for (const source of sources) {
      expect(existsSync(join(ROOT, source)), source).toBe(true);
      expect(dockerignore, source).toMatch(new RegExp(`^!${source}(/\\*\\*)?$`, 'm'));
    }
  });

  it('builds the bundle origin-ticker/build.ts writes and runs it as npm run origin does', () => {
    expect(instructions).toContain('RUN node origin-ticker/build.ts');
    expect(instructions).toContain(`COPY --from=build /src/${relative(ROOT, join(ORIGIN_MAIN, '..'))} ./${relative(ROOT, join(ORIGIN_MAIN, '..'))}`);
    const cmd = JSON.parse(instructions.find((line) => line.startsWith('CMD '))?.slice(4) ?? '[]');
    expect(cmd).toEqual(['node', ...ORIGIN_NODE_FLAGS, ENTRY]);
    expect(dockerfile).toContain(`GLIBC_TUNABLES=${ORIGIN_ENV.GLIBC_TUNABLES}`);
    expect(instructions.filter((line) => line.startsWith('FROM ')).every((line) => /node:22\b/.test(line))).toBe(true);
  });

  it('runs as a user other than root, and checks /health on the origin port', () => {
    const user = instructions.filter((line) => line.startsWith('USER ')).at(-1);
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^USER (root|0)\b/);
    const healthcheck = instructions.find((line) => line.startsWith('HEALTHCHECK '));
    expect(healthcheck).toMatch(/fetch\(`http:\/\/127\.0\.0\.1:\$\{process\.env\.ORIGIN_PORT\}\/health`\)/);
    expect(dockerfile).toMatch(/ORIGIN_PORT=8080/);
  });
});

describe('the origin systemd unit (ops/systemd/kite-origin.service)', () => {
  it('runs the built origin as npm run origin does, as a user other than root, restarting always', () => {
    const [node, ...args] = (unitValue('ExecStart') ?? '').split(' ');
    expect(node).toBe('/opt/kite-edge/node_modules/node/bin/node');
    expect(args).toEqual([...ORIGIN_NODE_FLAGS, ENTRY]);
    expect(unitValue('WorkingDirectory')).toBe('/opt/kite-edge');
    expect(unit).toContain(`Environment=GLIBC_TUNABLES=${ORIGIN_ENV.GLIBC_TUNABLES}`);
    expect(unitValue('User')).toBe('kite-origin');
    expect(unitValue('Restart')).toBe('always');
    expect(unitValue('EnvironmentFile')).toBe('/etc/kite-origin/origin.env');
    for (const [key, value] of Object.entries({
      NoNewPrivileges: 'yes',
      ProtectSystem: 'strict',
      ProtectHome: 'yes',
      PrivateTmp: 'yes',
      CapabilityBoundingSet: '',
    })) {
      expect(unitValue(key), key).toBe(value);
    }
  });

  it('names paths that a checkout has (node from npm ci, the bundle from build.ts), and passes systemd-analyze verify where systemd is', () => {
    // /opt/kite-edge is the checkout: here, this repository.
    const local = unit.replaceAll('/opt/kite-edge', ROOT.replace(/\/$/, ''));
    const node = (local.match(/^ExecStart=(\S+)/m)?.[1] ?? '').trim();
    expect(existsSync(node), node).toBe(true);
    expect(ORIGIN_MAIN.startsWith(ROOT)).toBe(true);
    const analyze = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
    if (analyze.error) return; // no systemd-analyze on this machine: the path checks above are what can be checked
    const dir = mkdtempSync(join(tmpdir(), 'kite-origin-unit-'));
    try {
      const environment = join(dir, 'origin.env');
      writeFileSync(environment, '');
      const file = join(dir, 'kite-origin.service');
      writeFileSync(file, local.replace('/etc/kite-origin/origin.env', environment));
      const verify = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8', timeout: 30_000 });
      const output = `${verify.stdout}${verify.stderr}`.trim();
      expect({ code: verify.status, output }, 'systemd-analyze verify: every warning counts').toEqual({ code: 0, output: '' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
