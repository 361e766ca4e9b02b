import { describe, expect, it } from 'vitest';
import { FaultWindows } from './fault-windows.ts';

describe('FaultWindows', () => {
  const windows = new FaultWindows();
  windows.add({ from: 10, to: 20 }); // Kite cut: every instrument
  windows.add({ from: 30, to: 40, group: 'index:NSE' });

  it('covers every group with a Kite-wide window, and only its own group with a group restart’s', () => {
    expect(windows.covers('cash:NSE:01', 15)).toBe(true);
    expect(windows.covers('cash:NSE:01', 35)).toBe(false);
    expect(windows.covers('index:NSE', 35)).toBe(true);
    expect(windows.covers('index:NSE', 25)).toBe(false);
  });

  it('finds the longest stretch of an interval outside the windows of its group', () => {
    expect(windows.longestOutside('cash:NSE:01', 0, 50)).toEqual({ from: 20, to: 50 });
    expect(windows.longestOutside('index:NSE', 0, 50)).toEqual({ from: 0, to: 10 });
    expect(windows.longestOutside('index:NSE', 12, 45)).toEqual({ from: 20, to: 30 });
    expect(windows.longestOutside('index:NSE', 11, 19)).toEqual({ from: 11, to: 11 });
  });
});
