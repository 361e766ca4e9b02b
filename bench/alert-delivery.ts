import { createServer, type Server } from 'node:http';
import { WebSocket } from 'ws';
import type { Alert, AlertFrame, WebhookPayload } from '../contracts/alerts.ts';
import { startDevStack } from '../dev/dev-stack.ts';

/**
 * Trigger-to-delivery latency on the whole local platform (`npm run dev`):
 * from the moment the origin received the Kite frame of the tick that fired
 * an alert (the trigger's `tick_at`) to the `alert` frame at the owner's
 * WebSocket session, and to the webhook POST at a receiver on 127.0.0.1.
 * The baseline is the same tick's own path in the same run: its `full`
 * frame at the same session, subscribed to the instrument. Every clock is
 * this machine's wall clock.
 *
 * Each round makes two one-shot alerts on NIFTY 50 that hold on any tick
 * (price_above half the price), one to the sessions and one to a webhook,
 * so both fire on the next tick; ROUNDS rounds, one at a time, so each
 * measures one fire. Ratios are of the medians: lower is better.
 */
type Row = { name: string; baseline: string; ratio: number; detail: string };

const ROUNDS = 30;
const NIFTY = 'NSE:NIFTY 50';
const BASELINE = 'the firing tick’s own frame to the same session (ratio of medians)';

export async function benchAlertDelivery(): Promise<Row[]> {
  const stack = await startDevStack();
  const hooks = await receiver();
  try {
    const user = await register(stack.edgeUrl);
    const api = (path: string, init: RequestInit & { json?: unknown } = {}) =>
      fetch(`${stack.edgeUrl}${path}`, {
        ...init,
        ...(init.json === undefined ? {} : { method: init.method ?? 'POST', body: JSON.stringify(init.json) }),
        headers: { Authorization: `Bearer ${user}`, 'Content-Type': 'application/json' },
      });
    if (!(await api('/alerts/webhook-secret', { method: 'POST' })).ok) throw new Error('could not make a webhook secret');
    const session = await openSession(stack.edgeUrl, user);

    const frames: number[] = [];
    const webhooks: number[] = [];
    const ticks: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const price = await until(() => session.lastPrice);
      const condition = { type: 'price_above', price: Math.round(price / 2) };
      const toSessions = (await (await api('/alerts', { json: { instrument: NIFTY, condition } })).json()) as Alert;
      const toHook = (await (
        await api('/alerts', { json: { instrument: NIFTY, condition, channels: { sessions: false, webhook: { url: hooks.url } } } })
      ).json()) as Alert;
      const frame = await until(() => session.alerts.get(toSessions.id));
      const hook = await until(() => hooks.received.get(toHook.id));
      const tickAt = Date.parse(frame.alert.tick_at);
      frames.push(frame.at - tickAt);
      webhooks.push(hook.at - Date.parse(hook.payload.tick_at));
      // The same tick's own frame: the session's tick of this price arriving nearest the alert frame (before or after it).
      const tick = session.ticks
        .filter((t) => t.price === frame.alert.last_price && Math.abs(t.at - frame.at) < 1_000)
        .sort((a, b) => Math.abs(a.at - frame.at) - Math.abs(b.at - frame.at))[0];
      if (tick) ticks.push(tick.at - tickAt);
      for (const id of [toSessions.id, toHook.id]) await api(`/alerts/${id}`, { method: 'DELETE' });
    }
    session.close();
    const tickMedian = median(ticks);
    const row = (name: string, values: number[]): Row => ({
      name,
      baseline: BASELINE,
      ratio: median(values) / tickMedian,
      detail: `median ${median(values).toFixed(1)} ms, p95 ${quantile(values, 0.95).toFixed(1)} ms over ${values.length} fires; the tick's frame: median ${tickMedian.toFixed(1)} ms`,
    });
    return [
      row('Alert trigger to `alert` frame at the owner’s session (full stack)', frames),
      row('Alert trigger to webhook POST at a local receiver (full stack)', webhooks),
    ];
  } finally {
    await stack.stop();
    await new Promise((r) => hooks.server.close(r));
  }
}

async function register(edgeUrl: string): Promise<string> {
  const email = `alert-bench-${Date.now()}@bench.invalid`;
  const password = 'alert bench password';
  const post = (path: string, body: unknown) =>
    fetch(`${edgeUrl}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  await post('/auth/register', { email, password });
  return ((await (await post('/auth/login', { email, password })).json()) as { access_token: string }).access_token;
}

type Session = {
  lastPrice: number | undefined;
  ticks: { price: number; at: number }[];
  alerts: Map<string, { alert: AlertFrame; at: number }>;
  close(): void;
};

/** A /v2/ws session subscribed to NIFTY 50 (full), keeping when each tick and each alert frame arrived. */
function openSession(edgeUrl: string, token: string): Promise<Session> {
  const socket = new WebSocket(`${edgeUrl.replace('http', 'ws')}/v2/ws?access_token=${token}`);
  const session: Session = { lastPrice: undefined, ticks: [], alerts: new Map(), close: () => socket.close() };
  socket.on('message', (data) => {
    const at = Date.now();
    const frame = JSON.parse(String(data)) as { type: 'ticks'; ticks: { last_price: number }[] } | AlertFrame | { type: 'other' };
    if (frame.type === 'ticks') {
      for (const tick of frame.ticks) {
        session.ticks.push({ price: tick.last_price, at });
        session.lastPrice = tick.last_price;
      }
    } else if (frame.type === 'alert') session.alerts.set(frame.alert_id, { alert: frame, at });
  });
  return new Promise((resolve, reject) => {
    socket.once('open', () => {
      socket.send(JSON.stringify({ action: 'subscribe', instruments: [NIFTY], mode: 'full' }));
      resolve(session);
    });
    socket.once('error', reject);
  });
}

/** A webhook receiver on 127.0.0.1 answering 204, keeping when each alert's POST arrived. */
async function receiver(): Promise<{ server: Server; url: string; received: Map<string, { payload: WebhookPayload; at: number }> }> {
  const received = new Map<string, { payload: WebhookPayload; at: number }>();
  const server = createServer((req, res) => {
    const at = Date.now();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const payload = JSON.parse(Buffer.concat(chunks).toString('utf8')) as WebhookPayload;
      received.set(payload.alert_id, { payload, at });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}/alerts`, received };
}

async function until<T>(value: () => T | undefined, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const got = value();
    if (got !== undefined) return got;
    if (Date.now() > deadline) throw new Error(`alert delivery bench: nothing within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function median(values: number[]): number {
  return quantile(values, 0.5);
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}
