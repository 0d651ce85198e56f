// A smoke run of the benchmarks (bench/), so they keep working, asserting what is deterministic: bundle sizes, AWS
// calls per event, and the EKS calls of a scan. Import times are too noisy for CI: `npm run bench` prints them beside their targets.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BUNDLE_TARGET_BYTES, buildBundles, buildFloors, FLOOR_ENTRIES, OWN_CODE_FLOOR } from "../bench/bundles.ts";
import { CALL_TARGETS, measureCallsPerEvent } from "../bench/calls.ts";
import { measureScan } from "../bench/scan.ts";

/**
 * The bundles' ceiling today, on everything deployed (the entry and all its chunks). The target is BUNDLE_TARGET_BYTES
 * (350 KiB), below what the SDK v3 clients the handlers call take alone (the floor: `npm run bench -- bundles`); this
 * guards against growth until the SDK's share shrinks. Set at 600 KiB before auto-remediation and exemption governance
 * landed (the settle bundle grew to 613 KiB with them), then to 740 KiB with the SSM client the AMI rule needs, then to
 * 680 KiB when core's schemas moved to zod/mini (settle 660 KiB, cluster-event 641 KiB), then to 720 KiB with the STS
 * client that reads and remediates member accounts through their roles (settle 704 KiB, cluster-event 685 KiB): no
 * more than ~16 KiB of new code gets in unnoticed. Split into chunks (aws/deferred/README.md): settle 702 KiB deployed.
 * Then to 900 KiB with the Security Hub client (its chunk is 168 KiB: BatchImportFindings carries the whole ASFF
 * schema), loaded only when a finding is exported, never at a cold start (settle 878 KiB, cluster-event 867 KiB).
 * Then to 920 KiB with the access rules (issue 19: four rules, their collector reads, parsers, alert wording; ~12 KiB
 * minified): cluster-event 909 KiB, settle 907 KiB deployed.
 */
const BUNDLE_BUDGET_BYTES = 920 * 1024;

/**
 * What a cold import reads (the entry and its static chunks): settle 520 KiB, cluster-event 500 KiB when set at 536.
 * Raised to 548 KiB when settle reached 536.75 KiB with this round's code on its cold path (the Security Hub mapping
 * and staged outbox, the forged-settle check, the flapping hold, the external id's parameter read), ~12 KiB above it
 * again as before; the SDK clients only some events call stay out (the next test).
 * Raised to 564 KiB with the access rules (issue 19): cluster-event 559 KiB, settle 557 KiB. Of the ~12 KiB, 10.6 are
 * the four rule files, their shared lib and the normaliser of access entries, which every evaluation needs at hand: the
 * rule registry is synchronous by design (evaluate, affected-rules, the sweep judge every rule they are given), so a
 * lazy rule would make every caller async. Moving the collector's access reads alone to a deferred chunk would save
 * ~3 KiB and still leave it above 548. ~5 KiB of headroom, as before.
 */
const COLD_IMPORT_BUDGET_BYTES = 564 * 1024;

/** The SDK clients only some events call: their adapters load them on first use, never at a cold start. */
const DEFERRED_CLIENTS = ["@aws-sdk/client-sns", "@aws-sdk/client-sqs", "@aws-sdk/client-ssm", "@aws-sdk/client-sts", "@aws-sdk/client-securityhub"];

