import { describe, expect, it } from 'vitest';
import { ConfigError } from '../contracts/config-error.ts';
import { simConfig } from './config.ts';
import { DEFAULT_SMILE } from './pricing.ts';

describe('Kite simulator configuration', () => {
  it('defaults to Kite’s own limits and expiry time', () => {
    const config = simConfig({});
    expect(config).toMatchObject({
      port: 8700,
      maxInstrumentsPerConnection: 3000,
      maxConnectionsPerKey: 3,
      tokenExpiryMinuteIst: 360,
      ticksPerSecond: 1,
      smile: DEFAULT_SMILE,
      historicalRequestsPerSecond: 3,
    });
  });

  it('takes 0 historical requests a second as unlimited, and refuses a negative rate', () => {
    expect(simConfig({ SIM_HISTORICAL_RPS: '0' }).historicalRequestsPerSecond).toBe(0);
    expect(() => simConfig({ SIM_HISTORICAL_RPS: '-1' })).toThrow(/SIM_HISTORICAL_RPS/);
  });

  it('lists every exchange of Kite unless SIM_EXCHANGES names some, and refuses one Kite does not have', () => {
    expect(simConfig({}).exchanges).toEqual(['NSE', 'BSE', 'NFO', 'BFO', 'MCX', 'CDS', 'BCD']);
    expect(simConfig({ SIM_EXCHANGES: 'MCX,CDS,MCX' }).exchanges).toEqual(['MCX', 'CDS']);
    for (const bad of ['NSE,LSE', 'nse', 'NSE,', ' NSE']) {
      expect(() => simConfig({ SIM_EXCHANGES: bad })).toThrow('SIM_EXCHANGES: must be a comma-separated list of NSE, BSE, NFO, BFO, MCX, CDS, BCD');
    }
  });

  it('keeps the default for the smile parameter that is not set', () => {
    expect(simConfig({ SIM_SMILE_SKEW: '-0.3' }).smile).toEqual({ skew: -0.3, curvature: DEFAULT_SMILE.curvature });
  });

  it('names every bad variable with its rule', () => {
    try {
      simConfig({ SIM_TOKEN_EXPIRY_IST: '25:00', SIM_TICKS_PER_SECOND: '0', SIM_API_KEY: 'Has Spaces' });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toEqual([
        { variable: 'SIM_API_KEY', problem: 'must be 4-32 lower-case letters or digits' },
        { variable: 'SIM_TICKS_PER_SECOND', problem: 'must be above 0' },
        { variable: 'SIM_TOKEN_EXPIRY_IST', problem: 'must be a time of day HH:MM (IST)' },
      ]);
    }
  });
});
