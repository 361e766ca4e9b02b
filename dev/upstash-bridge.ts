import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { zodProblem } from '../contracts/zod-problem.ts';
import { type Listening, listen } from './listening.ts';

/**
 * A local stand-in for Upstash: Upstash's REST protocol in front of a real
 * redis-server, so the worker's `@upstash/redis` client runs unchanged in
 * development and tests.
 *
 * Protocol (as the client uses it):
 * - `POST /` with a JSON command array, or `GET|POST /cmd/arg/...` (a POST
 *   body is the last argument): `{"result": …}`, or 400 `{"error": "…"}`.
 * - `POST /pipeline`: an array of commands, answered `[{result}|{error}, …]`.
 * - `POST /multi-exec`: the same, atomically (MULTI … EXEC); a command that
 *   Redis refuses while queueing aborts the whole transaction with a 400.
 * - `Authorization: Bearer <token>` (or `?_token=`); anything else is a 401.
 * - `Upstash-Encoding: base64`: strings in results come base64-encoded, all
 *   but the status reply "OK", which is how the client decodes them.
 * - Scripts may carry shebang flags only Upstash knows (ScriptFlags below).
 */
export type UpstashBridgeOptions = {
  /** Port to listen on (127.0.0.1); 0 picks a free one. */
  port: number;
  token: string;
  /** redis://host:port of the redis-server behind the bridge. */
  redisUrl: string;
  log?: (line: string) => void;
};

export type UpstashBridge = Listening & { url: string };

const Argument = z.union([z.string(), z.number(), z.boolean()]);
const Command = z.array(Argument).min(1, 'a command needs at least its name');
const Commands = z.array(Command).min(1, 'a pipeline needs at least one command');

/**
 * Commands that would change the shared connection's state for everyone
 * (SELECT, a bare MULTI), or hold it (blocking pops, SUBSCRIBE), cannot go
 * through one shared connection; they are refused with a message that says so.
 */
const UNSUPPORTED = new Set([
  'select',
  'multi',
  'exec',
  'discard',
  'watch',
  'unwatch',
  'quit',
  'reset',
  'hello',
  'subscribe',
  'psubscribe',
  'ssubscribe',
  'unsubscribe',
  'punsubscribe',
  'sunsubscribe',
  'monitor',
  'blpop',
  'brpop',
  'brpoplpush',
  'blmove',
  'blmpop',
  'bzpopmin',
  'bzpopmax',
  'bzmpop',
  'wait',
  'waitaof',
  'client',
  'debug',
  'shutdown',
  'replicaof',
  'slaveof',
  'sync',
  'psync',
]);

class BridgeError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export async function startUpstashBridge(options: UpstashBridgeOptions): Promise<UpstashBridge> {
  const log = options.log ?? (() => {});
  const redis = new Redis(options.redisUrl, {
    // Fail fast while Redis is down, so callers see an error at once instead of a queue.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 1000,
    retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
    lazyConnect: false,
  });
  let lastState = 'connecting';
  redis.on('ready', () => {
    if (lastState !== 'ready') log(`connected to Redis at ${options.redisUrl}`);
    lastState = 'ready';
  });
  redis.on('error', (error: Error) => {
    // ioredis emits on every reconnect attempt; say it once per outage.
    if (lastState !== 'down') log(`Redis at ${options.redisUrl} is unreachable: ${error.message}`);
    lastState = 'down';
  });
  const expected = Buffer.from(options.token);
  const scripts = new ScriptFlags();

  const listening = await listen(options.port, (server) => {
    server.on('request', (req, res) => {
      handle(req, res).catch((error: unknown) => {
        const status = error instanceof BridgeError ? error.status : 500;
        const message = error instanceof Error ? error.message : String(error);
        if (status === 500) log(`bridge fault: ${message}`);
        send(res, status, { error: message });
      });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://bridge');
    if (!authorized(req, url)) {
      send(res, 401, { error: 'Unauthorized' });
      return;
    }
    if (req.method !== 'POST' && req.method !== 'GET') {
      throw new BridgeError(405, `ERR method ${req.method} is not allowed: use POST (or GET for path commands)`);
    }
    const base64 = String(req.headers['upstash-encoding'] ?? '').toLowerCase() === 'base64';
    const encode = (reply: unknown) => toJson(reply, base64);
    const body = await readBody(req);
    const path = url.pathname.replace(/\/+$/, '');

    if (path === '/pipeline' || path === '/multi-exec') {
      const commands = parse(Commands, body, path.slice(1)).map((command) => scripts.rewrite(command));
      commands.forEach(refuseUnsupported);
      const batch = path === '/pipeline' ? redis.pipeline() : redis.multi();
      for (const [name, ...args] of commands) batch.callBuffer(String(name), ...args.map(String));
      const replies = await execute(async () => {
        const done = await batch.exec();
        // A command's own refusal stays its entry's error; the connection failing under the batch fails the whole batch.
        const lost = (done ?? []).find(([error]) => error && error.name !== 'ReplyError')?.[0];
        if (lost) throw lost;
        return done;
      });
      // exec() resolves null only when a WATCHed key changed, which cannot happen here.
      send(
        res,
        200,
        (replies ?? []).map(([error, reply]) => (error ? { error: error.message } : { result: encode(reply) })),
      );
      return;
    }

    const command = scripts.rewrite(
      path === '' ? parse(Command, body, 'command') : [...path.slice(1).split('/').map(decodeURIComponent), ...(body.length ? [body] : [])],
    );
    refuseUnsupported(command);
    const [name, ...args] = command;
    const reply = await execute(() => redis.callBuffer(String(name), ...args.map(String)));
    send(res, 200, { result: encode(reply) });
  }

  function authorized(req: IncomingMessage, url: URL): boolean {
    const header = req.headers.authorization ?? '';
    const given = Buffer.from(header.startsWith('Bearer ') ? header.slice(7) : (url.searchParams.get('_token') ?? ''));
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  async function execute<T>(run: () => Promise<T>): Promise<T> {
    if (!(await ready(1000))) {
      throw new BridgeError(503, `ERR Redis at ${options.redisUrl} is unavailable (${redis.status})`);
    }
    try {
      return await run();
    } catch (error) {
      // Redis's own refusals (wrong type, syntax, EXECABORT) are the caller's to fix.
      if ((error as Error).name === 'ReplyError') throw new BridgeError(400, (error as Error).message);
      // Anything else is the connection failing under the command (it closed after the ready check, say).
      throw new BridgeError(503, `ERR Redis at ${options.redisUrl} is unavailable: ${(error as Error).message}`);
    }
  }

  /** Waits up to `ms` for the connection, so a request during a (re)connect is not failed needlessly. */
  function ready(ms: number): Promise<boolean> {
    if (redis.status === 'ready') return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        redis.off('ready', onReady);
        resolve(false);
      }, ms);
      const onReady = () => {
        clearTimeout(timer);
        resolve(true);
      };
      redis.once('ready', onReady);
    });
  }

