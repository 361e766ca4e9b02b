import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from './circuit-breaker.ts';

describe('CircuitBreaker', () => {
  it('lets calls through until a failure, then skips them for the cooldown, then tries again', () => {
    const breaker = new CircuitBreaker(10_000);
    expect(breaker.allow(0)).toBe(true);
    breaker.failure(1_000);
    expect(breaker.allow(1_001)).toBe(false);
    expect(breaker.allow(10_999)).toBe(false);
    expect(breaker.allow(11_000)).toBe(true);
    breaker.failure(11_000);
    expect(breaker.allow(12_000)).toBe(false);
    breaker.success();
    expect(breaker.allow(12_000)).toBe(true);
  });
});
