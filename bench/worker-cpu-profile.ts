import WebSocket from 'ws';

/**
 * A CPU profile of the local worker (every Durable Object of it runs in
 * one isolate under `wrangler dev`) through workerd's DevTools inspector:
 * `Profiler.start`, `ms` of whatever load the caller runs, `Profiler.stop`.
 * The profile is Chrome's format (what `--cpu-prof` writes for Node).
 */
export type CpuProfile = {
  nodes: { id: number; callFrame: { functionName: string; url: string }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
};

export async function workerCpuProfile(inspectorPort: number, ms: number): Promise<CpuProfile> {
  const socket = new WebSocket(`ws://127.0.0.1:${inspectorPort}/ws`);
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  let id = 0;
  const answers = new Map<number, (message: { result?: unknown; error?: { message: string } }) => void>();
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: { message: string } };
    if (message.id !== undefined) answers.get(message.id)?.(message);
  });
  const call = <T>(method: string, params: Record<string, unknown> = {}): Promise<T> =>
    new Promise((resolve, reject) => {
      const sent = ++id;
      const timer = setTimeout(() => reject(new Error(`the worker's inspector did not answer ${method} within 60 s`)), 60_000);
      answers.set(sent, (message) => {
        clearTimeout(timer);
        answers.delete(sent);
        if (message.error) reject(new Error(`${method}: ${message.error.message}`));
        else resolve(message.result as T);
      });
      socket.send(JSON.stringify({ id: sent, method, params }));
    });
  try {
    await call('Profiler.enable');
    await call('Profiler.setSamplingInterval', { interval: 100 });
    await call('Profiler.start');
    await new Promise((resolve) => setTimeout(resolve, ms));
    return (await call<{ profile: CpuProfile }>('Profiler.stop')).profile;
  } finally {
    socket.terminate();
  }
}

/** Samples whose stack holds a frame named `name` (inclusive time), as a count. */
export function samplesUnder(profile: CpuProfile, name: (functionName: string) => boolean): number {
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const under = new Map<number, boolean>();
  const isUnder = (id: number): boolean => {
    const known = under.get(id);
    if (known !== undefined) return known;
    const node = byId.get(id);
    const up = parent.get(id);
    const result = node !== undefined && (name(node.callFrame.functionName) || (up !== undefined && isUnder(up)));
    under.set(id, result);
    return result;
  };
  return profile.samples.filter((id) => isUnder(id)).length;
}
