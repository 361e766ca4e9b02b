import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ratelimit } from '@upstash/ratelimit';
import { Redis } from '@upstash/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './ports.ts';
import { findRedisServer, startRedisServer } from './redis-server.ts';
import type { Service } from './service.ts';
import { startUpstashBridge, type UpstashBridge } from './upstash-bridge.ts';

const TOKEN = 'bridge-test-token';
let redisServer: Service & { url: string };
let redisPort: number;
let bridge: UpstashBridge;
let dir: string;

/** The real @upstash/redis client, as the worker builds it, against our bridge. */
function client(token = TOKEN, options: { responseEncoding?: false } = {}): Redis {
  return new Redis({ url: bridge.url, token, retry: false, enableTelemetry: false, ...options });
}

/** A raw REST call, for what the client cannot express (bad bodies, unknown paths). */
async function rest(path: string, body: unknown, token = TOKEN): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${bridge.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

async function startRedis(): Promise<void> {
  const binary = findRedisServer();
  if (!binary) throw new Error('redis-server is needed for this test (apt-get install redis-server)');
  redisServer = await startRedisServer({ binary, port: redisPort, dir });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bridge-test-'));
  redisPort = await freePort();
  await startRedis();
  bridge = await startUpstashBridge({ port: 0, token: TOKEN, redisUrl: redisServer.url });
});

