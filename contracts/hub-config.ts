import { z } from 'zod';
import { DEFAULT_LIMITS } from './client-protocol.ts';
import { emptyToUndefined, parseEnv, wholeNumber } from './config-error.ts';

/**
 * The fan-out tier's settings (README, "Configuration"): how many hubs the
 * sessions are spread over and the limits each session lives under. Read
 * by the worker (to pick a hub) and by every hub, from the same env.
 */
const HubEnvSchema = z.object({
  HUB_SHARDS: wholeNumber(1, 1024, 8, 'hubs'),
  WS_MAX_INSTRUMENTS: wholeNumber(1, 20_000, DEFAULT_LIMITS.instruments, 'instruments'),
  WS_SESSIONS_PER_KEY: wholeNumber(1, 10_000, DEFAULT_LIMITS.sessions_per_key, 'sessions'),
  WS_MESSAGES_PER_SECOND: wholeNumber(1, 1_000, DEFAULT_LIMITS.messages_per_second, 'messages'),
  WS_MAX_FRAME_BYTES: wholeNumber(1_024, 1_048_576, DEFAULT_LIMITS.max_frame_bytes, 'bytes'),
  WS_SLOW_BUFFER_BYTES: wholeNumber(16_384, 64 * 1_048_576, 1_048_576, 'bytes'),
  WS_SLOW_CLOSE_MS: wholeNumber(1_000, 600_000, 30_000, 'milliseconds'),
  WS_FLUSH_MS: wholeNumber(0, 100, 4, 'milliseconds'),
});

export type HubVars = Partial<Record<keyof z.input<typeof HubEnvSchema>, string>>;

export type HubConfig = {
  shards: number;
  limits: { instruments: number; sessionsPerKey: number; messagesPerSecond: number; maxFrameBytes: number };
  /** A session whose socket holds more unsent bytes than this gets merged ticks instead of every tick. */
  slowBufferBytes: number;
  /** A session over the bound this long is closed (4009). */
  slowCloseMs: number;
  /** How long a hub gathers ticks before it writes each session one frame. */
  flushMs: number;
};

const parsed = new WeakMap<object, HubConfig>();

export function hubConfig(env: object): HubConfig {
  const cached = parsed.get(env);
  if (cached) return cached;
  const vars = parseEnv(HubEnvSchema, emptyToUndefined(env));
  const config: HubConfig = {
    shards: vars.HUB_SHARDS,
    limits: {
      instruments: vars.WS_MAX_INSTRUMENTS,
      sessionsPerKey: vars.WS_SESSIONS_PER_KEY,
      messagesPerSecond: vars.WS_MESSAGES_PER_SECOND,
      maxFrameBytes: vars.WS_MAX_FRAME_BYTES,
    },
    slowBufferBytes: vars.WS_SLOW_BUFFER_BYTES,
    slowCloseMs: vars.WS_SLOW_CLOSE_MS,
    flushMs: vars.WS_FLUSH_MS,
  };
  parsed.set(env, config);
  return config;
}

/** The hub a user's sessions live on, `hub-<n>`: FNV-1a of the user id, modulo the shard count. */
export function hubName(userId: string, shards: number): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < userId.length; i++) hash = Math.imul(hash ^ userId.charCodeAt(i), 0x01000193);
  return hubShardName((hash >>> 0) % shards);
}

/** `hub-<n>`: the name of hub n. */
export function hubShardName(n: number): string {
  return `hub-${n}`;
}
