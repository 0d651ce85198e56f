import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addressCount, cidrContains, isValidCidr, isWorldOpen, outsideAllowlist, parseCidr, publicShare } from "../src/cidr.ts";
import { CidrError, ValidationError } from "../src/errors.ts";

// The reference model is deliberately different from the implementation: an address is an array of octets or
// 16-bit groups, rendered to text in the many ways people write it, and containment is a comparison of bit strings.

interface Block {
  readonly family: 4 | 6;
  /** Octets (IPv4) or 16-bit groups (IPv6). */
  readonly parts: readonly number[];
  readonly prefix: number;
}

const partBits = (family: 4 | 6): number => (family === 4 ? 8 : 16);
const addressBits = (family: 4 | 6): number => (family === 4 ? 32 : 128);

function bitString(block: Block): string {
  return block.parts.map((part) => part.toString(2).padStart(partBits(block.family), "0")).join("");
}

function referenceContains(outer: Block, inner: Block): boolean {
  if (outer.family !== inner.family || outer.prefix > inner.prefix) return false;
  return bitString(outer).slice(0, outer.prefix) === bitString(inner).slice(0, outer.prefix);
}

function fromBits(family: 4 | 6, bits: string, prefix: number): Block {
  const width = partBits(family);
  const parts = Array.from({ length: bits.length / width }, (_, index) => Number.parseInt(bits.slice(index * width, (index + 1) * width), 2));
  return { family, parts, prefix };
}

function ipv4Text(block: Block): string {
  return `${block.parts.join(".")}/${block.prefix}`;
}

/** One of the many ways to write an IPv6 block: leading zeros, letter case, "::" over any zero run, dotted tail. */
interface Ipv6Style {
  readonly upper: boolean;
  readonly padded: boolean;
  readonly compressAt: number;
  readonly dottedTail: boolean;
}

function ipv6Text(block: Block, style: Ipv6Style): string {
  const groups = block.parts;
  const hex = groups.map((group) => {
    const text = style.padded ? group.toString(16).padStart(4, "0") : group.toString(16);
    return style.upper ? text.toUpperCase() : text;
  });
  let tail: string[] = [];
  let head = hex;
  if (style.dottedTail) {
    const [high, low] = [groups[6] as number, groups[7] as number];
    tail = [[high >> 8, high & 0xff, low >> 8, low & 0xff].join(".")];
    head = hex.slice(0, 6);
  }
  // Compress the zero run that starts at or after compressAt, if there is one inside the hex groups.
  const start = head.findIndex((_, index) => index >= style.compressAt && groups[index] === 0);
  if (start >= 0) {
    let end = start;
    while (end < head.length && groups[end] === 0) end++;
    const left = head.slice(0, start).join(":");
    const right = [...head.slice(end), ...tail].join(":");
    return `${left}::${right}/${block.prefix}`;
  }
  return `${[...head, ...tail].join(":")}/${block.prefix}`;
}

const ipv4Block = fc.record({
  family: fc.constant(4 as const),
  parts: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }),
  prefix: fc.integer({ min: 0, max: 32 }),
});

// Zero groups are common in real IPv6 addresses and are what "::" compresses, so draw them often.
const ipv6Group = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff }), fc.constant(0xffff));
const ipv6Block = fc.record({
  family: fc.constant(6 as const),
  parts: fc.array(ipv6Group, { minLength: 8, maxLength: 8 }),
  prefix: fc.integer({ min: 0, max: 128 }),
});

const ipv6Style = fc.record({ upper: fc.boolean(), padded: fc.boolean(), compressAt: fc.integer({ min: 0, max: 8 }), dottedTail: fc.boolean() });

function text(block: Block, style: Ipv6Style = { upper: false, padded: false, compressAt: 8, dottedTail: false }): string {
  return block.family === 4 ? ipv4Text(block) : ipv6Text(block, style);
}

/** A block and one inside or near it: the inner one shares a random-length run of the outer's leading bits. */
const relatedPair = fc.oneof(ipv4Block, ipv6Block).chain((outer) =>
  fc
    .record({
      shared: fc.integer({ min: 0, max: addressBits(outer.family) }),
      rest: fc.array(fc.boolean(), { minLength: addressBits(outer.family), maxLength: addressBits(outer.family) }),
      prefix: fc.integer({ min: 0, max: addressBits(outer.family) }),
    })
    .map(({ shared, rest, prefix }) => {
      const bits = bitString(outer).slice(0, shared) + rest.slice(shared).map((bit) => (bit ? "1" : "0")).join("");
      return { outer, inner: fromBits(outer.family, bits, prefix) };
    }),
);