describe("benchmarks (smoke)", () => {
  const outDir = mkdtempSync(join(tmpdir(), "warden-bench-test-"));
  const floorDir = mkdtempSync(join(tmpdir(), "warden-bench-floors-"));
  afterAll(() => {
    rmSync(outDir, { recursive: true, force: true });
    rmSync(floorDir, { recursive: true, force: true });
  });

  // Both bundle tests read the same build.
  let handlerBundles: ReturnType<typeof buildBundles> | undefined;
  const bundlesBuiltOnce = () => (handlerBundles ??= buildBundles(outDir));

  it("builds every handler as SST deploys it, within the budget, without the SDK's default credential chain", async () => {
    const bundles = await bundlesBuiltOnce();
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

  it("keeps the SDK clients only some events call out of the cold start, and deploys everything the chunks import", async () => {
    for (const bundle of await bundlesBuiltOnce()) {
      expect(bundle.importBytes, bundle.handler).toBeLessThanOrEqual(COLD_IMPORT_BUDGET_BYTES);
      const coldImport = bundle.importContributors.map((item) => item.name);
      expect(coldImport, bundle.handler).toEqual(expect.arrayContaining(["@aws-sdk/client-eks", "@aws-sdk/client-dynamodb"]));
      for (const deferred of DEFERRED_CLIENTS) {
        expect(coldImport, `${bundle.handler} loads ${deferred} at its cold start`).not.toContain(deferred);
        expect(bundle.contributors.map((item) => item.name), `${bundle.handler} deploys ${deferred}`).toContain(deferred);
      }
      // Lambda provides Node's built-ins and nothing else: a package left outside the bundle (HANDLER_BUNDLING.external) must never be imported.
      expect(bundle.externals.filter((specifier) => !specifier.startsWith("node:")), bundle.handler).toEqual([]);
    }
  }, 120_000);

  it("measures a floor above the size target: the SDK clients every event calls plus the handler's own code", async () => {
    const floors = await buildFloors(floorDir);
    const everyEventClients = floors.find((floor) => floor.handler === FLOOR_ENTRIES[1].name);
    const ownCode = floors.find((floor) => floor.handler === OWN_CODE_FLOOR);
    // Both built apart, so neither holds the other's code: together they are less than any handler can read at a cold start.
    expect(everyEventClients!.contributors.map((item) => item.name)).not.toContain("packages/core/src/rules");
    expect(ownCode!.contributors.filter((item) => item.name.startsWith("@aws-sdk/") || item.name.startsWith("@smithy/"))).toEqual([]);
    // If this fails, the SDK shrank: revisit the size target (docs/benchmarks.md) and lower BUNDLE_BUDGET_BYTES.
    expect(everyEventClients!.bytes + ownCode!.bytes).toBeGreaterThan(BUNDLE_TARGET_BYTES);
  }, 120_000);

  it("makes at most the target's AWS calls per event, every read included", async () => {
    const figures = await measureCallsPerEvent();
    const targeted = figures.filter((figure) => figure.target !== undefined);
    expect(targeted.map((figure) => figure.target)).toEqual([CALL_TARGETS.tagResource, CALL_TARGETS.openEndpoint, CALL_TARGETS.settle, CALL_TARGETS.accessGrant]);
    for (const figure of targeted) expect(figure.total, figure.scenario).toBeLessThanOrEqual(figure.target!);
    // A tag EKS Warden does not read: the cluster rules alone, so no node-group, add-on or insight reads.
    expect(Object.keys(targeted[0]?.calls ?? {}).sort()).toEqual(["dynamodb:PutItem", "dynamodb:Query", "dynamodb:TransactWriteItems", "eks:DescribeCluster"]);
    // Exactly one state read and one transaction on each path; one Publish and one SendMessage for the opening.
    for (const figure of targeted) expect(figure.calls).toMatchObject({ "dynamodb:Query": 1, "dynamodb:TransactWriteItems": 1 });
    expect(targeted[1]?.calls).toMatchObject({ "sns:Publish": 1, "sqs:SendMessage": 1 });
    // An access grant reads the access entries alone (no node groups, add-ons, insights, identity providers, catalogue),
    // publishes its alert and deletes its outbox entry: each call once.
    expect(targeted[3]?.calls).toEqual({
      "dynamodb:PutItem": 1,
      "eks:DescribeCluster": 1,
      "eks:ListAccessEntries": 1,
      "eks:DescribeAccessEntry": 1,
      "eks:ListAssociatedAccessPolicies": 1,
      "dynamodb:Query": 1,
      "dynamodb:TransactWriteItems": 1,
      "sns:Publish": 1,
      "dynamodb:DeleteItem": 1,
    });
  }, 120_000);

  it("scans with the EKS calls the rules need: DescribeInsight only for the insights in ERROR or WARNING", async () => {
    // 30 clusters of the bench's fleet (bench/scan.ts measures 300): 4 insights each, one failing on 2 clusters in 3.
    const [everyRule, endpointOnly, accessOnly] = await measureScan(30, 1);
    expect(everyRule?.eksCalls).toEqual({
      DescribeAddon: 120,
      DescribeAddonVersions: 16,
      DescribeCluster: 30,
      DescribeClusterVersions: 1,
      DescribeInsight: 20,
      DescribeNodegroup: 60,
      ListAddons: 30,
      // The bench's clusters are on access entries (authenticationMode API, test/support/fleets.ts): the access rules
      // list their entries (none, so no DescribeAccessEntry) and their identity providers, one call each per cluster.
      ListAccessEntries: 30,
      ListClusters: 1,
      ListIdentityProviderConfigs: 30,
      ListInsights: 30,
      ListNodegroups: 30,
    });
    expect(endpointOnly?.eksCalls).toEqual({ DescribeCluster: 30, ListClusters: 1 });
    // The cluster-admin rule reads the cluster record and the access entries alone (the fleet's clusters have none).
    expect(accessOnly?.eksCalls).toEqual({ DescribeCluster: 30, ListAccessEntries: 30, ListClusters: 1 });
  }, 180_000);
});
