// The scheduled path end to end on the local system: the deployed `sweep` and `digest` handlers on the simulator (two
// regions), DynamoDB Local, the SNS/SQS emulator and the S3 emulator of the test run. A lost CloudTrail event is caught
// by the next sweep with exactly one alert; the weekly digest lists exactly the drift since last week, in urgency
// order, the same under 20% throttling, and says which region it could not read.
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoStateStore } from "@eks-warden/core/aws";
import { isoWeek } from "@eks-warden/core/digest";
import type { DigestSummary } from "@eks-warden/core/voice";
import { startLocalSystem, type LocalSystem, type ReceivedNotification } from "@eks-warden/local";
import { ensureLocalAws, stopLocalAws } from "../packages/core/test/aws/local-aws.ts";
import { FLEET_ACCOUNT, fleetOf } from "./support/fleets.ts";

const NOW = new Date();
const MINUTE = 60_000;
let system: LocalSystem;

const arn = (region: string, name: string) => `arn:aws:eks:${region}:${FLEET_ACCOUNT}:cluster/${name}`;

beforeAll(async () => {
  await ensureLocalAws();
  system = await startLocalSystem({
    aws: "environment",
    policy: {},
    fleet: fleetOf(
      [
        { name: "payments", region: "eu-west-1", version: "1.35" },
        { name: "legacy", region: "eu-west-1", version: "1.29" },
        { name: "web", region: "eu-west-1", version: "1.34", open: true },
        { name: "gone-soon", region: "eu-west-1", version: "1.35" },
        { name: "batch", region: "us-east-1", version: "1.32" },
        { name: "analytics", region: "us-east-1", version: "1.35" },
        { name: "old-api", region: "us-east-1", version: "1.33", supportType: "STANDARD" },
      ],
      NOW,
    ),
  });
}, 120_000);

afterAll(async () => {
  await system?.stop();
  await stopLocalAws();
});

const call = (operation: string, input: Record<string, unknown>, region = "eu-west-1") => system.callEks(operation, input, { region });

async function digestNow(): Promise<ReceivedNotification & { digest: DigestSummary }> {
  await system.readNotifications();
  await system.digest();
  const digests = (await system.readNotifications()).filter((notification) => notification.attributes["kind"] === "digest");
  expect(digests).toHaveLength(1);
  return digests[0] as ReceivedNotification & { digest: DigestSummary };
}

/** What must not change between two digests of the same fleet (everything but when it was made and where it is). */
const comparable = (summary: DigestSummary) => ({ headline: summary.headline, changes: summary.changes, clusters: summary.clusters, couldNotRead: summary.couldNotRead, previousWeek: summary.previousWeek });

describe("the sweep", () => {
  it("catches a change whose CloudTrail event was lost with exactly one alert, found by the scheduled sweep", async () => {
    await system.sweep();
    await system.readNotifications();
    await system.callEks("UpdateClusterConfig", { name: "payments", resourcesVpcConfig: { endpointPublicAccess: true, publicAccessCidrs: ["0.0.0.0/0"] } }, { region: "eu-west-1" });
    await system.takeEvents(); // lost: never delivered to cluster-event
    await system.advance(15 * MINUTE);
    expect(await system.readNotifications()).toEqual([]);
    const run = await system.sweep();
    expect(run).toMatchObject({ regions: 2, unreadableRegions: 0, clusters: 7, unreadableClusters: 0, closed: 0 });
    const alerts = await system.readNotifications();
    expect(alerts.map((alert) => [alert.attributes["cluster"], alert.attributes["ruleId"], alert.attributes["transition"]])).toEqual([["payments", "endpoint-public-access", "OPENED"]]);
    expect(alerts[0]!.text).toContain("Who:          no CloudTrail event: found by the scheduled sweep");
    await system.sweep();
    expect(await system.readNotifications()).toEqual([]);
    // Put it back (delivered this time), so the digest below starts from a known fleet.
    await call("UpdateClusterConfig", { name: "payments", resourcesVpcConfig: { endpointPublicAccess: false } });
    await system.advance(15 * MINUTE);
  }, 120_000);
});

