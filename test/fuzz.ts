import fc from 'fast-check';

/**
 * What the fuzz tests (`*.fuzz.test.ts`) feed the parsers: text and JSON
 * as a careless or hostile client sends them. fast-check's own strings
 * never hold a lone surrogate and rarely a NUL, the two that Postgres
 * refuses, so they are mixed in on purpose, with the characters that break
 * the formats around them (separators, quotes, escapes, 3- and 4-byte
 * UTF-8). docs/testing.md says how to replay a failure's seed.
 */
const AWKWARD = ['\u0000', '\ud800', '\udfff', '\ud83d\udca9', '€', ',', ':', '"', '\\', '%', '\n', '\r', ' ', '\u2028', '\ufeff', 'NSE', '-', '0', '9'];

/** Any text: plain, any code point, or awkward pieces glued together. */
export const nastyText = (maxLength = 24): fc.Arbitrary<string> =>
  fc.oneof(
    fc.string({ maxLength }),
    fc.string({ unit: 'binary', maxLength }),
    fc.array(fc.oneof(fc.constantFrom(...AWKWARD), fc.string({ maxLength: 3 })), { maxLength: Math.ceil(maxLength / 2) }).map((parts) => parts.join('')),
  );

/** Numbers JSON can carry, the troublesome ones often: huge, tiny, negative zero, past the safe integers. */
export const nastyNumber: fc.Arbitrary<number> = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -0, 1, -1, 2 ** 53, 2 ** 64, 1e308, -1e308, 5e-324, 4294967295, 4294967296),
);

/** A JSON value, strings and field names from `nastyText`. */
export const nastyJson = (maxDepth = 3): fc.Arbitrary<unknown> =>
  fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', maxDepth },
      nastyText(),
      nastyNumber,
      fc.boolean(),
      fc.constant(null),
      fc.array(tie('value'), { maxLength: 4 }),
      fc.dictionary(nastyText(8), tie('value'), { maxKeys: 4 }),
    ),
  })).value;

/** JSON text nested `depth` arrays deep: deeper than a recursive walk survives. */
export const deeplyNested = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;

/** An object with `fields` filled in, each either kept or replaced by any JSON value (wrong types, nasty text). */
export function nearlyValid(fields: Record<string, unknown>): fc.Arbitrary<Record<string, unknown>> {
  const entries = Object.entries(fields).map(([key, value]) => [key, fc.oneof(fc.constant(value), nastyJson(2))] as const);
  return fc
    .tuple(fc.record(Object.fromEntries(entries), { requiredKeys: [] }), fc.dictionary(nastyText(8), nastyJson(1), { maxKeys: 1 }))
    .map(([known, extra]) => ({ ...extra, ...known }));
}

/** What Postgres' UTF-8 text takes, said independently of contracts/storable-text.ts: no NUL, and encodeURIComponent (which throws on a lone surrogate) takes it. */
export function storable(text: string): boolean {
  if (text.includes('\u0000')) return false;
  try {
    encodeURIComponent(text);
    return true;
  } catch {
    return false;
  }
}

/** Every string and field name in a JSON value. */
export function textsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(textsIn);
  if (typeof value === 'object' && value !== null) return Object.entries(value).flatMap(([key, child]) => [key, ...textsIn(child)]);
  return [];
}

/** Text as a URL carries it: its UTF-8 bytes percent-encoded (a lone surrogate goes as U+FFFD, as a browser sends it). */
export function percentEncoded(text: string): string {
  return [...new TextEncoder().encode(text)].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');
}

/** A request body as a client may send it: any JSON, a near-valid one, broken JSON, or arrays nested deeper than any parser recurses. */
export const nastyBody = (nearly: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<string> =>
  fc.oneof(
    nearly.map((body) => JSON.stringify(body)),
    nastyJson(4).map((json) => JSON.stringify(json) ?? ''),
    nastyText(40),
    fc.integer({ min: 1_000, max: 20_000 }).map(deeplyNested),
    fc.integer({ min: 1_000, max: 10_000 }).map((depth) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`),
  );
