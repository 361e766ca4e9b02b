/**
 * Whether an alert's webhook URL may be called from the platform. The worker
 * POSTs to it on a user's behalf, so a URL naming our own network (loopback,
 * RFC 1918, link-local, cloud metadata at 169.254.169.254, …) would let any
 * user make the platform probe it: server-side request forgery. Such URLs
 * are refused unless the server runs with `allowPrivate` (local development
 * and tests, whose receiver listens on 127.0.0.1).
 *
 * The check reads the URL as the WHATWG parser does, which is also how
 * `fetch` reads it: IPv4 written in decimal (`2130706433`), hex (`0x7f.1`),
 * octal (`0177.0.0.1`), short (`127.1`) or percent-encoded forms all come
 * out as dotted quads, and IPv6 in its compressed hex form, so one set of
 * range checks sees through the spellings. Callers must fetch the
 * normalised `url` this returns, never the raw text.
 *
 * What a pure check cannot see: a public name whose DNS answer is private
 * (`127.0.0.1.nip.io`, rebinding). In production the worker's fetch leaves
 * from Cloudflare's network, which cannot reach ours; locally the flag is on
 * anyway.
 */
export type WebhookUrlCheck = { ok: true; url: string } | { ok: false; reason: string };

export type WebhookUrlOptions = {
  /** Allow loopback and private-network hosts, and plain http to them (local development and tests only). */
  allowPrivate?: boolean;
};

export const MAX_WEBHOOK_URL_LENGTH = 2048;

/** Names that only mean something inside a network (RFC 6761, RFC 6762, RFC 8375, Kubernetes' `svc`, common conventions). */
const PRIVATE_SUFFIXES = ['localhost', 'local', 'internal', 'localdomain', 'home.arpa', 'lan', 'intranet', 'corp', 'svc'];

/**
 * The ports a public receiver may listen on: HTTPS's own and its usual
 * alternative. Any port would let a user make the platform knock on every
 * service of a public host (a port scan from our addresses).
 */
export const WEBHOOK_PORTS: readonly number[] = [443, 8443];