describe("the weekly digest", () => {
  let first: DigestSummary;
  let firstRequests = 0;

  it("compares this week with last week: exactly the expected drift, clusters in urgency order", async () => {
    // Last week: the digest of the fleet as it was, filed under last week.
    const baseline = await digestNow();
    expect(baseline.digest.previousWeek).toBeUndefined();
    const store = new DynamoStateStore({ tableName: system.tableName });
    const thisWeek = isoWeek(NOW);
    const lastWeek = isoWeek(new Date(NOW.getTime() - 7 * 86_400_000));
    const snapshot = await store.previousDigest(isoWeek(new Date(NOW.getTime() + 7 * 86_400_000)));
    expect(snapshot?.week).toBe(thisWeek);
    await store.saveDigest({ ...snapshot!, week: lastWeek });
    // Its counts for the report's chart, filed under last week the same way.
    const [baselineCounts] = await store.digestHistory(isoWeek(new Date(NOW.getTime() + 7 * 86_400_000)), 1);
    expect(baselineCounts?.week).toBe(thisWeek);
    await store.saveDigestCounts({ ...baselineCounts!, week: lastWeek });

    // The week: analytics opened to the world, web closed, gone-soon deleted, old-api upgraded, newcomer created.
    await call("UpdateClusterConfig", { name: "analytics", resourcesVpcConfig: { endpointPublicAccess: true, publicAccessCidrs: ["0.0.0.0/0"] } }, "us-east-1");
    await call("UpdateClusterConfig", { name: "web", resourcesVpcConfig: { endpointPublicAccess: false } });
    await call("DeleteCluster", { name: "gone-soon" });
    await call("UpdateClusterVersion", { name: "old-api", version: "1.34" }, "us-east-1");
    await call(
      "CreateCluster",
      {
        name: "newcomer",
        version: "1.35",
        roleArn: `arn:aws:iam::${FLEET_ACCOUNT}:role/eks`,
        resourcesVpcConfig: { subnetIds: ["subnet-0a", "subnet-0b"], endpointPublicAccess: false, endpointPrivateAccess: true },
        logging: { clusterLogging: [{ types: ["api", "audit", "authenticator", "controllerManager", "scheduler"], enabled: true }] },
        upgradePolicy: { supportType: "STANDARD" },
        // Created as a well-run cluster is: access entries only, no bootstrap admin for its creator.
        accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: false },
      },
      "us-east-1",
    );
    for (let round = 0; round < 8; round += 1) await system.advance(15 * MINUTE);

    const before = system.simulator.calls.total();
    const { digest, text, subject } = await digestNow();
    firstRequests = system.simulator.calls.total() - before;
    first = digest;
    expect(digest.previousWeek).toBe(lastWeek);
    expect(digest.changes).toEqual({
      opened: [{ clusterArn: arn("us-east-1", "analytics"), cluster: "analytics", region: "us-east-1", ruleId: "endpoint-public-access", severity: "CRITICAL" }, expect.objectContaining({ cluster: "old-api", ruleId: "version-support", severity: "MEDIUM" })],
      closed: [expect.objectContaining({ cluster: "old-api", ruleId: "version-drift" }), { clusterArn: arn("eu-west-1", "web"), cluster: "web", region: "eu-west-1", ruleId: "endpoint-public-access", severity: "CRITICAL" }],
      added: [{ arn: arn("us-east-1", "newcomer"), name: "newcomer", region: "us-east-1" }],
      removed: [{ arn: arn("eu-west-1", "gone-soon"), name: "gone-soon", region: "eu-west-1" }],
      upgraded: [{ arn: arn("us-east-1", "old-api"), name: "old-api", region: "us-east-1", from: "1.33", to: "1.34" }],
    });
    // Unsupported first, then the worst open finding (analytics, just opened to the world, before batch in paid extended
    // support, before old-api's MEDIUM), then days to the end of support (1.34: 20 days of standard), then the name.
    expect(digest.clusters.map((cluster) => [cluster.name, cluster.version, cluster.support.state, cluster.support.daysToEnd])).toEqual([
      ["legacy", "1.29", "UNSUPPORTED", -366],
      ["analytics", "1.35", "STANDARD_SUPPORT", 399],
      ["batch", "1.32", "EXTENDED_SUPPORT", 39],
      ["old-api", "1.34", "STANDARD_SUPPORT", 19],
      ["web", "1.34", "STANDARD_SUPPORT", 19],
      ["newcomer", "1.35", "STANDARD_SUPPORT", 399],
      ["payments", "1.35", "STANDARD_SUPPORT", 399],
    ]);
    expect(digest.clusters.slice(1, 4).map((cluster) => cluster.worstSeverity)).toEqual(["CRITICAL", expect.stringMatching(/^(HIGH|MEDIUM)$/), "MEDIUM"]);
    expect(digest.clusters.find((cluster) => cluster.name === "analytics")!.endpoint.map((finding) => finding.ruleId)).toEqual(["endpoint-public-access"]);
    expect(digest.clusters.find((cluster) => cluster.name === "batch")!.cost).toEqual({ perClusterHourUsd: 0.6, extendedExtraMonthlyUsd: 365 });
    expect(digest.clusters.find((cluster) => cluster.name === "web")!.cost).toMatchObject({ perClusterHourUsd: 0.1, extendedExtraMonthlyUsd: 365 });
    expect(digest.clusters.find((cluster) => cluster.name === "old-api")!.cost).toEqual({ perClusterHourUsd: 0.1, extendedExtraMonthlyUsd: 0 });
    expect(digest.headline).toMatchObject({ clusters: 7, regions: 2, unsupported: 1, extendedSupport: 1, findingsOpened: 2, findingsClosed: 2, clustersAdded: 1, clustersRemoved: 1, versionsUpgraded: 1, couldNotRead: 0, extendedSupportMonthlyUsd: 730 });
    expect(subject).toMatch(/^\[DIGEST\] EKS Warden \d{4}-W\d{2}: 7 clusters, /);
    expect(digest.reportUri).toBe(`s3://${system.reportBucket}/digests/${thisWeek}.html`);
    expect(text).toContain("Findings opened:\n    analytics (us-east-1) endpoint-public-access CRITICAL");
    expect(text).toContain("Clusters removed:\n    gone-soon (eu-west-1)");
    const reports = await system.reports();
    expect(JSON.parse(reports.get(`digests/${thisWeek}.json`)!).clusters).toHaveLength(7);
    const page = reports.get(`digests/${thisWeek}.html`)!;
    expect(page).toContain("<h1>EKS Warden weekly digest");
    // The chart: last week's stored counts, then this week's, each the open (FAIL) findings of its digest.
    const open = (clusters: readonly { failing: readonly unknown[] }[]) => clusters.reduce((sum, cluster) => sum + cluster.failing.length, 0);
    const bars = [...page.matchAll(/<g class="week" data-week="([^"]+)" data-total="(\d+)">/g)].map((match) => [match[1], Number(match[2])]);
    expect(bars).toEqual([
      [lastWeek, open(baseline.digest.clusters)],
      [thisWeek, open(digest.clusters)],
    ]);
    // The message carries the SHA-256 of the report the digest stored, read back here from the S3 emulator.
    expect(text).toContain(`Report SHA-256: ${createHash("sha256").update(page, "utf8").digest("hex")}\n`);
  }, 240_000);

  it("is the same digest under 20% throttling (the SDK's retries and the sweep's backoff absorb it)", async () => {
    system.simulator.faults.seed(20);
    system.simulator.faults.set("*", { throttleRate: 0.2 });
    try {
      const before = system.simulator.calls.total();
      const { digest } = await digestNow();
      // Throttled requests were retried: more requests reached EKS for the same logical calls.
      expect(system.simulator.calls.total() - before).toBeGreaterThan(firstRequests * 1.1);
      expect(comparable(digest)).toEqual(comparable(first));
    } finally {
      system.simulator.faults.clear();
    }
  }, 240_000);

  it("is sent with an explicit 'could not read' section when a region cannot be listed, and closes nothing there", async () => {
    system.simulator.faults.failNext("ListClusters", 1, { errorType: "AccessDeniedException", status: 403, message: "not authorized to perform eks:ListClusters" });
    const { digest, text } = await digestNow();
    expect(digest.couldNotRead).toEqual({ accounts: [], regions: [{ region: "eu-west-1", problem: expect.stringMatching(/AccessDenied/) }], clusters: [] });
    expect(digest.clusters.map((cluster) => cluster.region)).not.toContain("eu-west-1");
    // eu-west-1's clusters are carried over from last week, not removed (gone-soon too: unread, it cannot be called gone).
    expect(digest.changes.removed).toEqual([]);
    expect(digest.changes.opened.map((change) => change.cluster)).toEqual(["analytics", "old-api"]);
    expect(text).toContain("COULD NOT READ (not counted as removed; last week's state kept; nothing closed):\n  region eu-west-1: ");
    for (const name of ["payments", "legacy", "web"]) expect((await system.readState(arn("eu-west-1", name))).some((record) => record.closed)).toBe(false);
  }, 240_000);
});
