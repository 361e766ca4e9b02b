/**
 * Text every boundary refuses before it goes further: the NUL character
 * (U+0000), which Postgres cannot store in `text` (a query carrying one
 * failed with a 500), and lone surrogates (half of a UTF-16 pair, not a
 * character), which Postgres' UTF-8 cannot hold either and which encoders
 * silently turn into U+FFFD, so what was stored would not be what was sent.
 * REST queries, path parameters and bodies (edge/validate.ts), and both
 * WebSocket protocols' messages (durable-objects/session-hub/) check with
 * these, so a client hears which field is at fault.
 */

/** A high surrogate not followed by a low one, or a low one not preceded by a high one (no `u` flag: code units, not code points). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export const NUL_PROBLEM = 'must not contain the NUL character (U+0000)';
export const SURROGATE_PROBLEM = 'must not contain a lone surrogate (half of a UTF-16 pair, which is not a character)';

/** Why `text` cannot be taken as it is, or undefined when it can. */
export function unstorableText(text: string): string | undefined {
  if (text.includes('\u0000')) return NUL_PROBLEM;
  if (LONE_SURROGATE.test(text)) return SURROGATE_PROBLEM;
  return undefined;
}

/** Where in a parsed value (the keys and indexes from it down) and what is wrong there. */
export type TextProblem = { path: string[]; message: string };

/**
 * The first string of a parsed JSON value, or the first object key, that
 * `unstorableText` refuses, in document order. A key is reported at its
 * object's path, since a client cannot name the field by a name that is
 * itself the problem. Walked with a stack of its own, each entry linked to
 * its parent, and the path built only for the one reported: a 64 KiB frame
 * can nest thirty thousand arrays deep, too deep to recurse or to copy a
 * path at every level.
 */
export function firstUnstorableText(value: unknown): TextProblem | undefined {
  const stack: Place[] = [{ value, key: '', parent: undefined }];
  for (let place = stack.pop(); place !== undefined; place = stack.pop()) {
    const current = place.value;
    if (typeof current === 'string') {
      const message = unstorableText(current);
      if (message) return { path: pathOf(place), message };
    } else if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) stack.push({ value: current[i], key: String(i), parent: place });
    } else if (typeof current === 'object' && current !== null) {
      const entries = Object.entries(current);
      for (const [key] of entries) {
        const message = unstorableText(key);
        if (message) return { path: pathOf(place), message: `has a field name that ${message}` };
      }
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i] as [string, unknown];
        stack.push({ value: child, key, parent: place });
      }
    }
  }
  return undefined;
}

/** A value met on the walk: its key in its parent, and the parent (undefined for the value walked). */
type Place = { value: unknown; key: string; parent: Place | undefined };

function pathOf(place: Place): string[] {
  const path: string[] = [];
  for (let at: Place | undefined = place; at?.parent !== undefined; at = at.parent) path.push(at.key);
  return path.reverse();
}
