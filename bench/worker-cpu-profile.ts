import { withWorkerInspector } from './worker-inspector.ts';

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

export function workerCpuProfile(inspectorPort: number, ms: number): Promise<CpuProfile> {
  return withWorkerInspector(inspectorPort, async (call) => {
    await call('Profiler.enable');
    await call('Profiler.setSamplingInterval', { interval: 100 });
    await call('Profiler.start');
    await new Promise((resolve) => setTimeout(resolve, ms));
    return (await call<{ profile: CpuProfile }>('Profiler.stop')).profile;
  });
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

/** The functions with the most self time (samples whose top frame they are), as shares of all samples: what to read first. */
export function topSelfTime(profile: CpuProfile, count: number): { name: string; share: number }[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<string, number>();
  for (const id of profile.samples) {
    const frame = byId.get(id)?.callFrame;
    const name = frame ? `${frame.functionName || '(anonymous)'} ${frame.url.split('/').pop() ?? ''}`.trim() : '(unknown)';
    self.set(name, (self.get(name) ?? 0) + 1);
  }
  return [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, samples]) => ({ name, share: samples / Math.max(1, profile.samples.length) }));
}
