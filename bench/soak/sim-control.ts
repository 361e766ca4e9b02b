import type { KiteConnection } from './kite-carriage.ts';

/**
 * The Kite simulator's operator endpoints (docs/kite-simulator.md, "Fault
 * controls"): its faults, and its send log (SIM_SEND_TIMES=1) whose rounds
 * the soak's loss accounting counts (round-log.ts, kite-carriage.ts).
 */
export type SimFault = 'drop-connections' | 'silence' | 'malformed-frame' | 'reset';

export class SimControl {
  readonly #restRoot: string;
  readonly #adminToken: string;

  constructor(restRoot: string, adminToken: string) {
    this.#restRoot = restRoot;
    this.#adminToken = adminToken;
  }

  async fault(action: SimFault): Promise<void> {
    const response = await fetch(`${this.#restRoot}/_sim/faults/${action}`, { method: 'POST', headers: this.#auth() });
    if (!response.ok) throw new Error(`the simulator refused ${action}: HTTP ${response.status} ${await response.text()}`);
  }

  /** The send log's frames, [connection, second, sent_at_ms], oldest first, and the instruments each open connection carries. */
  async sendTimes(): Promise<{ frames: [number, number, number][]; connections: KiteConnection[] }> {
    const response = await fetch(`${this.#restRoot}/_sim/send-times`, { headers: this.#auth() });
    if (!response.ok) throw new Error(`the simulator's send log: HTTP ${response.status} ${await response.text()}`);
    return ((await response.json()) as { data: { frames: [number, number, number][]; connections: KiteConnection[] } }).data;
  }

  #auth(): Record<string, string> {
    return { Authorization: `Bearer ${this.#adminToken}` };
  }
}
