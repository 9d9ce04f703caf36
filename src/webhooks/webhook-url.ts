/**
 * Where a webhook may point. https always; http too outside production. In production a URL whose
 * host resolves to a loopback, private, link-local (or otherwise non-public) address is refused
 * unless WEBHOOK_ALLOW_PRIVATE=true — when the endpoint is saved, and again when connecting
 * (`guardedLookup` is the socket's DNS lookup), because DNS can change between the two.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

export interface UrlPolicy {
  production: boolean;
  allowPrivate: boolean;
}

const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local (cloud metadata lives here)
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  blocked.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128],
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
  ['64:ff9b::', 96], // NAT64 maps IPv4 (a private one included) into IPv6
] as const) {
  blocked.addSubnet(net, prefix, 'ipv6');
}

/** true for an address a webhook must not reach in production (IPv4-mapped IPv6 judged as IPv4) */
export function isNonPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped?.[1]) return blocked.check(mapped[1], 'ipv4');
    return blocked.check(address, 'ipv6');
  }
  return true;
}

/** the problem with a URL's form, or null (no DNS) */
export function urlFormProblem(raw: string, policy: UrlPolicy): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && !policy.production)) {
    return policy.production ? 'must be https' : 'must be http or https';
  }
  if (url.username || url.password) return 'must not carry credentials';
  if (url.hash) return 'must not have a fragment';
  return null;
}

function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

/** the problem with where a URL's host resolves (production only), or null */
export async function urlAddressProblem(raw: string, policy: UrlPolicy): Promise<string | null> {
  if (!policy.production || policy.allowPrivate) return null;
  const host = hostOf(new URL(raw));
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    try {
      addresses = (await new Promise<LookupAddress[]>((resolve, reject) => dnsLookup(host, { all: true }, (err, list) => (err ? reject(err) : resolve(list))))).map((a) => a.address);
    } catch {
      return 'its host does not resolve';
    }
  }
  return addresses.some(isNonPublicAddress) ? 'resolves to a loopback, private or link-local address (WEBHOOK_ALLOW_PRIVATE=true allows it)' : null;
}

/**
 * The DNS lookup of a delivery's socket: the same rule at connection time. An IP literal never
 * reaches a lookup, so `literalProblem` checks those before connecting.
 */
export function guardedLookup(policy: UrlPolicy): LookupFunction | undefined {
  if (!policy.production || policy.allowPrivate) return undefined;
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, list) => {
      if (err) return callback(err, '', 4);
      const addresses = list as unknown as LookupAddress[];
      const bad = addresses.find((a) => isNonPublicAddress(a.address));
      if (bad) return callback(Object.assign(new Error(`refused: ${hostname} resolves to a non-public address`), { code: 'EWEBHOOKPRIVATE' }), '', 4);
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      const first = addresses[0];
      if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 4);
      return callback(null, first.address, first.family);
    });
  };
}

/** an IP-literal host refused at connection time (production), or null */
export function literalProblem(url: URL, policy: UrlPolicy): string | null {
  if (!policy.production || policy.allowPrivate) return null;
  const host = hostOf(url);
  return isIP(host) && isNonPublicAddress(host) ? `refused: ${host} is a non-public address` : null;
}
