import { readdirSync, readFileSync } from 'node:fs';
import type { Service } from './service.ts';

/**
 * A part of the local platform (Postgres, Redis, the origin) that can be
 * stopped, started again, hung and let go while the rest runs: what a fault
 * test or an operator rehearsing an outage needs (`POST /parts/…` on the
 * platform's control port, control-server.ts). A part that dies on its own
 * is handed to `onCrash` (the platform stops, or restarts the origin); one
 * stopped, killed or paused on purpose is not a crash. `kill` is `kill -9`:
 * nothing of the part runs its shutdown (an origin gives up no lease), and it
 * stays stopped until `start`.
 */
export const PART_ACTIONS = ['stop', 'start', 'kill', 'pause', 'resume'] as const;
export type PartAction = (typeof PART_ACTIONS)[number];
export type PartState = 'running' | 'stopped' | 'paused' | 'starting' | 'stopping';

export type PartStatus = { name: string; state: PartState; pid: number | null };

export class PartConflict extends Error {}

export class ControlledPart implements Service {
  readonly name: string;
  /** Never settles: a crash of the current process goes to onCrash, which decides. */
  readonly crashed = new Promise<string>(() => {});
  #current: Service | undefined;
  #state: PartState = 'running';
  readonly #startPart: () => Promise<Service>;
  readonly #onCrash: (how: string) => void;

  constructor(first: Service, startPart: () => Promise<Service>, onCrash: (how: string) => void) {
    this.name = first.name;
    this.#startPart = startPart;
    this.#onCrash = onCrash;
    this.#watch(first);
  }

  get status(): PartStatus {
    return { name: this.name, state: this.#state, pid: this.#current?.pid ?? null };
  }

  get pid(): number | undefined {
    return this.#current?.pid;
  }

  async apply(action: PartAction): Promise<PartStatus> {
    if (action === 'stop') await this.stop();
    else if (action === 'start') await this.start();
    else if (action === 'kill') await this.kill();
    else this.#signal(action);
    return this.status;
  }

  /** SIGKILL to every process of the part, as a crash would end it, but on purpose: it is not restarted. */
  async kill(): Promise<void> {
    const current = this.#current;
    if (!current || (this.#state !== 'running' && this.#state !== 'paused'))
      throw new PartConflict(`${this.name} is ${this.#state}: only a running or paused part can be killed`);
    if (current.pid === undefined) throw new PartConflict(`${this.name} runs inside the platform's own process and cannot be killed`);
    this.#state = 'stopping';
    this.#current = undefined;
    signalTree(current, 'SIGKILL');
    await current.stop();
    this.#state = 'stopped';
  }

  /** Stops the part on purpose (a paused one is let go first, or it could not act on the signal to stop). */
  async stop(): Promise<void> {
    const current = this.#current;
    if (!current) return;
    if (this.#state === 'paused') signalTree(current, 'SIGCONT');
    this.#state = 'stopping';
    this.#current = undefined;
    await current.stop();
    this.#state = 'stopped';
  }

  /** Starts a stopped part again: the same port, the same data. */
  async start(): Promise<void> {
    if (this.#state !== 'stopped') throw new PartConflict(`${this.name} is ${this.#state}: only a stopped part can be started`);
    this.#state = 'starting';
    try {
      this.#watch(await this.#startPart());
    } catch (error) {
      this.#state = 'stopped';
      throw error;
    }
  }

  /** `pause` hangs the part (SIGSTOP to each of its processes: its sockets stay open and nothing answers); `resume` lets it go. */
  #signal(action: 'pause' | 'resume'): void {
    const current = this.#current;
    const from = action === 'pause' ? 'running' : 'paused';
    if (!current || this.#state !== from) throw new PartConflict(`${this.name} is ${this.#state}: only a ${from} part can be ${action}d`);
    if (current.pid === undefined) throw new PartConflict(`${this.name} runs inside the platform's own process and cannot be ${action}d`);
    signalTree(current, action === 'pause' ? 'SIGSTOP' : 'SIGCONT');
    this.#state = action === 'pause' ? 'paused' : 'running';
  }

  #watch(service: Service): void {
    this.#current = service;
    this.#state = 'running';
    void service.crashed.then((how) => {
      if (this.#current !== service) return;
      this.#current = undefined;
      this.#state = 'stopped';
      this.#onCrash(how);
    });
  }
}

/**
 * Signals the part's process and every process below it. Its process group
 * is not enough: Postgres puts each backend in a session of its own, and a
 * hung database whose open connections still answer is not hung.
 */
function signalTree(service: Service, signal: NodeJS.Signals): void {
  if (service.pid === undefined) return;
  for (const pid of [service.pid, ...descendantsOf(service.pid)]) {
    try {
      process.kill(pid, signal);
    } catch {
      // ESRCH: gone meanwhile; a crash of the part itself is on its way to onCrash.
    }
  }
}

/** Every process below `root`, from /proc (the local platform runs on Linux). */
function descendantsOf(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // pid (comm) state ppid …: the command may hold spaces and parentheses, so read after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift() as number) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}
