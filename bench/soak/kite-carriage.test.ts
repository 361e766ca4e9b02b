import { describe, expect, it } from 'vitest';
import { KiteCarriage } from './kite-carriage.ts';

const round = (second: number, connections: number[]) => ({ second, sentAt: second * 1000 + 300, connections });

describe('KiteCarriage', () => {
  it('expects a round of an instrument only when the polls on both sides found it on a connection that sent that round', () => {
    const carriage = new KiteCarriage();
    carriage.record(10_000, [{ id: 1, tokens: [7, 8] }]);
    carriage.record(12_000, [
      { id: 1, tokens: [7] },
      { id: 2, tokens: [8] },
    ]);
    carriage.record(14_000, [
      { id: 1, tokens: [7] },
      { id: 2, tokens: [8] },
    ]);
    expect(carriage.carried(7, round(9, [1]))).toBe(false); // before the first poll
    expect(carriage.carried(7, round(10, [1, 2]))).toBe(true);
    expect(carriage.carried(8, round(10, [1, 2]))).toBe(false); // moved between the polls around it
    expect(carriage.carried(8, round(12, [1, 2]))).toBe(true);
    expect(carriage.carried(8, round(13, [1]))).toBe(false); // its connection sent no frame of that round
    expect(carriage.carried(8, round(15, [2]))).toBe(true); // after the last poll: as it was then
    expect(carriage.carried(9, round(12, [1, 2]))).toBe(false); // never carried
  });
});
