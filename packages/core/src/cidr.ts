// IPv4 and IPv6 CIDR blocks as numbers, so that containment is arithmetic on the address bits rather than a guess
// from the text ("10.0.0.0/8" contains "10.20.0.0/16"; "2001:db8::/32" contains "2001:0db8:0:1::/64").
//
// Parsing is lenient about host bits: "10.0.0.1/8" parses, with `network` 10.0.0.0 and `hostBitsSet` true, and
// containment always uses `network` (the block AWS applies). A caller that wants AWS's stricter input rule can
// reject `hostBitsSet`.
// IPv4-mapped IPv6 blocks (::ffff:a.b.c.d/n) are kept as IPv6: they never contain or sit inside an IPv4 block.

import { CidrError } from "./errors.ts";

export type IpFamily = 4 | 6;

export interface Cidr {
  /** The input as given (trimmed). */
  readonly text: string;
  readonly family: IpFamily;
  /** The address as written, including any host bits. */
  readonly address: bigint;
  readonly prefixLength: number;
  /** The address with the host bits cleared: the block itself. */
  readonly network: bigint;
  readonly hostBitsSet: boolean;
  /** Canonical text of the block: network address (RFC 5952 for IPv6) and prefix, e.g. "10.0.0.0/8", "2001:db8::/32". */
  readonly canonical: string;
}

const ADDRESS_BITS: Readonly<Record<IpFamily, number>> = { 4: 32, 6: 128 };
const DECIMAL_OCTET = /^(0|[1-9][0-9]{0,2})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;
const PREFIX = /^(0|[1-9][0-9]{0,2})$/;

/** Parses "a.b.c.d/n" (n 0..32) or "x:x::x/n" (n 0..128). `path` names the field in error messages. */
export function parseCidr(text: string, path = ""): Cidr {
  if (typeof text !== "string") {
    // Not String(text): an object's own toString (from JSON such as {"toString": []}) would throw or run.
    const shown = typeof text === "object" || typeof text === "function" ? (Array.isArray(text) ? "[array]" : `[${typeof text}]`) : String(text);
    throw new CidrError(shown, path, `is a ${text === null ? "null" : typeof text}; expected a CIDR string such as "203.0.113.0/24" or "2001:db8::/32"`);
  }
  const trimmed = text.trim();
  const slash = trimmed.indexOf("/");
  if (slash < 0) {
    throw new CidrError(text, path, `has no prefix length; expected "<address>/<prefix>", e.g. "203.0.113.10/32"`);
  }
  const addressText = trimmed.slice(0, slash);
  const prefixText = trimmed.slice(slash + 1);
  const family: IpFamily = addressText.includes(":") ? 6 : 4;
  const address = family === 4 ? parseIpv4(addressText) : parseIpv6(addressText);
  if (address === undefined) {
    const expected = family === 4 ? "four decimal octets 0-255 without leading zeros" : "eight hex groups, optionally compressed with one '::'";
    throw new CidrError(text, path, `has an invalid IPv${family} address ${JSON.stringify(addressText)}; expected ${expected}`);
  }
  const bits = ADDRESS_BITS[family];
  const prefixLength = PREFIX.test(prefixText) ? Number(prefixText) : Number.NaN;
  if (!(prefixLength >= 0 && prefixLength <= bits)) {
    throw new CidrError(text, path, `has an invalid prefix length ${JSON.stringify(prefixText)}; expected a whole number from 0 to ${bits} for IPv${family}`);
  }
  const network = clearHostBits(address, bits, prefixLength);
  return {
    text: trimmed,
    family,
    address,
    prefixLength,
    network,
    hostBitsSet: network !== address,
    canonical: `${formatAddress(network, family)}/${prefixLength}`,
  };
}

export function isValidCidr(text: unknown): boolean {
  if (typeof text !== "string") return false;
  try {
    parseCidr(text);
    return true;
  } catch {
    return false;
  }
}

/** True when every address of `inner` lies in `outer`. Blocks of different families never contain each other. */
export function cidrContains(outer: Cidr | string, inner: Cidr | string): boolean {
  const outerBlock = toCidr(outer);
  const innerBlock = toCidr(inner);
  if (outerBlock.family !== innerBlock.family || outerBlock.prefixLength > innerBlock.prefixLength) return false;
  const hostBits = BigInt(ADDRESS_BITS[outerBlock.family] - outerBlock.prefixLength);
  return outerBlock.network >> hostBits === innerBlock.network >> hostBits;
}

/** 0.0.0.0/0 or ::/0 (any address with prefix 0): the whole internet of that family. */
export function isWorldOpen(cidr: Cidr | string): boolean {
  return toCidr(cidr).prefixLength === 0;
}

/** The entries of `cidrs` (as given) that no block of `allowlist` contains. Throws CidrError on an invalid entry. */
export function outsideAllowlist(cidrs: readonly string[], allowlist: readonly string[]): string[] {
  const allowed = allowlist.map((entry, index) => parseCidr(entry, `allowlist[${index}]`));
  return cidrs.filter((entry, index) => {
    const block = parseCidr(entry, `cidrs[${index}]`);
    return !allowed.some((allowedBlock) => cidrContains(allowedBlock, block));
  });
}

/** Number of addresses in the block, e.g. 256n for a /24. */
export function addressCount(cidr: Cidr | string): bigint {
  const block = toCidr(cidr);
  return 1n << BigInt(ADDRESS_BITS[block.family] - block.prefixLength);
}

function toCidr(cidr: Cidr | string): Cidr {
  return typeof cidr === "string" ? parseCidr(cidr) : cidr;
}

function clearHostBits(address: bigint, bits: number, prefixLength: number): bigint {
  const hostBits = BigInt(bits - prefixLength);
  return (address >> hostBits) << hostBits;
}