/** [first address, prefix length, what it is]: special-purpose IPv4 blocks (IANA registry) the platform must not call. */
const PRIVATE_V4: readonly [string, number, string][] = [
  ['0.0.0.0', 8, '"this network"'],
  ['10.0.0.0', 8, 'RFC 1918 private network'],
  ['100.64.0.0', 10, 'carrier-grade NAT (100.64.0.0/10)'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local (cloud metadata lives here)'],
  ['172.16.0.0', 12, 'RFC 1918 private network'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.0.2.0', 24, 'documentation (TEST-NET-1)'],
  ['192.168.0.0', 16, 'RFC 1918 private network'],
  ['198.18.0.0', 15, 'benchmarking network'],
  ['198.51.100.0', 24, 'documentation (TEST-NET-2)'],
  ['203.0.113.0', 24, 'documentation (TEST-NET-3)'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved (and broadcast)'],
];

/** The same for IPv6, as [first address, prefix length, what it is]; ranges that embed IPv4 are handled apart. */
const PRIVATE_V6: readonly [string, number, string][] = [
  ['::', 128, 'unspecified address'],
  ['::1', 128, 'loopback'],
  ['64:ff9b:1::', 48, 'local-use NAT64 (64:ff9b:1::/48)'],
  ['100::', 64, 'discard prefix'],
  ['2001::', 32, 'Teredo (2001::/32), which tunnels to an IPv4 host'],
  ['2001:db8::', 32, 'documentation'],
  ['fc00::', 7, 'unique local address (fc00::/7)'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'site-local'],
  ['ff00::', 8, 'multicast'],
];

/** Checks a webhook URL; on success `url` is the normalised form to store and fetch. */
export function checkWebhookUrl(raw: string, options: WebhookUrlOptions = {}): WebhookUrlCheck {
  if (raw.length > MAX_WEBHOOK_URL_LENGTH) return fail(`must be at most ${MAX_WEBHOOK_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return fail('must be an absolute URL such as https://example.com/hooks/alerts');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return fail(`must use https, not ${url.protocol.slice(0, -1)}`);
  if (url.username !== '' || url.password !== '') return fail('must not carry credentials (user:password@); authenticate the request by its signature');

  // `localhost.` is localhost; `localhost..` too, to a resolver that drops empty labels.
  const host = url.hostname.replace(/\.+$/, '');
  if (!host.startsWith('[') && host.split('.').includes('')) return fail(`must name a host: ${url.hostname} has an empty label`);
  const privateReason = privateHostReason(host);
  if (privateReason !== undefined && !options.allowPrivate) return fail(`must not point into a private network: ${url.hostname} is ${privateReason}`);
  // Plain http only where the allowed private receiver lives: a public hop would carry alerts readable in transit.
  if (url.protocol === 'http:' && (privateReason === undefined || !options.allowPrivate)) return fail('must use https');
  const port = url.port === '' ? 443 : Number(url.port);
  if (privateReason === undefined && !WEBHOOK_PORTS.includes(port)) return fail(`must use port ${WEBHOOK_PORTS.join(' or ')}, not ${port}`);
  return { ok: true, url: url.href };
}

/** Why `host` (a WHATWG-normalised hostname without a trailing dot) is not a public address, or undefined when it is. */
function privateHostReason(host: string): string | undefined {
  if (host.startsWith('[')) return ipv6Reason(parseIpv6(host.slice(1, -1)));
  const v4 = parseIpv4(host);
  if (v4 !== undefined) return ipv4Reason(v4);
  const suffix = PRIVATE_SUFFIXES.find((s) => host === s || host.endsWith(`.${s}`));
  if (suffix !== undefined) return `a name under .${suffix}, which only resolves inside a network`;
  return host.includes('.') ? undefined : 'a single-label name, which only resolves inside a network';
}

function ipv4Reason(address: number): string | undefined {
  for (const [first, prefix, what] of PRIVATE_V4) {
    const base = parseIpv4(first) as number;
    if (address >>> (32 - prefix) === base >>> (32 - prefix)) return what;
  }
  return undefined;
}

function ipv6Reason(groups: number[]): string | undefined {
  const embedded = embeddedIpv4(groups);
  if (embedded !== undefined) {
    // A mapped/translated address reaches the IPv4 host inside it: judge that host, and prefer the plain IPv4 form.
    const inner = ipv4Reason(embedded.address);
    return inner === undefined ? `${embedded.kind}; use the IPv4 address itself` : `${embedded.kind} of ${inner}`;
  }
  for (const [first, prefix, what] of PRIVATE_V6) {
    if (inPrefix(groups, parseIpv6(first), prefix)) return what;
  }
  return undefined;
}

/** The IPv4 address an IPv6 address carries, for the forms that deliver to it. */
function embeddedIpv4(g: number[]): { kind: string; address: number } | undefined {
  const low32 = (((g[6] as number) << 16) | (g[7] as number)) >>> 0;
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (zeros(0, 5) && g[5] === 0xffff) return { kind: 'an IPv4-mapped IPv6 address', address: low32 };
  // ::ffff:0:a.b.c.d (RFC 2765's IPv4-translated form).
  if (zeros(0, 4) && g[4] === 0xffff && g[5] === 0) return { kind: 'an IPv4-translated IPv6 address', address: low32 };
  // ::a.b.c.d (IPv4-compatible, deprecated); :: and ::1 themselves are judged as IPv6.
  if (zeros(0, 6) && low32 > 1) return { kind: 'an IPv4-compatible IPv6 address', address: low32 };
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) return { kind: 'a NAT64 address', address: low32 };
  if (g[0] === 0x2002) return { kind: 'a 6to4 address', address: (((g[1] as number) << 16) | (g[2] as number)) >>> 0 };
  return undefined;
}

function inPrefix(address: number[], base: number[], prefix: number): boolean {
  for (let bit = 0; bit < prefix; bit += 16) {
    const width = Math.min(16, prefix - bit);
    const shift = 16 - width;
    if ((address[bit / 16] as number) >> shift !== (base[bit / 16] as number) >> shift) return false;
  }
  return true;
}

/** A dotted quad (the only IPv4 form WHATWG hostnames come in) as a uint32, or undefined for a name. */
function parseIpv4(host: string): number | undefined {
  const parts = host.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

/** Eight 16-bit groups of an IPv6 address in WHATWG's serialisation (hex groups, at most one `::`, no dotted tail). */
function parseIpv6(text: string): number[] {
  const [head = '', tail] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const fill = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...fill, ...right].map((group) => Number.parseInt(group, 16));
}

function fail(reason: string): WebhookUrlCheck {
  return { ok: false, reason };
}
