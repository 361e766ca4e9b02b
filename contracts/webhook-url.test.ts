import { describe, expect, it } from 'vitest';
import { checkWebhookUrl } from './webhook-url.ts';

const reasonOf = (url: string, allowPrivate = false) => {
  const check = checkWebhookUrl(url, { allowPrivate });
  return check.ok ? 'ok' : check.reason;
};

describe('checkWebhookUrl', () => {
  it('accepts public https URLs and returns them normalised', () => {
    expect(checkWebhookUrl('https://Hooks.Example.com:8443/alerts?x=1')).toEqual({ ok: true, url: 'https://hooks.example.com:8443/alerts?x=1' });
    expect(checkWebhookUrl('https://8.8.8.8/hook')).toEqual({ ok: true, url: 'https://8.8.8.8/hook' });
    expect(checkWebhookUrl('https://[2606:4700:4700::1111]/hook')).toEqual({ ok: true, url: 'https://[2606:4700:4700::1111]/hook' });
    // A public address spelled in hex still comes out as the address fetch will use.
    expect(checkWebhookUrl('https://0x08080808/hook')).toEqual({ ok: true, url: 'https://8.8.8.8/hook' });
  });

  it.each([
    ['https://127.0.0.1/h', 'loopback'],
    ['https://10.1.2.3/h', 'RFC 1918'],
    ['https://172.16.0.1/h', 'RFC 1918'],
    ['https://172.31.255.255/h', 'RFC 1918'],
    ['https://192.168.1.1/h', 'RFC 1918'],
    ['https://169.254.169.254/latest/meta-data', 'link-local'],
    ['https://100.64.0.1/h', 'carrier-grade NAT'],
    ['https://100.127.255.255/h', 'carrier-grade NAT'],
    ['https://0.0.0.0/h', '"this network"'],
    ['https://224.0.0.1/h', 'multicast'],
    ['https://255.255.255.255/h', 'reserved'],
    ['https://[::1]/h', 'loopback'],
    ['https://[::]/h', 'unspecified'],
    ['https://[fd12:3456::1]/h', 'unique local'],
    ['https://[fc00::1]/h', 'unique local'],
    ['https://[fe80::1]/h', 'link-local'],
    ['https://[ff02::1]/h', 'multicast'],
    ['https://localhost/h', '.localhost'],
    ['https://LOCALHOST./h', '.localhost'],
    ['https://api.localhost/h', '.localhost'],
    ['https://printer.local/h', '.local'],
    ['https://db.internal/h', '.internal'],
    ['https://router.home.arpa/h', '.home.arpa'],
    ['https://hooks/h', 'single-label'],
  ])('refuses %s as %s', (url, what) => {
    expect(reasonOf(url)).toMatch(new RegExp(`^must not point into a private network: .* is .*${what.replace(/[.*"]/g, '\\$&')}`));
  });

  it.each([
    ['http://2130706433/', 'decimal'],
    ['http://0x7f.1/', 'hex'],
    ['http://0177.0.0.1/', 'octal'],
    ['http://127.1/', 'short form'],
    ['https://%31%32%37.0.0.1/', 'percent-encoded'],
    ['https://0xA9.0xFE.0xA9.0xFE/', 'hex metadata address'],
  ])('sees through IPv4 literal tricks: %s (%s)', (url) => {
    expect(reasonOf(url)).toMatch(/private network: (127\.0\.0\.1 is loopback|169\.254\.169\.254 is link-local)/);
  });

  it('judges IPv6 forms that carry an IPv4 address by that address', () => {
    expect(reasonOf('https://[::ffff:127.0.0.1]/')).toBe('must not point into a private network: [::ffff:7f00:1] is an IPv4-mapped IPv6 address of loopback');
    expect(reasonOf('https://[::ffff:10.0.0.1]/')).toMatch(/IPv4-mapped IPv6 address of RFC 1918/);
    expect(reasonOf('https://[::127.0.0.1]/')).toMatch(/IPv4-compatible IPv6 address of loopback/);
    expect(reasonOf('https://[64:ff9b::10.0.0.1]/')).toMatch(/NAT64 address of RFC 1918/);
    expect(reasonOf('https://[2002:c0a8:101::1]/')).toMatch(/6to4 address of RFC 1918/);
    // Even a public IPv4 inside is refused in the mapped form: one spelling per host keeps the rules auditable.
    expect(reasonOf('https://[::ffff:8.8.8.8]/')).toMatch(/IPv4-mapped IPv6 address; use the IPv4 address itself/);
  });

  it.each([
    // Issue 21, defect 10: the gaps a probe found.
    ['https://localhost../h', '.localhost'],
    ['https://hooks..example.com/h', 'empty label'],
    ['https://[::ffff:0:7f00:1]/h', 'IPv4-translated IPv6 address of loopback'],
    ['https://[::ffff:0:808:808]/h', 'IPv4-translated IPv6 address; use the IPv4 address itself'],
    ['https://[64:ff9b:1::a00:1]/h', 'local-use NAT64'],
    ['https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/h', 'Teredo'],
    ['https://payments.default.svc/h', '.svc'],
    ['https://hooks.example.com:22/h', 'port 443 or 8443, not 22'],
    ['https://8.8.8.8:6379/h', 'port 443 or 8443, not 6379'],
  ])('refuses %s (%s)', (url, reason) => {
    expect(reasonOf(url)).toContain(reason);
  });

  it('refuses credentials, other schemes, plain http and junk', () => {
    expect(reasonOf('https://user:pass@example.com/h')).toMatch(/^must not carry credentials/);
    expect(reasonOf('https://user@example.com/h')).toMatch(/^must not carry credentials/);
    expect(reasonOf('ftp://example.com/h')).toBe('must use https, not ftp');
    expect(reasonOf('file:///etc/passwd')).toBe('must use https, not file');
    expect(reasonOf('javascript:alert(1)')).toBe('must use https, not javascript');
    expect(reasonOf('http://example.com/h')).toBe('must use https');
    expect(reasonOf('example.com/h')).toMatch(/^must be an absolute URL/);
    expect(reasonOf(`https://example.com/${'a'.repeat(2048)}`)).toBe('must be at most 2048 characters');
  });

  it('allows private hosts, and plain http to them only, when the server allows private webhooks', () => {
    expect(checkWebhookUrl('http://127.0.0.1:9999/hook', { allowPrivate: true })).toEqual({ ok: true, url: 'http://127.0.0.1:9999/hook' });
    expect(reasonOf('https://localhost/h', true)).toBe('ok');
    expect(reasonOf('http://example.com/h', true)).toBe('must use https');
    expect(reasonOf('http://u:p@127.0.0.1/h', true)).toMatch(/^must not carry credentials/);
  });
});
