import { describe, expect, it } from 'vitest';
import { loggableTarget } from './errors.ts';

describe('the target an unhandled error is logged with', () => {
  it('keeps the path and the parameter names, never a value (issue 21: /kite/ws carries a key secret)', () => {
    const logged = loggableTarget('https://edge.example/kite/ws?api_key=ak_123&access_token=sk_secret&access_token=again');
    expect(logged).toBe('/kite/ws?api_key=…&access_token=…');
    expect(logged).not.toContain('sk_secret');
    expect(loggableTarget('https://edge.example/instruments/search')).toBe('/instruments/search');
  });
});
