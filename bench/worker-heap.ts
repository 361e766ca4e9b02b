import { withWorkerInspector } from './worker-inspector.ts';

/**
 * The JavaScript heap of the local worker (every Durable Object of it runs
 * in one isolate under `wrangler dev`), read through workerd's DevTools
 * inspector after two forced collections, so it counts what is live and
 * not garbage waiting for a collection: the figure memory per session is
 * measured with (resident memory also holds the runtime's native buffers,
 * which it does not give back to the system).
 */
export async function workerHeapBytes(inspectorPort: number): Promise<number> {
  // wrangler's inspector proxy sometimes leaves a fresh connection unanswered (seen once at startup): a new one is tried.
  const errors: string[] = [];
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      return await readHeap(inspectorPort);
    } catch (error) {
      errors.push((error as Error).message);
    }
  }
  throw new Error(`three tries: ${errors.join('; ')}`);
}

function readHeap(inspectorPort: number): Promise<number> {
  return withWorkerInspector(inspectorPort, async (call) => {
    await call('HeapProfiler.collectGarbage');
    await call('HeapProfiler.collectGarbage');
    return (await call<{ usedSize: number }>('Runtime.getHeapUsage')).usedSize;
  });
}
