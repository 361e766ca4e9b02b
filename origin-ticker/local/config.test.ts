import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../contracts/config-error.ts';
import { localConfig } from './config.ts';

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
