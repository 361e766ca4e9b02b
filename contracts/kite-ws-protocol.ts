import { z } from 'zod';

/**
 * The JSON text messages of `/kite/ws`, Kite's own ticker protocol
 * (docs/websocket.md): the control messages kiteconnect's KiteTicker sends,
 * and the error frame it reads. Ticks go the other way as Kite's binary
 * frames (docs/kite-ticks.md), which no JSON schema describes.
 */
const KiteTokens = z.array(z.unknown()).min(1, 'v must list at least one instrument token').max(3_000, 'v may list at most 3000 tokens');

export const KiteControlMessage = z.discriminatedUnion(
  'a',
  [
    /** Subscribe instrument tokens, in `quote` mode. */
    z.object({ a: z.literal('subscribe'), v: KiteTokens }),
    z.object({ a: z.literal('unsubscribe'), v: KiteTokens }),
    /** Set the mode of subscribed tokens. */
    z.object({ a: z.literal('mode'), v: z.tuple([z.enum(['ltp', 'quote', 'full'], { error: 'the mode must be ltp, quote or full' }), KiteTokens]) }),
  ],
  { error: 'a must be one of subscribe, unsubscribe, mode' },
);
export type KiteControlMessage = z.infer<typeof KiteControlMessage>;

/** A malformed control message's answer; the connection stays open. */
export const KiteErrorMessage = z.object({ type: z.literal('error'), data: z.string() });
export type KiteError = z.infer<typeof KiteErrorMessage>;
