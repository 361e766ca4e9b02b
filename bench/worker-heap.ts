import WebSocket from 'ws';

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

async function readHeap(inspectorPort: number): Promise<number> {
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
  const call = <T>(method: string): Promise<T> =>
    new Promise((resolve, reject) => {
      const sent = ++id;
      // The inspector is served between the isolate's tasks: a saturated worker (5,000 sessions here) answers late.
      const timer = setTimeout(() => reject(new Error(`the worker's inspector did not answer ${method} within 60 s`)), 60_000);
      answers.set(sent, (message) => {
        clearTimeout(timer);
        answers.delete(sent);
        if (message.error) reject(new Error(`${method}: ${message.error.message}`));
        else resolve(message.result as T);
      });
      socket.send(JSON.stringify({ id: sent, method }));
    });
  try {
    await call('HeapProfiler.collectGarbage');
    await call('HeapProfiler.collectGarbage');
    return (await call<{ usedSize: number }>('Runtime.getHeapUsage')).usedSize;
  } finally {
    socket.terminate();
  }
}
