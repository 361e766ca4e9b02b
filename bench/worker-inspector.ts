import WebSocket from 'ws';

/**
 * A DevTools session with the local worker through workerd's inspector
 * (`wrangler dev --inspector-port`): `call` sends one protocol method and
 * resolves with its result. What the benches read of the worker (its heap,
 * its CPU profile) goes through here; the session closes after `work`.
 */
export type InspectorCall = <T>(method: string, params?: Record<string, unknown>) => Promise<T>;

export async function withWorkerInspector<T>(inspectorPort: number, work: (call: InspectorCall) => Promise<T>): Promise<T> {
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
  const call: InspectorCall = <R>(method: string, params: Record<string, unknown> = {}) =>
    new Promise<R>((resolve, reject) => {
      const sent = ++id;
      // The inspector is served between the isolate's tasks: a saturated worker (5,000 sessions here) answers late.
      const timer = setTimeout(() => reject(new Error(`the worker's inspector did not answer ${method} within 60 s`)), 60_000);
      answers.set(sent, (message) => {
        clearTimeout(timer);
        answers.delete(sent);
        if (message.error) reject(new Error(`${method}: ${message.error.message}`));
        else resolve(message.result as R);
      });
      socket.send(JSON.stringify({ id: sent, method, params }));
    });
  try {
    return await work(call);
  } finally {
    socket.terminate();
  }
}
