// The scan's report written in chunks (output/json-stream.ts): byte for byte what JSON.stringify(value, null, 2)
// wrote before, never the whole fleet in one string, and paced by the stream it is written to.
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import type { Finding } from "@eks-warden/core";
import { jsonChunks, StreamedArray, writeChunks } from "../src/output/json-stream.ts";
import { renderScanJson, scanJsonChunks, type ScanReport } from "../src/output/scan-report.ts";
import { streamedSarif, toSarif } from "../src/output/sarif.ts";

const stringified = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

function finding(index: number, status: Finding["status"]): Finding {
  const clusterArn = `arn:aws:eks:eu-west-1:111111111111:cluster/c-${index}`;
  return {
    ruleId: "endpoint-public-access",
    clusterArn,
    status,
    severity: "CRITICAL",
    message: `cluster c-${index} "quoted"\nwith a line break and ünicode`,
    evidence: { publicAccessCidrs: ["0.0.0.0/0"], nested: { empty: [], none: {} }, at: new Date(Date.UTC(2026, 0, index + 1)) },
    remediation: { text: "Make it private.", command: `aws eks update-cluster-config --name c-${index}` },
    ...(status === "EXEMPT" && { exemption: { until: "2027-06-30", reason: "vendor", source: "policy", expired: false } }),
  } as unknown as Finding;
}

function report(clusters: number, extra: Partial<ScanReport> = {}): ScanReport {
  return {
    account: "111111111111",
    memberAccounts: [],
    regions: ["eu-west-1"],
    startedAt: new Date("2026-12-08T00:00:00.000Z"),
    clusters: Array.from({ length: clusters }, (_, index) => ({
      cluster: { arn: `arn:aws:eks:eu-west-1:111111111111:cluster/c-${index}`, account: "111111111111", region: "eu-west-1", name: `c-${index}` },
      findings: [finding(index, "FAIL"), finding(index, "PASS"), finding(index, "EXEMPT")],
    })),
    problems: [],
    ...extra,
  };
}

describe("jsonChunks", () => {
  it("writes exactly JSON.stringify(value, null, 2), a streamed array as the array it stands for", () => {
    const values: unknown[] = [
      { a: 1, list: new StreamedArray([{ b: [1, 2, { c: "d\n" }] }, 3, "x", null]), after: { deep: new StreamedArray([[], {}, [new StreamedArray([1])]]) } },
      { skipped: undefined, fn: () => 1, list: new StreamedArray([undefined, () => 2, 4]), date: new Date(0) },
      { empty: new StreamedArray([]), emptyObject: {}, emptyArray: [] },
      new StreamedArray([]),
      new StreamedArray([{ x: 1 }]),
      [1, new StreamedArray(["a"]), "b"],
      { plain: { nothing: "streamed", n: [1, 2] } },
      "text",
      42,
      null,
    ];
    for (const value of values) {
      const expected = stringified(JSON.parse(JSON.stringify(value, (_key, member: unknown) => (member instanceof StreamedArray ? [...member.items] : member))));
      expect([...jsonChunks(value)].join("")).toBe(expected);
    }
  });

  it("makes a streamed array's elements one at a time, as they are written", () => {
    let made = 0;
    const elements = function* () {
      for (let index = 0; index < 3; index += 1) {
        made += 1;
        yield { index };
      }
    };
    const chunks = jsonChunks({ items: new StreamedArray(elements()) });
    const seen: number[] = [];
    for (const _chunk of chunks) seen.push(made);
    // The first chunks come before any element is made, the last after all: never all made up front.
    expect(seen[0]).toBe(0);
    expect(seen.at(-1)).toBe(3);
  });
});

describe("the scan's report in chunks", () => {
  it("is byte for byte the JSON the scan printed before (one JSON.stringify of the whole report)", () => {
    const cases = [report(0), report(3), report(2, { memberAccounts: ["222222222222"], problems: [{ scope: "eu-west-1/x", message: "AccessDenied" }] }), report(1, { account: undefined } as Partial<ScanReport>)];
    for (const scan of cases) {
      const counts = new Map<string, number>();
      for (const { findings } of scan.clusters) for (const { status } of findings) counts.set(status, (counts.get(status) ?? 0) + 1);
      // What renderScanJson wrote before it was streamed.
      const before = stringified({
        ...(scan.account && { account: scan.account }),
        ...(scan.memberAccounts.length > 0 && { memberAccounts: scan.memberAccounts }),
        regions: scan.regions,
        scannedAt: scan.startedAt.toISOString(),
        summary: { clusters: scan.clusters.length, ...Object.fromEntries(counts), notScanned: scan.problems.length },
        clusters: scan.clusters.map(({ cluster, findings }) => ({
          ...cluster,
          findings: findings.map(({ ruleId, status, severity, message, evidence, remediation, exemption }) => ({ ruleId, status, severity, message, evidence, remediation, ...(exemption && { exemption }) })),
        })),
        problems: scan.problems,
      });
      expect([...scanJsonChunks(scan)].join("")).toBe(before);
      expect(renderScanJson(scan)).toBe(before);
    }
  });

  it("never holds a fleet's JSON in one string: no chunk is larger than one cluster's", () => {
    const fleet = report(500);
    const whole = renderScanJson(fleet).length;
    const largest = Math.max(...[...scanJsonChunks(fleet)].map((chunk) => chunk.length));
    expect(largest).toBeLessThan(whole / 100);
  });

  it("writes SARIF streamed as toSarif's log", () => {
    const scan = report(4, { problems: [{ scope: "us-east-1", message: "Throttled" }] });
    const input = { rules: [], clusters: scan.clusters, problems: scan.problems, toolVersion: "1.0.0", startedAt: scan.startedAt, endedAt: scan.startedAt };
    expect([...jsonChunks(streamedSarif(input))].join("")).toBe(stringified(toSarif(input)));
  });
});

describe("writeChunks", () => {
  it("waits for the stream to drain when it is full, and writes every chunk in order", async () => {
    const received: string[] = [];
    let waits = 0;
    const slow = new Writable({
      highWaterMark: 16,
      write(chunk: Buffer, _encoding, done) {
        received.push(chunk.toString());
        setImmediate(done);
      },
    });
    slow.on("drain", () => (waits += 1));
    const chunks = Array.from({ length: 40 }, (_, index) => `${String(index).padStart(4, "0")}:${"x".repeat(4000)}\n`);
    await writeChunks(slow, chunks);
    expect(received.join("")).toBe(chunks.join(""));
    // Batched (about 64 KiB a write, not a write per chunk) and paced: the stream drained between writes.
    expect(received.length).toBeLessThan(chunks.length);
    expect(waits).toBeGreaterThan(0);
  });
});
