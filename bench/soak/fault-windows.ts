/**
 * The times a fault may take ticks away, which the soak's loss accounting
 * leaves out: from a second before a fault that interrupts the feed began
 * until every session it affected had recovered (or the recovery bound,
 * if some never did). A window of a group object's restart covers that
 * group's instruments only; the others (Kite cut, silent, the origin
 * killed) cover every instrument.
 */
export type FaultWindow = { from: number; to: number; group?: string };

export class FaultWindows {
  readonly #windows: FaultWindow[] = [];

  add(window: FaultWindow): void {
    this.#windows.push(window);
  }

  /** Whether a moment is inside a window that covers an instrument of `group`. */
  covers(group: string, at: number): boolean {
    return this.#windows.some((w) => covers(w, group) && w.from <= at && at <= w.to);
  }

  /** The longest stretch of [from, to] outside every window covering `group`. */
  longestOutside(group: string, from: number, to: number): { from: number; to: number } {
    const inside = this.#windows
      .filter((w) => covers(w, group) && w.to > from && w.from < to)
      .map((w) => [Math.max(w.from, from), Math.min(w.to, to)] as const)
      .sort((a, b) => a[0] - b[0]);
    let longest = { from, to: from };
    let at = from;
    for (const [start, end] of [...inside, [to, to] as const]) {
      if (start - at > longest.to - longest.from) longest = { from: at, to: start };
      at = Math.max(at, end);
    }
    return longest;
  }
}

const covers = (window: FaultWindow, group: string) => window.group === undefined || window.group === group;
