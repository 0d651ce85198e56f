// The IAM actions the real-time adapters call, kept beside them so the stack grants exactly these (with the rules'
// own `permissions`, see rules/index.ts permissionsFor) on the function's own resources. No SDK import: the stack
// reads this at synth time.

/** EksCollector.collect (DescribeCluster, node groups, add-ons, the version catalogue). */
export const EKS_COLLECT_ACTIONS = [
  "eks:DescribeCluster",
  "eks:ListNodegroups",
  "eks:DescribeNodegroup",
  "eks:ListAddons",
  "eks:DescribeAddon",
  "eks:DescribeClusterVersions",
] as const;

/** EksCollector.clusterNames (ListClusters): the inventory of `eks-warden scan` and the sweep; no real-time function. */
export const EKS_INVENTORY_ACTIONS = ["eks:ListClusters"] as const;

/** EksCollector.describeUpdate: the settle worker only. */
export const EKS_SETTLE_ACTIONS = ["eks:DescribeUpdate"] as const;

/** DynamoStateStore: Query for state/history, PutItem/UpdateItem/DeleteItem for claims and history; a
 * TransactWriteItems is authorised per item by the same PutItem (and ConditionCheckItem) actions. */
export const STATE_TABLE_ACTIONS = ["dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem"] as const;

/** SnsNotifier, on the alerts topic (and kms:GenerateDataKey/Decrypt on its key when the topic is encrypted). */
export const ALERTS_TOPIC_ACTIONS = ["sns:Publish"] as const;

/** SqsSettleQueue, on the settle queue: cluster-event queues the first check, settle re-queues its own. */
export const SETTLE_QUEUE_SEND_ACTIONS = ["sqs:SendMessage"] as const;

export const REALTIME_FUNCTION_ACTIONS = {
  clusterEvent: { eks: EKS_COLLECT_ACTIONS, table: STATE_TABLE_ACTIONS, topic: ALERTS_TOPIC_ACTIONS, settleQueue: SETTLE_QUEUE_SEND_ACTIONS },
  settle: { eks: [...EKS_COLLECT_ACTIONS, ...EKS_SETTLE_ACTIONS], table: STATE_TABLE_ACTIONS, topic: ALERTS_TOPIC_ACTIONS, settleQueue: SETTLE_QUEUE_SEND_ACTIONS },
} as const;

/** DynamoStateStore.openClusters: the sweep's daily Scan for clusters with open state (no real-time function). */
export const STATE_TABLE_SCAN_ACTIONS = ["dynamodb:Scan"] as const;

/** S3ReportStore.put: the digest writes its full report under the report prefix of the stack's bucket. */
export const REPORT_BUCKET_ACTIONS = ["s3:PutObject"] as const;

/** The scheduled functions: the inventory (ListClusters), the collector, the table (+ Scan), the topic; the digest also writes the report. */
export const SCHEDULED_FUNCTION_ACTIONS = {
  sweep: { eks: [...EKS_INVENTORY_ACTIONS, ...EKS_COLLECT_ACTIONS], table: [...STATE_TABLE_ACTIONS, ...STATE_TABLE_SCAN_ACTIONS], topic: ALERTS_TOPIC_ACTIONS, reportBucket: [] as readonly string[] },
  digest: { eks: [...EKS_INVENTORY_ACTIONS, ...EKS_COLLECT_ACTIONS], table: [...STATE_TABLE_ACTIONS, ...STATE_TABLE_SCAN_ACTIONS], topic: ALERTS_TOPIC_ACTIONS, reportBucket: REPORT_BUCKET_ACTIONS },
} as const;
