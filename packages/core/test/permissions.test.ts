// The declared IAM actions must cover every SDK command the adapters send: read from the adapters' own source, so
// a new command without its permission fails here rather than in a deployed function with AccessDenied.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DATA_KINDS } from "../src/model.ts";
import {
  actionsForReads,
  ALERTS_TOPIC_ACTIONS,
  readsClosure,
  EKS_COLLECT_ACTIONS,
  EKS_INVENTORY_ACTIONS,
  EKS_REMEDIATION_ACTIONS,
  EKS_SETTLE_ACTIONS,
  REPORT_BUCKET_ACTIONS,
  SCHEDULED_FUNCTION_ACTIONS,
  SETTLE_QUEUE_SEND_ACTIONS,
  SSM_COLLECT_ACTIONS,
  STATE_TABLE_ACTIONS,
  STATE_TABLE_SCAN_ACTIONS,
  SSM_EXTERNAL_ID_ACTIONS,
  SELF_AUDIT_ACTIONS,
} from "../src/permissions.ts";

function commandsSent(adapter: string): string[] {
  const source = readFileSync(new URL(`../src/aws/${adapter}.ts`, import.meta.url), "utf8");
  return [...new Set([...source.matchAll(/new (?:\w+\.)?(\w+)Command\(/g)].map((match) => match[1]!))].sort();
}

describe("adapter permissions", () => {
  it("cover every EKS, DynamoDB, SNS and SQS command the adapters send, and nothing uses a wildcard", () => {
    expect(commandsSent("eks").map((name) => `eks:${name}`).sort()).toEqual([...EKS_COLLECT_ACTIONS, ...EKS_SETTLE_ACTIONS, ...EKS_INVENTORY_ACTIONS, ...EKS_REMEDIATION_ACTIONS].sort());
    // The real-time functions' table actions, and the Scan only the scheduled functions are granted.
    const table = new Set<string>([...STATE_TABLE_ACTIONS, ...STATE_TABLE_SCAN_ACTIONS]);
    for (const command of commandsSent("dynamodb")) {
      const action = command === "TransactWrite" ? "dynamodb:PutItem" : `dynamodb:${command.replace(/^(Put|Update|Delete)$/, "$1Item")}`;
      expect(table.has(action), action).toBe(true);
    }
    expect(commandsSent("ssm").map((name) => `ssm:${name}`)).toEqual([...SSM_EXTERNAL_ID_ACTIONS, ...SSM_COLLECT_ACTIONS].sort());
    const selfAudit = Object.values(SELF_AUDIT_ACTIONS).flat();
    expect(commandsSent("sns").map((name) => `sns:${name}`)).toEqual([...ALERTS_TOPIC_ACTIONS, ...selfAudit.filter((action) => action.startsWith("sns:"))].sort());
    for (const [adapter, service] of [["events", "events"], ["lambda", "lambda"], ["scheduler", "scheduler"], ["kms", "kms"], ["cloudtrail", "cloudtrail"]] as const) {
      expect(commandsSent(adapter).map((name) => `${service}:${name}`), adapter).toEqual(selfAudit.filter((action) => action.startsWith(`${service}:`)).sort());
    }
    for (const action of selfAudit) expect(action).not.toContain("*");
    expect(commandsSent("sqs").map((name) => `sqs:${name}`)).toEqual([...SETTLE_QUEUE_SEND_ACTIONS]);
    expect(commandsSent("s3").map((name) => `s3:${name}`)).toEqual([...REPORT_BUCKET_ACTIONS]);
    for (const action of [...EKS_COLLECT_ACTIONS, ...STATE_TABLE_ACTIONS]) expect(action).not.toContain("*");
  });

  it("give the scheduled functions the inventory, the collector, the table with its Scan, the topic; S3 to the digest only", () => {
    for (const name of ["sweep", "digest"] as const) {
      const declared = SCHEDULED_FUNCTION_ACTIONS[name];
      expect([...declared.eks].sort()).toEqual([...EKS_INVENTORY_ACTIONS, ...EKS_COLLECT_ACTIONS, ...SSM_COLLECT_ACTIONS].sort());
      expect(declared.table).toEqual([...STATE_TABLE_ACTIONS, ...STATE_TABLE_SCAN_ACTIONS]);
      expect(declared.topic).toEqual(ALERTS_TOPIC_ACTIONS);
      for (const action of [...declared.eks, ...declared.table, ...declared.topic, ...declared.reportBucket]) expect(action).not.toContain("*");
    }
    expect(SCHEDULED_FUNCTION_ACTIONS.sweep.reportBucket).toEqual([]);
    expect(SCHEDULED_FUNCTION_ACTIONS.digest.reportBucket).toEqual(["s3:PutObject"]);
  });
});

describe("the IAM actions of each kind of data", () => {
  it("are defined once, and a kind brings what it needs: add-on versions the add-ons, AMI releases the node groups", () => {
    expect(actionsForReads([])).toEqual(["eks:DescribeCluster"]);
    expect([...readsClosure(["addonVersions"])].sort()).toEqual(["addonVersions", "addons", "cluster"]);
    expect(actionsForReads(["amiReleases"])).toEqual(["eks:DescribeCluster", "eks:DescribeNodegroup", "eks:ListNodegroups", "ssm:GetParameters"]);
    expect(actionsForReads(DATA_KINDS)).toEqual([...new Set([...EKS_COLLECT_ACTIONS, ...SSM_COLLECT_ACTIONS])].sort());
  });
});
