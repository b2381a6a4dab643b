import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * Where a webhook may go (SSRF guard). A receiver's URL names a host; what counts is the address
 * the host resolves to, at subscription time and again at every delivery (DNS can change between
 * the two, or be made to: rebinding). Refused: loopback (unless local http is allowed, for
 * development), the unspecified address, private ranges (RFC 1918, RFC 6598 shared address space,
 * IPv6 unique local), link-local (where clouds serve instance metadata), multicast and reserved
 * ranges, and IPv4-mapped or -translated IPv6 forms of any of those.
 */

export type AddressClass = 'public' | 'loopback' | 'private' | 'link-local' | 'unspecified' | 'reserved';

function ipv4Class(a: number, b: number): AddressClass {
  if (a === 127) return 'loopback';
  if (a === 0) return 'unspecified';
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return 'private';
  if (a === 100 && b >= 64 && b <= 127) return 'private';
  if (a === 169 && b === 254) return 'link-local';
  // Multicast, reserved for future use and the limited broadcast address.
  if (a >= 224) return 'reserved';
  return 'public';
}

function parseIpv4(text: string): number[] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const nums = parts.map((p) => (/^\d{1,3}$/.test(p) ? Number(p) : Number.NaN));
  return nums.every((n) => n >= 0 && n <= 255) ? nums : undefined;
}

/** The eight 16-bit groups of an IPv6 address (with an embedded IPv4 tail, if any, expanded). */
function parseIpv6(text: string): number[] | undefined {
  let head = text.toLowerCase();
  const zone = head.indexOf('%');
  if (zone >= 0) head = head.slice(0, zone);
  let tail: number[] = [];
  const lastColon = head.lastIndexOf(':');
  const maybeV4 = head.slice(lastColon + 1);
  if (maybeV4.includes('.')) {
    const v4 = parseIpv4(maybeV4);
    if (!v4) return undefined;
    tail = [(v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!];
    head = `${head.slice(0, lastColon + 1)}0:0`;
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const group = (s: string) => (s === '' ? [] : s.split(':').map((g) => Number.parseInt(g, 16)));
  const left = group(halves[0] ?? '');
  const right = halves.length === 2 ? group(halves[1] ?? '') : [];
  const fill = 8 - left.length - right.length;
  if ((halves.length === 1 && fill !== 0) || fill < 0) return undefined;
  const groups = [...left, ...Array(halves.length === 2 ? fill : 0).fill(0), ...right];
  if (groups.length !== 8 || groups.some((g) => !Number.isInteger(g) || g < 0 || g > 0xffff))
    return undefined;
  if (tail.length === 2) {
    groups[6] = tail[0]!;
    groups[7] = tail[1]!;
  }
  return groups;
}

/** The class of one IP address (v4 or v6, as `dns.lookup` or a URL gives it). */
export function classifyAddress(address: string): AddressClass {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  if (isIP(bare) === 4) {
    const [a, b] = parseIpv4(bare) as number[];
    return ipv4Class(a!, b!);
  }
  const g = parseIpv6(bare);
  if (!g) return 'reserved';
  const [g0, g1, g2, g3, g4, g5, g6, g7] = g as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const zeroTo = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeroTo(7) && g7 === 1) return 'loopback';
  if (zeroTo(8)) return 'unspecified';
  // IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d) and NAT64 (64:ff9b::a.b.c.d): the
  // embedded address decides.
  const embedded = () => ipv4Class(g6 >> 8, g6 & 0xff);
  if (zeroTo(5) && g5 === 0xffff) return embedded();
  if (zeroTo(6)) return embedded();
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return embedded();
  if ((g0 & 0xfe00) === 0xfc00) return 'private';
  if ((g0 & 0xffc0) === 0xfe80) return 'link-local';
  if ((g0 & 0xff00) === 0xff00) return 'reserved';
  return 'public';
}

export interface TargetPolicy {
  /** Loopback allowed (development, the demo, tests: `KETENHUB_WEBHOOK_LOCAL_HTTP`). */
  allowLoopback: boolean;
  /**
   * Networks the operator allows although they are not public (`KETENHUB_WEBHOOK_ALLOW_NETWORKS`):
   * a receiver in the municipality's own network, reached over a VPN. Built by {@link allowNetworks}.
   */
  allowed?: BlockList;
}

/** One CIDR, e.g. `10.20.0.0/16` or `fd12:3456::/48`; the reason when it is not one. */
export function cidrProblem(cidr: string): string | undefined {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(cidr.trim());
  if (!m) return `${cidr}: not a network in CIDR notation (address/prefix)`;
  const family = isIP(m[1] ?? '');
  if (family === 0) return `${cidr}: not an IP address before the prefix`;
  const prefix = Number(m[2]);
  if (prefix > (family === 4 ? 32 : 128)) return `${cidr}: prefix longer than the address`;
  // A whole family opened at once would switch the guard off; name the networks instead.
  if (prefix < 8) return `${cidr}: prefix shorter than /8 (name the networks the receivers are in)`;
  if (classifyAddress(m[1] ?? '') === 'unspecified') return `${cidr}: the unspecified address`;
  return undefined;
}

/** The allowed networks as a BlockList (used as an allow list); throws on a bad CIDR. */
export function allowNetworks(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const problem = cidrProblem(cidr);
    if (problem) throw new Error(problem);
    const [address = '', prefix = ''] = cidr.trim().split('/');
    list.addSubnet(address, Number(prefix), isIP(address) === 4 ? 'ipv4' : 'ipv6');
  }
  return list;
}

