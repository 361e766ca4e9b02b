/**
 * End-to-end latency of the fan-out bench, simulator send to client
 * receipt. A tick carries its round's second (`exchange_timestamp`); the
 * simulator, run with SIM_SEND_TIMES=1, logs when each connection's frame
 * of each round left it, and which tokens each connection carries
 * (kite-sim/send-log.ts). So a tick's send time is that of
 * the frame of (the connection carrying its token, its second), and its
 * latency is the receipt time minus that: both read from the same wall
 * clock (Date.now(), to the millisecond), in processes on one machine.
 */
export type SendTimes = { frames: [number, number, number][]; connections: { id: number; api_key: string; tokens: number[] }[] };

export async function fetchSendTimes(simRestRoot: string, adminToken = 'kitesim-admin'): Promise<SendTimes> {
  const response = await fetch(`${simRestRoot}/_sim/send-times`, { headers: { Authorization: `Bearer ${adminToken}` } });
  if (!response.ok) throw new Error(`the simulator's send times: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { data: SendTimes }).data;
}

/**
 * Latencies in ms of `samples` (flattened token, second, receipt-ms
 * triples) delivered from the Kite connections of `apiKey`. Ticks whose
 * frame cannot be told apart (two rounds of one connection in one second,
 * or a token the key's connections no longer carry) are left out.
 */
export function latencies(samples: number[], sendTimes: SendTimes, apiKey: string): { ms: Float64Array; unmatched: number } {
  const connectionOf = new Map<number, number>();
  for (const c of sendTimes.connections) if (c.api_key === apiKey) for (const token of c.tokens) connectionOf.set(token, c.id);
  const sentAt = new Map<string, number>();
  const ambiguous = new Set<string>();
  for (const [connection, second, at] of sendTimes.frames) {
    const key = `${connection}:${second}`;
    if (sentAt.has(key)) ambiguous.add(key);
    sentAt.set(key, at);
  }
  const ms: number[] = [];
  let unmatched = 0;
  for (let i = 0; i < samples.length; i += 3) {
    const key = `${connectionOf.get(samples[i] as number)}:${samples[i + 1]}`;
    const sent = sentAt.get(key);
    if (sent === undefined || ambiguous.has(key)) unmatched++;
    else ms.push((samples[i + 2] as number) - sent);
  }
  return { ms: Float64Array.from(ms).sort(), unmatched };
}

/** The q-quantile (0..1) of sorted values. */
export function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}
