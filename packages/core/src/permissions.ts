// The IAM actions the AWS adapters (aws/) call, as data: the rules derive their `permissions` from it and the stack
// grants exactly these on the functions' own resources. No SDK import, so the rules and the stack read it without
// loading an adapter; test/permissions.test.ts holds it to the commands the adapters send.

import type { DataKind } from "./model.ts";

/**
 * The IAM actions of each kind of data the collector reads (EksCollector.collect), defined once: a rule's
 * `permissions` and every function's grant follow from the kinds it reads.
 */
export const DATA_KIND_ACTIONS: Readonly<Record<DataKind, readonly string[]>> = {
  cluster: ["eks:DescribeCluster"],
  versionCatalogue: ["eks:DescribeClusterVersions"],
  nodegroups: ["eks:ListNodegroups", "eks:DescribeNodegroup"],
  addons: ["eks:ListAddons", "eks:DescribeAddon"],
  // Reading the catalogue of an add-on needs the add-ons and the cluster's version first (DATA_KIND_NEEDS).
  addonVersions: ["eks:DescribeAddonVersions"],
  amiReleases: ["ssm:GetParameters"],
  // DescribeInsight only of the insights in ERROR or WARNING: their recommendation is what the finding tells.
  insights: ["eks:ListInsights", "eks:DescribeInsight"],
  // Each entry described and its associated policies listed: who holds what power in the cluster.
  accessEntries: ["eks:ListAccessEntries", "eks:DescribeAccessEntry", "eks:ListAssociatedAccessPolicies"],
  identityProviders: ["eks:ListIdentityProviderConfigs", "eks:DescribeIdentityProviderConfig"],
};

/** Data that can only be read after other data: the collector reads these too. */
export const DATA_KIND_NEEDS: Readonly<Partial<Record<DataKind, readonly DataKind[]>>> = {
  addonVersions: ["addons"],
  amiReleases: ["nodegroups"],
};

/** The kinds to read for `reads`: themselves, what they need, and the cluster record (always read). */
export function readsClosure(reads: Iterable<DataKind>): Set<DataKind> {
  const closed = new Set<DataKind>(["cluster"]);
  const add = (kind: DataKind): void => {
    if (closed.has(kind)) return;
    closed.add(kind);
    for (const needed of DATA_KIND_NEEDS[kind] ?? []) add(needed);
  };
  for (const kind of reads) add(kind);
  return closed;
}

/** Sorted, unique IAM actions that reading `reads` (with what they need) takes. */
export function actionsForReads(reads: Iterable<DataKind>): string[] {
  return [...new Set([...readsClosure(reads)].flatMap((kind) => DATA_KIND_ACTIONS[kind]))].sort();
}

/** EksCollector.collect of every kind of data: the EKS actions among them (ssm:GetParameters is the SSM adapter's). */
export const EKS_COLLECT_ACTIONS: readonly string[] = Object.values(DATA_KIND_ACTIONS)
  .flat()
  .filter((action) => action.startsWith("eks:"));

/** SsmParameters.values (GetParameters on the AMI release parameters). */
export const SSM_COLLECT_ACTIONS = ["ssm:GetParameters"] as const;

/** SsmParameters.secureString (GetParameter, decrypted): the member accounts' external ids, on exactly their parameters. */
export const SSM_EXTERNAL_ID_ACTIONS = ["ssm:GetParameter"] as const;

/** EksCollector.clusterNames (ListClusters): the inventory of `eks-warden scan` and the sweep; no real-time function. */
export const EKS_INVENTORY_ACTIONS = ["eks:ListClusters"] as const;

/** EksCollector.describeUpdate: the settle worker only. */
export const EKS_SETTLE_ACTIONS = ["eks:DescribeUpdate"] as const;

/**
 * EksCollector.updateClusterConfig: auto-remediation, the one EKS write. Granted by the stack only under `enforce`,
 * to the settle function alone, with Deny statements on opted-out and exempt clusters (stacks/Warden.ts).
 */
export const EKS_REMEDIATION_ACTIONS = ["eks:UpdateClusterConfig"] as const;

/** DynamoStateStore: Query for state/history, PutItem/UpdateItem/DeleteItem for claims and history; a
 * TransactWriteItems is authorised per item by the same PutItem/UpdateItem/DeleteItem actions. No
 * ConditionCheckItem: the store writes no ConditionCheck item (its conditions ride on the writes themselves). */
