import { describe, expect, it } from 'vitest';
import { IsolateCache } from './isolate-cache.ts';

describe('IsolateCache', () => {
  it('answers until the entry expires', () => {
    let now = 0;
    const cache = new IsolateCache(1_000, () => now);
    cache.set('a', { body: 'x', etag: '"1"' }, 10);
    now = 9_999;
    expect(cache.get('a')?.body).toBe('x');
    now = 10_000;
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toEqual({ entries: 0, bytes: 0 });
  });

  it('stays within its byte budget by dropping the least recently used entry', () => {
    const cache = new IsolateCache(60);
    cache.set('a', { body: '1234567890', etag: '' }, 60); // (1 + 10) × 2 = 22 bytes
    cache.set('b', { body: '1234567890', etag: '' }, 60);
    cache.get('a'); // b is now the least recently used
    cache.set('c', { body: '1234567890', etag: '' }, 60);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')?.body).toBe('1234567890');
    expect(cache.get('c')?.body).toBe('1234567890');
    expect(cache.size.bytes).toBeLessThanOrEqual(60);
  });

  it('replaces an entry without counting it twice, and refuses one larger than the budget', () => {
    const cache = new IsolateCache(60);
    cache.set('a', { body: '12345', etag: '' }, 60);
    cache.set('a', { body: '123', etag: '' }, 60);
    expect(cache.size).toEqual({ entries: 1, bytes: 8 });
    cache.set('big', { body: 'x'.repeat(100), etag: '' }, 60);
    expect(cache.get('big')).toBeUndefined();
    expect(cache.get('a')?.body).toBe('123');
  });
});
