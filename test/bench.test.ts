// A smoke run of the benchmarks (bench/), so they keep working, asserting what is deterministic: bundle sizes, AWS
// calls per event, and the EKS calls of a scan. Import times are too noisy for CI: `npm run bench` prints them beside their targets.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BUNDLE_TARGET_BYTES, buildBundles } from "../bench/bundles.ts";
import { CALL_TARGETS, measureCallsPerEvent } from "../bench/calls.ts";
import { measureScan } from "../bench/scan.ts";

/**
 * The bundles' ceiling today. The target is BUNDLE_TARGET_BYTES (350 KiB), below what the five SDK v3 clients the
 * handlers call take alone (439 KiB with the environment credential provider, measured with esbuild's metafile): this
 * guards against growth until the SDK's share shrinks. Set at 600 KiB before auto-remediation and exemption governance landed (the
 * settle bundle grew to 613 KiB with them), then to 740 KiB with the SSM client the AMI rule needs, then to 680 KiB
 * when core's schemas moved to zod/mini (settle 660 KiB, cluster-event 641 KiB), then to 720 KiB with the STS client
 * that reads and remediates member accounts through their roles (AssumeRole in the real-time handlers: settle 704 KiB,
 * cluster-event 685 KiB): no more than ~16 KiB of new code gets in unnoticed.
 */
const BUNDLE_BUDGET_BYTES = 720 * 1024;

describe("benchmarks (smoke)", () => {
  const outDir = mkdtempSync(join(tmpdir(), "warden-bench-test-"));
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it("builds every handler as SST deploys it, within the budget, without the SDK's default credential chain", async () => {
    const bundles = await buildBundles(outDir);
    expect(bundles.map((bundle) => bundle.handler)).toEqual(["cluster-event", "settle"]);
    expect(BUNDLE_BUDGET_BYTES).toBeGreaterThan(BUNDLE_TARGET_BYTES);
    for (const bundle of bundles) {
      expect(bundle.bytes).toBeLessThanOrEqual(BUNDLE_BUDGET_BYTES);
      const packages = bundle.contributors.map((item) => item.name);
      for (const unused of ["@aws-sdk/nested-clients", "@aws-sdk/credential-provider-ini", "@aws-sdk/credential-provider-sso", "@smithy/credential-provider-imds"]) {
        expect(packages).not.toContain(unused);
      }
    }
  }, 120_000);

  it("makes at most the target's AWS calls per event, every read included", async () => {
    const figures = await measureCallsPerEvent();
    const targeted = figures.filter((figure) => figure.target !== undefined);
    expect(targeted.map((figure) => figure.target)).toEqual([CALL_TARGETS.tagResource, CALL_TARGETS.openEndpoint, CALL_TARGETS.settle]);
    for (const figure of targeted) expect(figure.total, figure.scenario).toBeLessThanOrEqual(figure.target!);
    // A tag EKS Warden does not read: the cluster rules alone, so no node-group, add-on or insight reads.
    expect(Object.keys(targeted[0]?.calls ?? {}).sort()).toEqual(["dynamodb:PutItem", "dynamodb:Query", "dynamodb:TransactWriteItems", "eks:DescribeCluster"]);
    // Exactly one state read and one transaction on each path; one Publish and one SendMessage for the opening.
    for (const figure of targeted) expect(figure.calls).toMatchObject({ "dynamodb:Query": 1, "dynamodb:TransactWriteItems": 1 });
    expect(targeted[1]?.calls).toMatchObject({ "sns:Publish": 1, "sqs:SendMessage": 1 });
  }, 120_000);

  it("scans with the EKS calls the rules need: DescribeInsight only for the insights in ERROR or WARNING", async () => {
    // 30 clusters of the bench's fleet (bench/scan.ts measures 300): 4 insights each, one failing on 2 clusters in 3.
    const [everyRule, endpointOnly] = await measureScan(30, 1);
    expect(everyRule?.eksCalls).toEqual({
      DescribeAddon: 120,
      DescribeAddonVersions: 16,
      DescribeCluster: 30,
      DescribeClusterVersions: 1,
      DescribeInsight: 20,
      DescribeNodegroup: 60,
      ListAddons: 30,
      ListClusters: 1,
      ListInsights: 30,
      ListNodegroups: 30,
    });
    expect(endpointOnly?.eksCalls).toEqual({ DescribeCluster: 30, ListClusters: 1 });
  }, 180_000);
});
