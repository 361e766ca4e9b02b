/**
 * A client frame against the hub's size limit (WS_MAX_FRAME_BYTES), counted
 * in bytes as the limit says: a text frame in UTF-8, where `.length` counts
 * UTF-16 units (a frame of 61,000 `€` is 61,000 units and 183,000 bytes,
 * and it passed a 64 KiB limit). Encoding a large frame only to measure it
 * costs, so the bounds decide first: a UTF-16 unit is 1 to 3 bytes of
 * UTF-8 (a surrogate pair, two units, is 4), and only a frame between
 * them is encoded.
 */
export type Oversize = { bytes: number; exact: boolean };

/** How far over `limit` the frame is, or undefined when it is within. */
export function oversize(message: string | ArrayBuffer, limit: number): Oversize | undefined {
  if (typeof message !== 'string') return message.byteLength > limit ? { bytes: message.byteLength, exact: true } : undefined;
  if (message.length * 3 <= limit) return undefined;
  if (message.length > limit) return { bytes: message.length, exact: false };
  const bytes = new TextEncoder().encode(message).byteLength;
  return bytes > limit ? { bytes, exact: true } : undefined;
}
