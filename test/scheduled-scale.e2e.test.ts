// The digest at 1,000 clusters on the local system (deployed digest handler, simulator, DynamoDB Local, the SNS/SQS
// and S3 emulators): the SNS message stays within SNS's 256 KB limit by summarising, and the stored report holds
// every cluster.
import { afterAll, beforeAll, expect, it } from "vitest";
import { isoWeek } from "@eks-warden/core/digest";
import type { DigestReport } from "@eks-warden/core/voice";
import { renderDigest } from "@eks-warden/core/voice";
import { startLocalSystem, type LocalSystem } from "@eks-warden/local";
import { ensureLocalAws, stopLocalAws } from "../packages/core/test/aws/local-aws.ts";
import { uniformFleet } from "./support/fleets.ts";

/** SNS's limit for one message, attributes included. */
const SNS_MAX_BYTES = 262_144;
const NOW = new Date();
let system: LocalSystem;

beforeAll(async () => {
  await ensureLocalAws();
  system = await startLocalSystem({ aws: "environment", policy: {}, fleet: uniformFleet(1000, NOW, { regions: ["eu-west-1", "us-east-1"], nodegroups: 2, addons: 4 }) });
}, 120_000);

afterAll(async () => {
  await system?.stop();
  await stopLocalAws();
});

it("summarises 1,000 clusters within SNS's limit and stores all 1,000 in the report", async () => {
  const run = await system.digest();
  expect(run).toMatchObject({ regions: 2, clusters: 1000, unreadableClusters: 0, unreadableRegions: 0 });
  const [notification, ...others] = (await system.readNotifications()).filter((received) => received.attributes["kind"] === "digest");
  expect(others).toEqual([]);
  const digest = notification!.digest!;
  expect(digest.totals.clusters).toBe(1000);
  expect(digest.headline.clusters).toBe(1000);
  expect(digest.clusters.length).toBeGreaterThanOrEqual(20); // the most urgent, in full; the rest are counted
  expect(digest.clusters.length).toBeLessThan(1000);
  expect(notification!.text).toContain(`... and ${1000 - digest.clusters.length} more clusters in the full report`);
  expect(notification!.text).toContain(`Full report: s3://${system.reportBucket}/digests/${isoWeek(NOW)}.html`);

  const reports = await system.reports();
  const report = JSON.parse(reports.get(`digests/${isoWeek(NOW)}.json`)!) as DigestReport;
  expect(report.clusters).toHaveLength(1000);
  expect(new Set(report.clusters.map((cluster) => cluster.arn)).size).toBe(1000);
  // The browser report: one row per cluster, every one of the 1,000.
  expect(reports.get(`digests/${isoWeek(NOW)}.html`)!.match(/<tr data-account=/g)).toHaveLength(1000);
  // The message SNS received: rendered from this report by the same code, subject and attributes included.
  const rendered = renderDigest(report, digest.reportUri);
  const bytes = Buffer.byteLength(rendered.message) + Buffer.byteLength(rendered.subject) + Object.entries(rendered.attributes).reduce((sum, [name, value]) => sum + name.length + value.length + "String".length, 0);
  expect(bytes).toBeLessThanOrEqual(SNS_MAX_BYTES);
  expect(rendered.payload.clusters).toEqual(digest.clusters);
}, 600_000);