  return {
    port: listening.port,
    url: `http://127.0.0.1:${listening.port}`,
    async close() {
      await listening.close();
      redis.disconnect();
    },
  };
}

type Command = z.infer<typeof Command>;

/**
 * Upstash accepts script flags that Redis does not: `@upstash/ratelimit`'s
 * scripts open with `#!lua flags=allow-key-locking`, which Redis 7 refuses
 * ("Unexpected flag in script shebang"). The bridge drops flags Redis does
 * not know before a script reaches it, and remembers which SHA1 the client
 * computed for the script it sent, so the client's EVALSHA finds the
 * rewritten script (after a Redis restart EVALSHA answers NOSCRIPT and the
 * client falls back to EVAL, as it would against Upstash).
 */
const REDIS_SCRIPT_FLAGS = new Set(['no-writes', 'allow-oom', 'allow-stale', 'no-cluster', 'allow-cross-slot-keys']);

class ScriptFlags {
  /** SHA1 of the script as the client sent it → SHA1 of the script Redis holds. */
  readonly #shas = new Map<string, string>();

  rewrite(command: Command): Command {
    const name = String(command[0]).toLowerCase();
    const isScriptLoad = name === 'script' && String(command[1]).toLowerCase() === 'load';
    if (name === 'eval' || name === 'eval_ro' || isScriptLoad) {
      const at = isScriptLoad ? 2 : 1;
      const script = String(command[at] ?? '');
      const redisScript = withRedisFlags(script);
      if (redisScript === script) return command;
      this.#shas.set(sha1(script), sha1(redisScript));
      return command.map((arg, i) => (i === at ? redisScript : arg));
    }
    if (name === 'evalsha' || name === 'evalsha_ro') {
      const known = this.#shas.get(String(command[1]).toLowerCase());
      return known ? command.map((arg, i) => (i === 1 ? known : arg)) : command;
    }
    return command;
  }
}

function withRedisFlags(script: string): string {
  const match = script.match(/^#!(\S+)([^\n]*)/);
  if (!match) return script;
  const [line, engine, rest = ''] = match;
  const kept = rest.replace(/\bflags=(\S*)/, (_all, flags: string) => {
    const known = flags.split(',').filter((flag) => REDIS_SCRIPT_FLAGS.has(flag));
    return `flags=${known.join(',')}`;
  });
  return `#!${engine}${kept}${script.slice(line.length)}`;
}

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');

function parse<T>(schema: z.ZodType<T>, body: string, what: string): T {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new BridgeError(400, `ERR ${what}: body is not valid JSON`);
  }
  const result = schema.safeParse(json);
  if (!result.success) {
    const problem = zodProblem(result.error);
    throw new BridgeError(
      400,
      `ERR ${what}: ${problem?.path.length ? `at ${problem.path.join('.')}: ` : ''}${problem?.message ?? 'invalid'}; expected a JSON array like ["SET","key","value"]`,
    );
  }
  return result.data;
}

function refuseUnsupported(command: readonly unknown[]): void {
  const name = String(command[0]).toLowerCase();
  if (UNSUPPORTED.has(name)) {
    throw new BridgeError(400, `ERR command '${name}' is not supported by the REST API${name === 'multi' || name === 'exec' ? ': use /multi-exec' : ''}`);
  }
}

const MAX_BODY_BYTES = 16 * 1024 * 1024;

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new BridgeError(413, `ERR request body larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Redis reply (Buffers, numbers, arrays, nil) → the JSON Upstash would send. */
function toJson(reply: unknown, base64: boolean): unknown {
  if (Buffer.isBuffer(reply)) {
    if (!base64) return reply.toString('utf8');
    return reply.length === 2 && reply.toString() === 'OK' ? 'OK' : reply.toString('base64');
  }
  if (Array.isArray(reply)) return reply.map((item) => toJson(item, base64));
  if (reply instanceof Error) return reply.message;
  // ioredis turns HGETALL's flat array into an object even for callBuffer; Upstash sends the array.
  if (reply !== null && typeof reply === 'object') {
    return Object.entries(reply).flatMap(([field, value]) => [toJson(Buffer.from(field), base64), toJson(value, base64)]);
  }
  if (reply === undefined) return null;
  return reply;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}
