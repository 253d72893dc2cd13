/**
 * Where webhooks may be sent. Dintero refuses URLs that are not publicly reachable (localhost,
 * placeholder domains); we refuse them too, plus private, link-local and reserved addresses, so a
 * subscription cannot make the server call into its own network (SSRF). The same rule is applied
 * again to the addresses a host name resolves to at delivery time, so a public name pointing at
 * 127.0.0.1 gets nowhere. In development mode (`allowLoopbackHooks`) everything is allowed, so a
 * receiver on the developer's machine works.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24],
  ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) blocked.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['2001:db8::', 32], ['100::', 64],
] as const) blocked.addSubnet(net, prefix, 'ipv6');

/** Special-use names (RFC 6761 and friends) and IANA's example domains. */
const PLACEHOLDER_SUFFIXES = ['localhost', 'local', 'test', 'example', 'invalid', 'internal', 'home.arpa', 'example.com', 'example.net', 'example.org'];

/** True for loopback, private, link-local, documentation and other non-public addresses. */
export function isNonPublicAddress(address: string): boolean {
  const v = isIP(address);
  if (v === 4) return blocked.check(address, 'ipv4');
  if (v !== 6) return true;
  // IPv4-mapped and NAT64 addresses carry an IPv4 address: judge that one.
  const embedded = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (embedded !== undefined) return blocked.check(embedded, 'ipv4');
  return blocked.check(address, 'ipv6');
}

/** Why a subscription URL is refused, or null when it is fine. */
export function refusedHookUrl(url: string, allowLoopback: boolean): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'config.url is not a URL';
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return 'config.url must use http or https';
  if (u.username !== '' || u.password !== '') return 'config.url must not carry credentials: use config.secret';
  if (allowLoopback) return null;
  const host = u.hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '').toLowerCase();
  if (isIP(host) !== 0) return isNonPublicAddress(host) ? `config.url points at a non-public address (${host})` : null;
  if (!host.includes('.') || PLACEHOLDER_SUFFIXES.some((s) => host === s || host.endsWith(`.${s}`))) {
    return `config.url must be publicly reachable, not ${host}`;
  }
  return null;
}

/**
 * A DNS lookup for outgoing deliveries that refuses names resolving to non-public addresses
 * (checked on every connection, so a name re-pointed after the subscription was made is caught).
 */
export const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => {
    if (err !== null) {
      callback(err, '');
      return;
    }
    const bad = addresses.find((a) => isNonPublicAddress(a.address));
    const first = addresses[0];
    if (bad !== undefined || first === undefined) {
      const e: NodeJS.ErrnoException = new Error(`${hostname} resolves to a non-public address (${bad?.address ?? 'none'}): refused`);
      e.code = 'HOOK_ADDRESS_REFUSED';
      callback(e, '');
      return;
    }
    if (options.all === true) callback(null, addresses);
    else callback(null, first.address, first.family);
  });
};