/** The IPv4 address inside an IPv4-mapped IPv6 address (::ffff:a.b.c.d), so v4 networks match it. */
function unmapped(address: string): { address: string; family: 'ipv4' | 'ipv6' } {
  if (isIP(address) === 4) return { address, family: 'ipv4' };
  const g = parseIpv6(address);
  if (g && g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) {
    const [hi = 0, lo = 0] = g.slice(6);
    return { address: `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`, family: 'ipv4' };
  }
  return { address, family: 'ipv6' };
}

/** Why an address may not receive webhooks, or undefined when it may. */
export function refusedAddress(address: string, policy: TargetPolicy): string | undefined {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const c = classifyAddress(bare);
  if (c === 'public' || (c === 'loopback' && policy.allowLoopback)) return undefined;
  if (c !== 'unspecified' && policy.allowed) {
    const { address: a, family } = unmapped(bare);
    if (policy.allowed.check(a, family)) return undefined;
  }
  return `resolves to ${address}, a ${c} address`;
}

type Lookup = (
  hostname: string,
  options: { all: true },
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

/** Why a webhook host may not be used: it resolves to a refused address, or it does not resolve. */
export interface HostVerdict {
  kind: 'refused' | 'unresolved';
  reason: string;
}

/**
 * Resolves `host` and checks every address it resolves to; undefined when all may receive webhooks.
 * Every address must pass: a resolver that answers one public and one private address would let a
 * connection pick the private one.
 */
export async function checkWebhookHost(
  host: string,
  policy: TargetPolicy,
  lookup: Lookup = dnsLookup as unknown as Lookup,
): Promise<HostVerdict | undefined> {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (isIP(bare)) {
    const why = refusedAddress(bare, policy);
    return why ? { kind: 'refused', reason: why } : undefined;
  }
  const addresses = await new Promise<LookupAddress[] | Error>((resolve) =>
    lookup(bare, { all: true }, (error, found) => resolve(error ?? found)),
  );
  if (addresses instanceof Error) {
    const code = (addresses as NodeJS.ErrnoException).code ?? addresses.message;
    return { kind: 'unresolved', reason: `does not resolve (${code})` };
  }
  if (addresses.length === 0) return { kind: 'unresolved', reason: 'does not resolve' };
  for (const a of addresses) {
    const why = refusedAddress(a.address, policy);
    if (why) return { kind: 'refused', reason: why };
  }
  return undefined;
}

/**
 * A `lookup` for node:http/https requests that refuses disallowed addresses at connect time, so the
 * address checked is the address connected to (no window between a check and the connection).
 */
export function guardedLookup(
  policy: TargetPolicy,
  lookup: Lookup = dnsLookup as unknown as Lookup,
): LookupFunction {
  return (
    hostname: string,
    options: { all?: boolean },
    callback: (
      error: NodeJS.ErrnoException | null,
      address: string | LookupAddress[],
      family?: number,
    ) => void,
  ) => {
    lookup(hostname, { all: true }, (error, addresses) => {
      if (error) {
        callback(error, '', 0);
        return;
      }
      for (const a of addresses) {
        const why = refusedAddress(a.address, policy);
        if (why) {
          const refused = Object.assign(new Error(`webhook host ${hostname} ${why}`), {
            code: 'EKETENHUBTARGET',
          });
          callback(refused, '', 0);
          return;
        }
      }
      if (options.all) callback(null, addresses);
      else callback(null, addresses[0]?.address ?? '', addresses[0]?.family ?? 4);
    });
  };
}