function parseIpv4(text: string): bigint | undefined {
  const octets = text.split(".");
  if (octets.length !== 4) return undefined;
  let value = 0n;
  for (const octet of octets) {
    // Leading zeros are refused: some parsers read "010" as octal 8, so the block would be ambiguous.
    if (!DECIMAL_OCTET.test(octet)) return undefined;
    const number = Number(octet);
    if (number > 255) return undefined;
    value = (value << 8n) | BigInt(number);
  }
  return value;
}

function parseIpv6(text: string): bigint | undefined {
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const compressed = halves.length === 2;
  const head = parseHexGroups(halves[0] as string, !compressed);
  const tail = compressed ? parseHexGroups(halves[1] as string, true) : [];
  if (head === undefined || tail === undefined) return undefined;
  const written = head.length + tail.length;
  // Without "::" all eight groups are written; with it, "::" stands for at least one zero group.
  if (compressed ? written > 7 : written !== 8) return undefined;
  const groups = [...head, ...new Array<number>(8 - written).fill(0), ...tail];
  return groups.reduce((value, group) => (value << 16n) | BigInt(group), 0n);
}

/** Colon-separated hex groups; the last may be a dotted IPv4 address (::ffff:192.0.2.1), worth two groups. */
function parseHexGroups(text: string, dottedLastAllowed: boolean): number[] | undefined {
  if (text === "") return [];
  const parts = text.split(":");
  const groups: number[] = [];
  for (const [index, part] of parts.entries()) {
    if (dottedLastAllowed && index === parts.length - 1 && part.includes(".")) {
      const ipv4 = parseIpv4(part);
      if (ipv4 === undefined) return undefined;
      groups.push(Number(ipv4 >> 16n), Number(ipv4 & 0xffffn));
    } else if (HEX_GROUP.test(part)) {
      groups.push(Number.parseInt(part, 16));
    } else {
      return undefined;
    }
  }
  return groups;
}

function formatAddress(value: bigint, family: IpFamily): string {
  if (family === 4) {
    return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join(".");
  }
  const groups = Array.from({ length: 8 }, (_, index) => Number((value >> BigInt(112 - 16 * index)) & 0xffffn));
  // RFC 5952: compress the longest run of two or more zero groups, the first one on a tie.
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < 8; start++) {
    let length = 0;
    while (start + length < 8 && groups[start + length] === 0) length++;
    if (length > bestLength) {
      bestStart = start;
      bestLength = length;
    }
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLength).join(":")}`;
}

/**
 * Ranges no one on the internet reaches an endpoint from: "this network", private (RFC 1918), shared CGNAT, loopback,
 * link-local, IETF protocol assignments, documentation, benchmarking, multicast and reserved (IPv4); for IPv6
 * everything outside global unicast (2000::/3) and the documentation prefix.
 */
const NON_PUBLIC: Readonly<Record<IpFamily, readonly string[]>> = {
  4: ["0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/3"],
  6: ["::/3", "4000::/2", "8000::/1", "2001:db8::/32"],
};

type Range = readonly [start: bigint, end: bigint];

function rangeOf(block: Cidr): Range {
  return [block.network, block.network + addressCount(block)];
}

/** Sorted, disjoint ranges covering the same addresses (overlapping and adjacent ones merged). */
function mergeRanges(ranges: readonly Range[]): Range[] {
  const sorted = [...ranges].sort((left, right) => (left[0] < right[0] ? -1 : left[0] > right[0] ? 1 : 0));
  const merged: [bigint, bigint][] = [];
  for (const [start, end] of sorted) {
    const last = merged.at(-1);
    if (last && start <= last[1]) last[1] = end > last[1] ? end : last[1];
    else merged.push([start, end]);
  }
  return merged;
}

function sizeOf(ranges: readonly Range[]): bigint {
  return ranges.reduce((sum, [start, end]) => sum + (end - start), 0n);
}

/** Addresses of `ranges` (disjoint) that are also in `other` (disjoint). */
function overlapSize(ranges: readonly Range[], other: readonly Range[]): bigint {
  let total = 0n;
  for (const [start, end] of ranges) {
    for (const [otherStart, otherEnd] of other) {
      const low = start > otherStart ? start : otherStart;
      const high = end < otherEnd ? end : otherEnd;
      if (high > low) total += high - low;
    }
  }
  return total;
}

const publicSpaces = new Map<IpFamily, { readonly nonPublic: readonly Range[]; readonly total: bigint }>();

/** The private and reserved ranges of the family, merged, and the size of what is left: the same for every call, so made once. */
function publicSpace(family: IpFamily): { readonly nonPublic: readonly Range[]; readonly total: bigint } {
  let space = publicSpaces.get(family);
  if (space === undefined) {
    const nonPublic = mergeRanges(NON_PUBLIC[family].map((text) => rangeOf(parseCidr(text))));
    space = { nonPublic, total: (1n << BigInt(ADDRESS_BITS[family])) - sizeOf(nonPublic) };
    publicSpaces.set(family, space);
  }
  return space;
}

/**
 * How much of the public address space of `family` the blocks open, overlaps counted once and private or reserved
 * ranges not counted: `open` of `total` public addresses. 0.0.0.0/1 plus 128.0.0.0/1 is all of it, like 0.0.0.0/0.
 */
export function publicShare(blocks: readonly (Cidr | string)[], family: IpFamily): { readonly open: bigint; readonly total: bigint } {
  const { nonPublic, total } = publicSpace(family);
  const opened = mergeRanges(blocks.map(toCidr).filter((block) => block.family === family).map(rangeOf));
  return { open: sizeOf(opened) - overlapSize(opened, nonPublic), total };
}
