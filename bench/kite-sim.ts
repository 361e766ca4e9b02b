import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { freePort } from '../dev/ports.ts';
import { cpuSeconds } from './proc-usage.ts';

/**
 * What the Kite simulator costs while it streams: CPU of the simulator
 * process (read from /proc, so the receiving clients in this process do not
 * count) while 1 and then 3 connections each hold 3000 full-mode
 * instruments at one tick a second. The budget is 10 % of a core for
 * three full connections; the 3-connection row's ratio is against the
 * 1-connection run of the same script.
 */
type Row = { name: string; baseline: string; ratio: number; detail: string };

const MAIN = fileURLToPath(new URL('../kite-sim/main.ts', import.meta.url));
const WINDOW_MS = 8000;

export async function benchKiteSimulator(): Promise<Row[]> {
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN], { env: { ...process.env, SIM_PORT: String(port) }, stdio: ['ignore', 'pipe', 'inherit'] });
  const accessToken = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d;
      const token = /access_token\s+([0-9a-f]{32})/.exec(out)?.[1];
      if (token && out.includes('faults ')) resolve(token);
    });
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
  });
  try {
    const csv = await (await fetch(`http://127.0.0.1:${port}/instruments/NFO`)).text();
    const tokens = csv
      .split('\n')
      .slice(1)
      .filter((line) => line.includes('NFO-OPT'))
      .map((line) => Number(line.split(',')[0]))
      .slice(0, 9000);
    if (tokens.length < 9000) throw new Error(`need 9000 NFO options, found ${tokens.length}`);

    const one = await measure(port, accessToken, [tokens.slice(0, 3000)], child.pid ?? 0);
    const three = await measure(port, accessToken, [tokens.slice(0, 3000), tokens.slice(3000, 6000), tokens.slice(6000, 9000)], child.pid ?? 0);
    return [
      {
        name: 'simulator, 1 × 3000 full-mode instruments',
        baseline: '10 % of a core (budget)',
        ratio: one.corePercent / 10,
        detail: `${one.ticksPerSecond.toFixed(0)} ticks/s, ${one.corePercent.toFixed(1)} % of a core`,
      },
      {
        name: 'simulator, 3 × 3000 full-mode instruments',
        baseline: '10 % of a core (budget)',
        ratio: three.corePercent / 10,
        detail: `${three.ticksPerSecond.toFixed(0)} ticks/s, ${three.corePercent.toFixed(1)} % of a core (${(three.corePercent / Math.max(one.corePercent, 0.01)).toFixed(2)}× the 1-connection run)`,
      },
    ];
  } finally {
    child.kill('SIGTERM');
  }
}

async function measure(port: number, accessToken: string, sets: number[][], pid: number) {
  const sockets = await Promise.all(
    sets.map(
      (set) =>
        new Promise<{ ws: WebSocket; packets: () => number }>((resolve, reject) => {
          const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?api_key=kitesim&access_token=${accessToken}`);
          let packets = 0;
          ws.on('message', (data: Buffer, isBinary) => {
            if (isBinary && data.length > 2) packets += data.readUInt16BE(0);
          });
          ws.once('open', () => {
            ws.send(JSON.stringify({ a: 'subscribe', v: set }));
            ws.send(JSON.stringify({ a: 'mode', v: ['full', set] }));
            resolve({ ws, packets: () => packets });
          });
          ws.once('error', reject);
        }),
    ),
  );
  await new Promise((r) => setTimeout(r, 2500)); // warm-up
  const cpuBefore = cpuSeconds(pid);
  const packetsBefore = sockets.reduce((n, s) => n + s.packets(), 0);
  await new Promise((r) => setTimeout(r, WINDOW_MS));
  const cpuUsed = cpuSeconds(pid) - cpuBefore;
  const packets = sockets.reduce((n, s) => n + s.packets(), 0) - packetsBefore;
  for (const s of sockets) s.ws.close();
  await new Promise((r) => setTimeout(r, 500));
  return { corePercent: (cpuUsed / (WINDOW_MS / 1000)) * 100, ticksPerSecond: packets / (WINDOW_MS / 1000) };
}
