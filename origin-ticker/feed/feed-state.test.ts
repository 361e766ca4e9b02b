import { describe, expect, it } from 'vitest';
import type { ConnectionState, ConnectionStats } from '../kite/ticker-connection.ts';
import { feedStateOf, STARTING } from './feed-state.ts';

const connection = (state: ConnectionState, fields: Partial<ConnectionStats> = {}): ConnectionStats => ({
  id: 'kitesim#1',
  state,
  reason: undefined,
  failure: null,
  instruments: 10,
  ticks: 0,
  ticksPerSecond: 0,
  lastTickAt: null,
  reconnects: 0,
  connectedAt: null,
  ...fields,
});
const LIVE = { state: 'live' } as const;

describe('feedStateOf', () => {
  it('reports a starting origin as stale, connecting to Kite, not as down (issue 21, defect 9a)', () => {
    expect(feedStateOf([], STARTING)).toEqual(STARTING);
    expect(feedStateOf([connection('connecting')], STARTING)).toEqual({ state: 'stale', reason: 'connecting to Kite' });
    expect(feedStateOf([connection('connecting', { reason: "connected; waiting for Kite's first heartbeat or tick" })], STARTING)).toEqual({
      state: 'stale',
      reason: 'connecting to Kite',
    });
    expect(feedStateOf([connection('live')], STARTING)).toEqual(LIVE);
  });

  it('is down once the connections that are not live have failed, with the failure, while they retry', () => {
    const failed = 'closed by Kite (1006)';
    expect(feedStateOf([connection('backoff', { reason: failed, failure: failed })], LIVE)).toEqual({ state: 'down', reason: failed });
    expect(feedStateOf([connection('connecting', { failure: failed })], LIVE)).toEqual({ state: 'down', reason: failed });
  });

  it('is token_expired, with why, when an account carrying instruments has no valid token', () => {
    const expired = connection('token_expired', { reason: "Kite access token expired at 2026-12-07T00:30:00.000Z: log in at the origin's /login" });
    expect(feedStateOf([connection('live'), expired], LIVE)).toEqual({ state: 'token_expired', reason: expired.reason });
  });

  it('is stale while some connections are not live, and ignores those carrying nothing', () => {
    expect(feedStateOf([connection('live'), connection('backoff', { failure: 'x' }), connection('idle', { instruments: 0 })], LIVE)).toEqual({
      state: 'stale',
      reason: '1 of 2 Kite connections are not live',
    });
  });

  it('keeps what it was when nothing is wanted', () => {
    expect(feedStateOf([connection('idle', { instruments: 0 })], LIVE)).toEqual(LIVE);
    expect(feedStateOf([], { state: 'token_expired', reason: 'r' })).toEqual({ state: 'token_expired', reason: 'r' });
  });
});