describe("parseCidr", () => {
  it("reads every way of writing an IPv6 block as the same address", () => {
    fc.assert(
      fc.property(ipv6Block, ipv6Style, ipv6Style, (block, styleA, styleB) => {
        const a = parseCidr(ipv6Text(block, styleA));
        const b = parseCidr(ipv6Text(block, styleB));
        expect(a.address).toBe(b.address);
        expect(a.address.toString(2).padStart(128, "0")).toBe(bitString(block));
        expect(a.canonical).toBe(b.canonical);
      }),
    );
  });

  it("reads IPv4 blocks bit for bit and clears host bits into the network", () => {
    fc.assert(
      fc.property(ipv4Block, (block) => {
        const cidr = parseCidr(ipv4Text(block));
        expect(cidr.family).toBe(4);
        expect(cidr.address.toString(2).padStart(32, "0")).toBe(bitString(block));
        const networkBits = bitString(block).slice(0, block.prefix).padEnd(32, "0");
        expect(cidr.network.toString(2).padStart(32, "0")).toBe(networkBits);
        expect(cidr.hostBitsSet).toBe(networkBits !== bitString(block));
        expect(cidr.canonical).toBe(ipv4Text(fromBits(4, networkBits, block.prefix)));
      }),
    );
  });

  it("writes canonical text that parses back to the same block", () => {
    fc.assert(
      fc.property(fc.oneof(ipv4Block, ipv6Block), ipv6Style, (block, style) => {
        const cidr = parseCidr(text(block, style));
        const again = parseCidr(cidr.canonical);
        expect(again.network).toBe(cidr.network);
        expect(again.prefixLength).toBe(block.prefix);
        expect(again.hostBitsSet).toBe(false);
        expect(again.canonical).toBe(cidr.canonical);
      }),
    );
  });

  it.each([
    ["2001:0db8:0000:0000:0000:ff00:0042:8329/128", "2001:db8::ff00:42:8329/128"],
    ["2001:db8:0:0:1:0:0:1/128", "2001:db8::1:0:0:1/128"],
    ["2001:db8:0:1:1:1:1:1/128", "2001:db8:0:1:1:1:1:1/128"],
    ["2001:DB8::1/32", "2001:db8::/32"],
    ["::ffff:192.0.2.1/128", "::ffff:c000:201/128"],
    ["::/0", "::/0"],
    ["1::/16", "1::/16"],
    [" 10.1.2.3/8 ", "10.0.0.0/8"],
  ])("writes %s canonically (RFC 5952 for IPv6) as %s", (input, canonical) => {
    expect(parseCidr(input).canonical).toBe(canonical);
  });

  it("keeps the text as given, trimmed, and says whether host bits were set", () => {
    const cidr = parseCidr(" 10.0.0.1/8 ");
    expect(cidr).toMatchObject({ text: "10.0.0.1/8", family: 4, prefixLength: 8, hostBitsSet: true, canonical: "10.0.0.0/8" });
    expect(parseCidr("10.0.0.0/8").hostBitsSet).toBe(false);
  });

  it.each([
    ["10.0.0.0", "has no prefix length"],
    ["2001:db8::", "has no prefix length"],
    ["", "has no prefix length"],
    ["/8", "invalid IPv4 address"],
    ["10.0.0/8", "invalid IPv4 address"],
    ["10.0.0.0.0/8", "invalid IPv4 address"],
    ["256.0.0.0/8", "invalid IPv4 address"],
    ["010.0.0.0/8", "invalid IPv4 address"],
    ["10.0.0.-1/8", "invalid IPv4 address"],
    ["a.b.c.d/8", "invalid IPv4 address"],
    ["10.0.0.0/33", "expected a whole number from 0 to 32 for IPv4"],
    ["10.0.0.0/08", "invalid prefix length"],
    ["10.0.0.0/", "invalid prefix length"],
    ["10.0.0.0/8/8", "invalid prefix length"],
    ["10.0.0.0/ 8", "invalid prefix length"],
    ["::/129", "expected a whole number from 0 to 128 for IPv6"],
    ["1::2::3/64", "invalid IPv6 address"],
    ["1:2:3:4:5:6:7:8::/64", "invalid IPv6 address"],
    ["1:2:3:4:5:6:7::8/64", "invalid IPv6 address"],
    ["1:2:3:4:5:6:7/64", "invalid IPv6 address"],
    ["1:2:3:4:5:6:7:8:9/64", "invalid IPv6 address"],
    ["12345::/64", "invalid IPv6 address"],
    ["g::/64", "invalid IPv6 address"],
    [":1::/64", "invalid IPv6 address"],
    ["1::2:/64", "invalid IPv6 address"],
    [":::/64", "invalid IPv6 address"],
    ["1.2.3.4::/64", "invalid IPv6 address"],
    ["::1.2.3.4:5/64", "invalid IPv6 address"],
    ["::256.0.0.1/64", "invalid IPv6 address"],
    ["1:2:3:4:5:6:7:1.2.3.4/64", "invalid IPv6 address"],
    ["fe80::1%eth0/64", "invalid IPv6 address"],
  ])("rejects %j: %s", (input, problem) => {
    expect(isValidCidr(input)).toBe(false);
    let thrown: unknown;
    try {
      parseCidr(input, "policy.endpoint.allowedPublicCidrs[3]");
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(CidrError);
    expect(thrown).toBeInstanceOf(ValidationError);
    const error = thrown as CidrError;
    expect(error.text).toBe(input);
    expect(error.issues).toEqual([{ path: "policy.endpoint.allowedPublicCidrs[3]", message: expect.stringContaining(JSON.stringify(input)) }]);
    expect(error.message).toContain(problem);
    expect(error.message).toContain("policy.endpoint.allowedPublicCidrs[3]");
  });

  it("rejects what is not a string, naming its type", () => {
    for (const value of [null, 42, undefined, {}]) {
      expect(isValidCidr(value)).toBe(false);
      expect(() => parseCidr(value as unknown as string, "cidrs[0]")).toThrow(CidrError);
    }
    expect(() => parseCidr(null as unknown as string)).toThrow(/is a null; expected a CIDR string/);
    expect(() => parseCidr(42 as unknown as string)).toThrow(/is a number; expected a CIDR string/);
  });

  it("accepts the valid forms", () => {
    for (const value of ["0.0.0.0/0", "255.255.255.255/32", "::/0", "::1/128", "::ffff:10.0.0.1/128", "1:2:3:4:5:6:7:8/128", "1:2:3:4:5:6::/96", "::2:3:4:5:6:7:8/128"]) {
      expect(isValidCidr(value)).toBe(true);
    }
  });
});

describe("cidrContains", () => {
  it("agrees with a bit-string comparison, for IPv4 and IPv6 alike", () => {
    fc.assert(
      fc.property(relatedPair, ipv6Style, ({ outer, inner }, style) => {
        expect(cidrContains(text(outer, style), text(inner, style))).toBe(referenceContains(outer, inner));
      }),
      { numRuns: 2000 },
    );
  });

  it("agrees with the reference on unrelated blocks, including across families", () => {
    fc.assert(
      fc.property(fc.oneof(ipv4Block, ipv6Block), fc.oneof(ipv4Block, ipv6Block), (outer, inner) => {
        expect(cidrContains(parseCidr(text(outer)), parseCidr(text(inner)))).toBe(referenceContains(outer, inner));
      }),
    );
  });

  it("agrees with listing every address of small IPv4 blocks", () => {
    fc.assert(
      fc.property(ipv4Block, fc.integer({ min: 26, max: 32 }), fc.integer({ min: 0, max: 32 }), (base, innerPrefix, outerPrefix) => {
        const inner = parseCidr(`${base.parts.join(".")}/${innerPrefix}`);
        const outer = parseCidr(`${base.parts.join(".")}/${outerPrefix}`);
        // Every address of the inner block, as a /32, checked against the outer block's numeric range.
        const first = inner.network;
        const count = Number(addressCount(inner));
        const outerFirst = outer.network;
        const outerLast = outer.network + addressCount(outer) - 1n;
        const everyAddressInside = Array.from({ length: count }, (_, offset) => first + BigInt(offset)).every(
          (address) => address >= outerFirst && address <= outerLast,
        );
        expect(cidrContains(outer, inner)).toBe(everyAddressInside);
        for (let offset = 0; offset < count; offset++) {
          const address = first + BigInt(offset);
          const dotted = [24n, 16n, 8n, 0n].map((shift) => String((address >> shift) & 255n)).join(".");
          expect(cidrContains(outer, `${dotted}/32`)).toBe(address >= outerFirst && address <= outerLast);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("is reflexive and transitive, and mutual containment means the same block", () => {
    fc.assert(
      fc.property(relatedPair, relatedPair, ({ outer: a, inner: b }, { inner: c }) => {
        const [x, y, z] = [parseCidr(text(a)), parseCidr(text(b)), parseCidr(text(c))];
        expect(cidrContains(x, x)).toBe(true);
        if (cidrContains(x, y) && cidrContains(y, z)) expect(cidrContains(x, z)).toBe(true);
        if (cidrContains(x, y) && cidrContains(y, x)) expect(x.canonical).toBe(y.canonical);
      }),
    );
  });

  it.each([
    ["10.0.0.0/8", "10.20.0.0/16", true],
    ["10.0.0.0/8", "11.0.0.0/16", false],
    ["10.20.0.0/16", "10.0.0.0/8", false],
    ["203.0.113.0/24", "203.0.113.77/32", true],
    ["203.0.113.0/25", "203.0.113.128/32", false],
    ["10.0.0.1/8", "10.255.255.255/32", true],
    ["2001:db8::/32", "2001:0db8:0:1::/64", true],
    ["2001:db8::/32", "2001:db9::/48", false],
    ["0.0.0.0/0", "::/0", false],
    ["::/0", "0.0.0.0/0", false],
    ["::/0", "::ffff:10.0.0.1/128", true],
    ["10.0.0.0/8", "::ffff:10.0.0.1/128", false],
  ])("%s contains %s: %s", (outer, inner, expected) => {
    expect(cidrContains(outer, inner)).toBe(expected);
  });
});

describe("isWorldOpen", () => {
  it("is true exactly for prefix 0, in either family and whatever the host bits", () => {
    fc.assert(
      fc.property(fc.oneof(ipv4Block, ipv6Block), (block) => {
        expect(isWorldOpen(text(block))).toBe(block.prefix === 0);
      }),
    );
    expect(isWorldOpen("0.0.0.0/0")).toBe(true);
    expect(isWorldOpen("::/0")).toBe(true);
    expect(isWorldOpen("1.2.3.4/0")).toBe(true);
    expect(isWorldOpen("0.0.0.0/1")).toBe(false);
    expect(isWorldOpen(parseCidr("128.0.0.0/1"))).toBe(false);
  });
});

describe("outsideAllowlist", () => {
  it("returns, as given and in order, the blocks no allowlist entry contains", () => {
    fc.assert(
      fc.property(fc.array(relatedPair, { maxLength: 6 }), fc.array(fc.oneof(ipv4Block, ipv6Block), { maxLength: 4 }), (pairs, extra) => {
        const allowlist = [...pairs.map((pair) => pair.outer), ...extra.slice(0, 2)];
        const cidrs = [...pairs.map((pair) => pair.inner), ...extra];
        const expected = cidrs.filter((block) => !allowlist.some((entry) => referenceContains(entry, block))).map((block) => text(block));
        expect(outsideAllowlist(cidrs.map((block) => text(block)), allowlist.map((block) => text(block)))).toEqual(expected);
      }),
    );
  });

  it("treats an empty allowlist as allowing nothing", () => {
    expect(outsideAllowlist(["203.0.113.0/24", "2001:db8::/48"], [])).toEqual(["203.0.113.0/24", "2001:db8::/48"]);
  });

  it("names the invalid entry and where it is", () => {
    expect(() => outsideAllowlist(["10.0.0.0/8", "nonsense"], ["10.0.0.0/8"])).toThrow(/cidrs\[1\]: "nonsense" has no prefix length/);
    expect(() => outsideAllowlist(["10.0.0.0/8"], ["10.0.0.0/40"])).toThrow(/allowlist\[0\]: "10.0.0.0\/40" has an invalid prefix length/);
  });
});

describe("addressCount", () => {
  it("is two to the power of the host bits", () => {
    expect(addressCount("10.0.0.0/8")).toBe(16_777_216n);
    expect(addressCount("203.0.113.7/32")).toBe(1n);
    expect(addressCount("::/0")).toBe(2n ** 128n);
    expect(addressCount(parseCidr("2001:db8::/64"))).toBe(2n ** 64n);
  });
});

describe("publicShare", () => {
  const FULL4 = 2n ** 32n;
  it.each([
    // [blocks, family, open addresses]: overlaps counted once, private and reserved ranges not counted.
    [["0.0.0.0/0"], 4, "all"],
    [["0.0.0.0/1", "128.0.0.0/1"], 4, "all"],
    [["0.0.0.0/1", "0.0.0.0/2", "128.0.0.0/1"], 4, "all"],
    [["10.0.0.0/8", "192.168.0.0/16"], 4, 0n],
    [["8.0.0.0/8"], 4, 2n ** 24n],
    [["8.0.0.0/8", "8.8.0.0/16"], 4, 2n ** 24n],
    [["203.0.113.0/24"], 4, 0n],
    [["198.51.100.7/32", "1.2.3.4/32"], 4, 1n],
    [["2001:db8::/32"], 6, 0n],
    [["::/0"], 6, "all"],
    [["2000::/3"], 6, "all"],
    [["0.0.0.0/0"], 6, 0n],
  ] as const)("%j (IPv%s) opens %s public addresses", (blocks, family, expected) => {
    const { open, total } = publicShare([...blocks], family);
    expect(open).toBe(expected === "all" ? total : expected);
  });

  it("counts the public IPv4 space without private, shared, loopback, link-local, documentation, multicast and reserved", () => {
    const { total } = publicShare([], 4);
    expect(total).toBeLessThan(FULL4);
    expect(total).toBe(FULL4 - 2n ** 24n * 3n - 2n ** 22n - 2n ** 16n * 2n - 2n ** 20n - 2n ** 8n * 4n - 2n ** 17n - 2n ** 29n);
  });
});
