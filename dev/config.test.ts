import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../contracts/config-error.ts';
import { localConfig } from './config.ts';
import { edgeVars } from './edge-service.ts';

function problems(env: Record<string, string>): { variable: string; problem: string }[] {
  try {
    localConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('local platform configuration', () => {
  it('defaults every port and starts local stand-ins when nothing is set', () => {
    const config = localConfig({});
    expect(config.edgePort).toBe(8787);
    expect(config.postgres.port).toBe(5488);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.upstash).toBeUndefined();
    expect(config.postgres.dir).toMatch(/\.local\/postgres$/);
  });

  it('names every bad variable at once, saying what is wrong with each', () => {
    expect(problems({ EDGE_PORT: 'eighty', PG_PORT: '70000', DATABASE_URL: 'http://db', REDIS_BRIDGE_TOKEN: 'short' })).toEqual([
      { variable: 'DATABASE_URL', problem: 'must be a postgres:// or postgresql:// URL' },
      { variable: 'PG_PORT', problem: 'must be between 1 and 65535' },
      { variable: 'REDIS_BRIDGE_TOKEN', problem: 'must be at least 8 characters' },
      { variable: 'EDGE_PORT', problem: 'must be a port number' },
    ]);
  });

  it('runs a standby origin on 8081 unless ORIGIN_STANDBY=0', () => {
    expect(localConfig({}).standbyOriginPort).toBe(8081);
    expect(localConfig({ ORIGIN_STANDBY_PORT: '9081' }).standbyOriginPort).toBe(9081);
    expect(localConfig({ ORIGIN_STANDBY: '0' }).standbyOriginPort).toBeUndefined();
    expect(problems({ ORIGIN_STANDBY: 'yes' })).toEqual([{ variable: 'ORIGIN_STANDBY', problem: 'must be 1 (start a standby origin) or 0 (one origin only)' }]);
  });

  it('wants the Upstash URL and token together', () => {
    expect(problems({ UPSTASH_REDIS_REST_URL: 'https://eu1-fine-cat.upstash.io' })).toEqual([
      { variable: 'UPSTASH_REDIS_REST_TOKEN', problem: 'must be set together with UPSTASH_REDIS_REST_URL (set both, or neither)' },
    ]);
  });

  it('treats an empty variable as unset', () => {
    expect(localConfig({ DATABASE_URL: '', EDGE_PORT: '' }).edgePort).toBe(8787);
  });

  it('prints a message that names the variables', () => {
    expect(() => localConfig({ NEON_RELAY_PORT: '-1' })).toThrow(/NEON_RELAY_PORT: must be between 1 and 65535/);
  });
});

describe('the edge worker’s variables in a local run', () => {
  it('makes an AUTH_JWT_SECRET once, keeps it with the worker’s state (owner-only), and reuses it', () => {
    const stateDir = join(mkdtempSync(join(tmpdir(), 'edge-vars-')), 'wrangler');
    try {
      const first = edgeVars({ vars: {}, stateDir }, {});
      expect(first.AUTH_JWT_SECRET).toMatch(/^[0-9a-f]{64}$/);
      expect(readFileSync(join(stateDir, 'auth-jwt-secret'), 'utf8').trim()).toBe(first.AUTH_JWT_SECRET);
      expect(statSync(join(stateDir, 'auth-jwt-secret')).mode & 0o777).toBe(0o600);
      expect(edgeVars({ vars: {}, stateDir }, {}).AUTH_JWT_SECRET).toBe(first.AUTH_JWT_SECRET);
    } finally {
      rmSync(join(stateDir, '..'), { recursive: true, force: true });
    }
  });

  it('passes the worker’s auth and limit settings from the environment, and nothing else', () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'edge-vars-'));
    try {
      const env = { AUTH_JWT_SECRET: 'x'.repeat(40), RATE_LIMIT_API: '5', LOGIN_LOCK_MS: '', PATH: '/usr/bin', DATABASE_URL: 'postgres://elsewhere/db' };
      const vars = edgeVars({ vars: { DATABASE_URL: 'postgres://local/db' }, stateDir }, env);
      // Plus the alerts' sealing key, made and kept like AUTH_JWT_SECRET, and loopback webhooks allowed.
      expect(vars).toEqual({
        AUTH_JWT_SECRET: 'x'.repeat(40),
        RATE_LIMIT_API: '5',
        DATABASE_URL: 'postgres://local/db',
        ALERT_SECRET_KEY: expect.stringMatching(/^[0-9a-f]{64}$/),
        ALERT_WEBHOOKS_ALLOW_PRIVATE: 'true',
      });
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
