// Test support: the shared real CloudTrail records, wrapped in the EventBridge envelope their README describes.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** <repo>/../shared/fixtures: CI clones the repo beside shared/, as on the development machines. */
export function fixturePath(relative: string): string {
  return fileURLToPath(new URL(`../../../../../shared/fixtures/${relative}`, import.meta.url));
}

export function readCloudTrailRecord(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(fixturePath(`cloudtrail/${file}`), "utf8")) as Record<string, unknown>;
}

export function eventBridgeEnvelope(detail: Record<string, unknown>, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    version: "0",
    id: `eb-${String(detail.eventID ?? "unknown")}`,
    "detail-type": "AWS API Call via CloudTrail",
    source: "aws.eks",
    account: String(detail.recipientAccountId ?? "999999999999"),
    time: String(detail.eventTime ?? "2024-03-08T14:09:42Z"),
    region: String(detail.awsRegion ?? "ap-northeast-2"),
    resources: [],
    detail,
    ...overrides,
  };
}

export const CREATE_CLUSTER_OPEN_WORLD = "CreateCluster.console.public-open-world.json";
export const UPDATE_CLUSTER_CONFIG_PRIVATE = "UpdateClusterConfig.console.private-only.json";