afterAll(async () => {
  await bridge?.close();
  await redisServer?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('Upstash REST bridge with the real @upstash/redis client', () => {
  it('stores and reads strings, including unicode and JSON values', async () => {
    const redis = client();
    expect(await redis.set('greeting', 'नमस्ते, Kite ✓')).toBe('OK');
    expect(await redis.get('greeting')).toBe('नमस्ते, Kite ✓');
    await redis.set('quote', { ltp: 2450.5, token: 738561 });
    expect(await redis.get('quote')).toEqual({ ltp: 2450.5, token: 738561 });
    expect(await redis.incrby('counter', 5)).toBe(5);
    expect(await redis.append('greeting', '!')).toBeGreaterThan(10);
    expect(await redis.get('missing-key')).toBeNull();
    expect(await redis.mget('counter', 'missing-key')).toEqual([5, null]);
  });

  it('answers the same values without base64 response encoding', async () => {
    const redis = client(TOKEN, { responseEncoding: false });
    await redis.set('plain', 'value with spaces');
    expect(await redis.get('plain')).toBe('value with spaces');
  });

  it('handles hashes', async () => {
    const redis = client();
    expect(await redis.hset('instrument:738561', { tradingsymbol: 'RELIANCE', exchange: 'NSE', lot_size: 1 })).toBe(3);
    expect(await redis.hget('instrument:738561', 'tradingsymbol')).toBe('RELIANCE');
    expect(await redis.hincrby('instrument:738561', 'lot_size', 249)).toBe(250);
    expect(await redis.hgetall('instrument:738561')).toEqual({ tradingsymbol: 'RELIANCE', exchange: 'NSE', lot_size: 250 });
    expect(await redis.hdel('instrument:738561', 'exchange')).toBe(1);
    expect(await redis.hkeys('instrument:738561')).toEqual(['tradingsymbol', 'lot_size']);
  });

  it('expires keys', async () => {
    const redis = client();
    await redis.set('short-lived', 'x', { px: 150 });
    expect(await redis.pttl('short-lived')).toBeGreaterThan(0);
    await redis.set('long-lived', 'y', { ex: 60 });
    expect(await redis.ttl('long-lived')).toBeGreaterThan(55);
    expect(await redis.expire('long-lived', 1)).toBe(1);
    await new Promise((r) => setTimeout(r, 250));
    expect(await redis.get('short-lived')).toBeNull();
    expect(await redis.exists('long-lived')).toBe(1);
  });

  it('runs pipelines, reporting a failing command without losing the others', async () => {
    const redis = client();
    await redis.set('a-string', 'text');
    const pipeline = redis.pipeline();
    pipeline.set('p1', 'one').incr('p-count').hincrby('a-string', 'field', 1).get('p1');
    const results = await pipeline.exec({ keepErrors: true });
    expect(results.map((r) => r.result)).toEqual(['OK', 1, undefined, 'one']);
    expect(results[2]?.error).toMatch(/^WRONGTYPE/);
    await expect(redis.pipeline().get('p1').hincrby('a-string', 'f', 1).exec()).rejects.toThrow(/Command 2 \[ hincrby \] failed: WRONGTYPE/);
  });

  it('runs transactions atomically, and applies nothing when one command is refused while queueing', async () => {
    const redis = client();
    const results = await redis.multi().set('tx-a', '1').incr('tx-a').get('tx-a').exec();
    expect(results).toEqual(['OK', 2, 2]);

    const refused = await rest('/multi-exec', [
      ['SET', 'tx-b', 'should-not-exist'],
      ['NOSUCHCOMMAND', 'x'],
    ]);
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({ error: expect.stringMatching(/EXECABORT/) });
    expect(await redis.exists('tx-b')).toBe(0);
  });

  it('refuses a bad token with 401, through the client and over plain HTTP', async () => {
    await expect(client('wrong-token').get('greeting')).rejects.toThrow(/Unauthorized/);
    expect(await rest('/', ['GET', 'greeting'], 'wrong-token')).toEqual({ status: 401, body: { error: 'Unauthorized' } });
    const noHeader = await fetch(bridge.url, { method: 'POST', body: '["PING"]' });
    expect(noHeader.status).toBe(401);
  });

  it('answers malformed requests with 400 and a message that says what is wrong', async () => {
    expect(await rest('/', 'not json')).toEqual({ status: 400, body: { error: 'ERR command: body is not valid JSON' } });
    expect(await rest('/', [])).toEqual({ status: 400, body: { error: expect.stringContaining('at least its name') } });
    expect(await rest('/', [['nested']])).toEqual({ status: 400, body: { error: expect.stringContaining('at 0') } });
    expect(await rest('/pipeline', ['GET', 'x'])).toEqual({ status: 400, body: { error: expect.stringContaining('pipeline') } });
    expect(await rest('/', ['SUBSCRIBE', 'ticks'])).toEqual({ status: 400, body: { error: expect.stringContaining("'subscribe' is not supported") } });
    expect(await rest('/', ['MULTI'])).toEqual({ status: 400, body: { error: expect.stringContaining('use /multi-exec') } });
    expect(await rest('/', ['NOSUCHCOMMAND'])).toEqual({ status: 400, body: { error: expect.stringMatching(/unknown command/) } });
  });

  it('accepts commands in the path form', async () => {
    const set = await fetch(`${bridge.url}/set/path-key/${encodeURIComponent('a b/c')}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(await set.json()).toEqual({ result: 'OK' });
    const get = await fetch(`${bridge.url}/get/path-key`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(await get.json()).toEqual({ result: 'a b/c' });
  });

  it('runs scripts with flags only Upstash knows, by EVAL and then by the client’s own SHA1', async () => {
    const redis = client();
    const script = '#!lua flags=allow-key-locking,no-cluster\nreturn redis.call("INCRBY", KEYS[1], ARGV[1])';
    expect(await redis.eval(script, ['script-counter'], ['2'])).toBe(2);
    const sha = createHash('sha1').update(script).digest('hex');
    expect(await redis.evalsha(sha, ['script-counter'], ['3'])).toBe(5);
    await expect(redis.evalsha('0'.repeat(40), [], [])).rejects.toThrow(/NOSCRIPT/);
  });

  it('carries @upstash/ratelimit, whose scripts Redis alone would refuse', async () => {
    const limiter = new Ratelimit({ redis: client(), limiter: Ratelimit.slidingWindow(2, '60 s'), prefix: 'bridge-test', ephemeralCache: false });
    const verdicts = [];
    for (let i = 0; i < 3; i++) verdicts.push(await limiter.limit('someone'));
    expect(verdicts.map((v) => v.success)).toEqual([true, true, false]);
    expect(verdicts[2]?.reset).toBeGreaterThan(Date.now());
    expect((await limiter.limit('someone-else')).success).toBe(true);
  });

  it('answers 503 while Redis is down, and recovers by itself when it is back', async () => {
    // The pipeline goes at once, while the bridge may still think the connection ready: its commands then fail under it
    // ("Stream isn't writeable"), which is Redis unavailable too, not an error of each command.
    const stopping = redisServer.stop();
    const pipelines = [];
    for (let i = 0; i < 5; i++) pipelines.push(await rest('/pipeline', [['PING'], ['GET', 'k']]));
    await stopping;
    for (const pipeline of pipelines) {
      if (pipeline.status === 200) expect(pipeline.body).toEqual([{ result: 'PONG' }, { result: null }]);
      else expect(pipeline).toEqual({ status: 503, body: { error: expect.stringContaining('unavailable') } });
    }
    const down = await rest('/', ['PING']);
    expect(down.status).toBe(503);
    expect(down.body).toEqual({ error: expect.stringContaining('unavailable') });
    expect(await rest('/pipeline', [['PING']])).toEqual({ status: 503, body: { error: expect.stringContaining('unavailable') } });

    await startRedis();
    const until = Date.now() + 10_000;
    let answer = down;
    while (Date.now() < until && answer.status !== 200) {
      await new Promise((r) => setTimeout(r, 100));
      answer = await rest('/', ['PING']);
    }
    expect(answer).toEqual({ status: 200, body: { result: 'PONG' } });
  });
});
