/**
 * One part of the local platform that `npm run dev` started and must stop:
 * a child process (redis-server, wrangler) or an in-process server (relay,
 * bridge). `crashed` settles only if the part dies on its own, with a
 * sentence saying how, so the supervisor can stop the rest.
 */
export type Service = {
  name: string;
  /** The process (and process group) it runs as, for a child process; undefined in this process. */
  pid?: number;
  stop(): Promise<void>;
  crashed: Promise<string>;
};

/** A service that lives inside this process and cannot die apart from it. */
export function inProcess(name: string, stop: () => Promise<void>): Service {
  return { name, stop, crashed: new Promise<string>(() => {}) };
}
