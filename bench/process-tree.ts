import { execFileSync } from 'node:child_process';

/**
 * The processes under a process (the platform `npm run dev` starts: its
 * services run in process groups of their own, so a process group would
 * miss them), read from `ps` at the moment of the call.
 */
export type ProcessEntry = { pid: number; args: string };

export function descendants(root: number): ProcessEntry[] {
  const all = execFileSync('ps', ['-eo', 'pid=,ppid=,args='])
    .toString()
    .trim()
    .split('\n')
    .map((line) => {
      const [pid = '', ppid = '', ...args] = line.trim().split(/\s+/);
      return { pid: Number(pid), ppid: Number(ppid), args: args.join(' ') };
    });
  const found: ProcessEntry[] = [];
  const walk = (parent: number) => {
    for (const p of all.filter((q) => q.ppid === parent)) {
      found.push({ pid: p.pid, args: p.args });
      walk(p.pid);
    }
  };
  walk(root);
  return found;
}

/** The pid of the process under `root` whose command line contains `args`. */
export function descendant(root: number, args: string): number {
  const pid = descendants(root).find((p) => p.args.includes(args))?.pid;
  if (!pid) throw new Error(`no process running ${args} under ${root}`);
  return pid;
}
