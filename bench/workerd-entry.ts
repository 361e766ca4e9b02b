import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { descendants } from './process-tree.ts';

/**
 * The local worker's own socket, past `wrangler dev`'s proxy. Wrangler runs
 * two workerd processes: a proxy on the port it was given, and the worker
 * itself (the one with an inspector) on a port of its own choosing, which
 * every request goes on to. At 5,000 sessions the proxy answered 503, and
 * every frame to a client passed through it (its CPU counted as the
 * worker's): the fan-out bench drives the worker's own socket instead,
 * found here as the listening TCP port of that process that answers
 * `GET /health`. Linux only (/proc).
 */
export type WorkerdProcesses = { worker: number; proxies: number[] };

/** The worker's workerd and wrangler's proxy workerd(s) under `root`. */
export function workerdProcesses(root: number): WorkerdProcesses {
  const all = descendants(root).filter((p) => /\bworkerd\b/.test(p.args) && /\bserve\b/.test(p.args));
  const worker = all.find((p) => p.args.includes('--inspector-addr'));
  if (!worker) throw new Error(`no workerd with an inspector under ${root}`);
  return { worker: worker.pid, proxies: all.filter((p) => p !== worker).map((p) => p.pid) };
}

/** `http://127.0.0.1:<port>` of the worker's own entry socket. */
export async function workerdEntryUrl(root: number): Promise<string> {
  const { worker } = workerdProcesses(root);
  for (const port of listeningPorts(worker)) {
    const url = `http://127.0.0.1:${port}`;
    const answer = await fetch(`${url}/health`, { signal: AbortSignal.timeout(30_000) }).catch(() => undefined);
    if (answer?.ok && (answer.headers.get('content-type') ?? '').includes('json')) return url;
  }
  throw new Error(`no listening port of workerd ${worker} answers /health`);
}

/** The IPv4 TCP ports a process listens on: its sockets' inodes (/proc/PID/fd) in /proc/net/tcp's LISTEN rows. */
function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    const socket = /^socket:\[(\d+)\]$/.exec(safeReadlink(`/proc/${pid}/fd/${fd}`));
    if (socket?.[1]) inodes.add(socket[1]);
  }
  const ports: number[] = [];
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    // fields: sl, local address:port (hex), remote, state (0A: LISTEN), …, inode (10th)
    if (fields[3] === '0A' && inodes.has(fields[9] ?? '')) ports.push(Number.parseInt(fields[1]?.split(':')[1] ?? '', 16));
  }
  return ports;
}

function safeReadlink(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return ''; // closed since it was listed
  }
}