export const STATE_TABLE_ACTIONS = ["dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"] as const;

/** SnsPublisher, on the alerts topic (and kms:GenerateDataKey/Decrypt on its key when the topic is encrypted). */
export const ALERTS_TOPIC_ACTIONS = ["sns:Publish"] as const;

/** SqsSettleQueue, on the settle queue: cluster-event queues the first check, settle re-queues its own. */
export const SETTLE_QUEUE_SEND_ACTIONS = ["sqs:SendMessage"] as const;

/**
 * SecurityHubImporter, on the account's default product in each Security Hub region (policy.securityHub): only the
 * functions that write state (real time, settle, sweep), and only when the export is enabled.
 */
export const SECURITY_HUB_IMPORT_ACTIONS = ["securityhub:BatchImportFindings"] as const;

export const REALTIME_FUNCTION_ACTIONS = {
  clusterEvent: { eks: [...EKS_COLLECT_ACTIONS, ...SSM_COLLECT_ACTIONS], table: STATE_TABLE_ACTIONS, topic: ALERTS_TOPIC_ACTIONS, settleQueue: SETTLE_QUEUE_SEND_ACTIONS, securityHub: SECURITY_HUB_IMPORT_ACTIONS },
  settle: { eks: [...EKS_COLLECT_ACTIONS, ...SSM_COLLECT_ACTIONS, ...EKS_SETTLE_ACTIONS], table: STATE_TABLE_ACTIONS, topic: ALERTS_TOPIC_ACTIONS, settleQueue: SETTLE_QUEUE_SEND_ACTIONS, securityHub: SECURITY_HUB_IMPORT_ACTIONS },
} as const;

/** DynamoStateStore.openClusters: the sweep's daily Scan for clusters with open state (no real-time function). */
export const STATE_TABLE_SCAN_ACTIONS = ["dynamodb:Scan"] as const;

/** S3ReportStore.put: the digest writes its full report under the report prefix of the stack's bucket. */
export const REPORT_BUCKET_ACTIONS = ["s3:PutObject"] as const;

/** The scheduled functions: the inventory (ListClusters), the collector (with its SSM reads), the table (+ Scan), the topic; the digest also writes the report. */
export const SCHEDULED_FUNCTION_ACTIONS = {
  sweep: { eks: [...EKS_INVENTORY_ACTIONS, ...EKS_COLLECT_ACTIONS, ...SSM_COLLECT_ACTIONS], table: [...STATE_TABLE_ACTIONS, ...STATE_TABLE_SCAN_ACTIONS], topic: ALERTS_TOPIC_ACTIONS, reportBucket: [] as readonly string[], securityHub: SECURITY_HUB_IMPORT_ACTIONS },
  digest: { eks: [...EKS_INVENTORY_ACTIONS, ...EKS_COLLECT_ACTIONS, ...SSM_COLLECT_ACTIONS], table: [...STATE_TABLE_ACTIONS, ...STATE_TABLE_SCAN_ACTIONS], topic: ALERTS_TOPIC_ACTIONS, reportBucket: REPORT_BUCKET_ACTIONS },
} as const;

/**
 * The self-audit's reads (tamper/self-audit-collect.ts, through the EventBridge, Lambda, Scheduler, KMS, SNS and
 * CloudTrail adapters), granted to `tamper` alone, each on the stack's own resources (stacks/warden/grants.ts).
 * `unscoped`: the two reads the Service Authorization Reference gives no resource type, so their only resource is "*":
 * a subscription's attributes (its filter policy) and the list of the region's trails.
 */
export const SELF_AUDIT_ACTIONS = {
  rules: ["events:DescribeRule"],
  eventSourceMappings: ["lambda:GetEventSourceMapping"],
  schedules: ["scheduler:GetSchedule"],
  keys: ["kms:DescribeKey"],
  topics: ["sns:GetTopicAttributes", "sns:ListSubscriptionsByTopic"],
  trails: ["cloudtrail:GetTrailStatus", "cloudtrail:GetEventSelectors"],
  unscoped: ["sns:GetSubscriptionAttributes", "cloudtrail:DescribeTrails"],
} as const;
