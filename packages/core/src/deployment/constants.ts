// The deployment's own constants: handler paths, environment names, timeouts and queue settings, which the topology
// (topology.ts) is written with and the handlers read their environment by (packages/functions/src/lib/runtime.ts).
// Plain data only: no SDK, no CDK, no handler code.

/**
 * The functions: the SST handler (file from the repository root, without extension, then the export) and
 * the name each function goes by (service name, local Lambda context). The local system imports the same file.
 */
export const HANDLERS = {
  clusterEvent: { handler: "packages/functions/src/cluster-event.handler", name: "cluster-event" },
  settle: { handler: "packages/functions/src/settle.handler", name: "settle" },
  /** Tamper alerts (CloudTrail calls that would blind the monitor) and the daily heartbeat, to the health topic. */
  tamper: { handler: "packages/functions/src/tamper.handler", name: "tamper" },
  /** Scheduled (policy.schedules.sweep, daily by default): every cluster of every region through evaluateLive. */
  sweep: { handler: "packages/functions/src/sweep.handler", name: "sweep" },
  /** Scheduled (policy.schedules.digest, Mondays 08:00 UTC by default): the sweep, then the weekly digest. */
  digest: { handler: "packages/functions/src/digest.handler", name: "digest" },
  /** One health alert per dead letter of cluster-event or settle, then the letter is kept in an archive for redrive. */
  deadLetter: { handler: "packages/functions/src/dead-letter.handler", name: "dead-letter" },
} as const;

export type HandlerName = keyof typeof HANDLERS;

/**
 * How the handlers are bundled, beside SST's own options (the stack passes `alias` and `external` in `nodejs.esbuild`
 * and `splitting` as `nodejs.splitting`; bench/bundles.ts builds with both). `alias`: the SDK's default credential chain
 * is replaced by the environment provider, which is all Lambda needs (aws/lambda-credentials.ts); its paths resolve
 * from the project root, where SST runs. `splitting`: ESM code splitting, so the SDK clients only some events need
 * (aws/deferred/README.md) are chunks of their own, read only when first called, and the cold start does not load them.
 * `external`: when splitting, esbuild makes a chunk of every dynamic import even in code it drops; the SDK's
 * browser-only user-agent parser imports `bowser` (38 KiB) that way, from code no bundle keeps, so it is left out.
 */
export const HANDLER_BUNDLING = {
  alias: { "@aws-sdk/credential-provider-node": "./packages/core/src/aws/lambda-credentials.ts" },
  external: ["bowser"],
  splitting: true,
} as const;

/** Names of the environment variables the handlers read (runtime.ts) and the stack or the local system sets. */
export const FUNCTION_ENV = {
  /** The state table's name. */
  tableName: "TABLE_NAME",
  /** The alerts topic's ARN. */
  alertsTopicArn: "ALERTS_TOPIC_ARN",
  /** The settle queue's URL. */
  settleQueueUrl: "SETTLE_QUEUE_URL",
  /** The health topic's ARN: tamper alerts, heartbeats and alarms (its own key, apart from the alerts topic's). */
  healthTopicArn: "HEALTH_TOPIC_ARN",
  /** Days the state table keeps a cluster's history (DynamoDB TTL). */
  historyRetentionDays: "HISTORY_RETENTION_DAYS",
  /** The report bucket's name (digest only). */
  reportBucket: "REPORT_BUCKET",
  /** "true" only locally: the S3 emulator serves buckets by path (never set by the stack). */
  reportBucketPathStyle: "REPORT_BUCKET_PATH_STYLE",
  /** The deployment policy as JSON. */
  policy: "POLICY",
  /** Delay of the first settle check, whole seconds 0-900 (default: the pipeline's). */
  settleDelaySeconds: "SETTLE_DELAY_SECONDS",
  /** Upper bound of the growing delay between settle checks, whole seconds 0-900. */
  settleMaxDelaySeconds: "SETTLE_MAX_DELAY_SECONDS",
  /** Settle checks of one change before it counts as stuck. */
  settleMaxAttempts: "SETTLE_MAX_ATTEMPTS",
  /**
   * Only locally (never set by the stack): how far ahead of the handler's clock an event may be dated, whole seconds
   * (default 300). The local system's simulator runs a virtual clock that moves ahead of the real one.
   */
  maxEventAheadSeconds: "MAX_EVENT_AHEAD_SECONDS",
  /**
   * Only locally (never set by the stack): the share of real time the AWS clients' retry backoff and the sweep's
   * throttle backoff wait, above 0 and at most 1 (default 1), from the fleet's `faults.waitScale` (docs/faults.md).
   */
  localWaitScale: "LOCAL_WAIT_SCALE",
  /**
   * The IAM role of the function that remediates (settle): its CloudTrail events are recognised as the monitor's own
   * (recorded as auto-remediation, never remediated again). Set for both functions.
   */
  remediationRoleArn: "REMEDIATION_ROLE_ARN",
  /** The account the deployment runs in: with policy.accounts, the accounts whose events cluster-event judges. */
  deploymentAccount: "DEPLOYMENT_ACCOUNT",
  /**
   * tamper: what the stack deployed, as JSON (core/src/tamper/self-audit.ts PlumbingIntent): the daily self-audit
   * compares the live plumbing with it, and only the heartbeat rule it names may ask for one.
   */
  selfAudit: "SELF_AUDIT",
  /** dead-letter: the cluster-event function's dead-letter queue (ARN, as SQS event records name their queue). */
  clusterEventDeadLetterQueueArn: "CLUSTER_EVENT_DEAD_LETTER_QUEUE_ARN",
  /** dead-letter: the archive that keeps cluster-event dead letters for redrive (URL). */
  clusterEventDeadLetterArchiveUrl: "CLUSTER_EVENT_DEAD_LETTER_ARCHIVE_URL",
  /** dead-letter: the settle queue's dead-letter queue (ARN). */
  settleDeadLetterQueueArn: "SETTLE_DEAD_LETTER_QUEUE_ARN",
  /** dead-letter: the archive that keeps settle dead letters for redrive (URL). */
  settleDeadLetterArchiveUrl: "SETTLE_DEAD_LETTER_ARCHIVE_URL",
  /** Powertools: the service name in every log line and metric. */
  serviceName: "POWERTOOLS_SERVICE_NAME",
  /** Powertools: the CloudWatch metrics namespace. */
  metricsNamespace: "POWERTOOLS_METRICS_NAMESPACE",
  /** Powertools: log level. */
  logLevel: "LOG_LEVEL",
} as const;

export type FunctionEnvName = (typeof FUNCTION_ENV)[keyof typeof FUNCTION_ENV];

/** The metrics namespace deployed functions publish to. */
export const METRICS_NAMESPACE = "EksWarden";

/** The real-time functions' timeout. */
export const FUNCTION_TIMEOUT_SECONDS = 60;

/** The scheduled functions (sweep, digest): Lambda's maximum, for a fleet of 1,000 clusters and EKS's throttling. */
export const SCHEDULED_FUNCTION_TIMEOUT_SECONDS = 900;

/** Clusters the scheduled functions evaluate at once: bounded, to stay within EKS's request rate. */
export const SWEEP_CONCURRENCY = 8;

/** Days the state table keeps a cluster's history (DynamoDB TTL) unless the deployment configuration says otherwise. */
export const DEFAULT_HISTORY_RETENTION_DAYS = 400;

/** Where the digest writes its full reports in the report bucket (the digest function may write only there). */
export const REPORT_PREFIX = "digests/";

/** Days the report bucket keeps reports (and noncurrent versions) before its lifecycle rule expires them. */
export const REPORT_RETENTION_DAYS = 400;

/** The settle queue feeding the `settle` function, and its dead-letter queue. */
export const SETTLE_QUEUE = {
  /** First settle check this long after the change started; the worker re-queues with its own delay until terminal. */
  deliveryDelaySeconds: 30,
  /** Lambda's advice for SQS event sources: at least six times the function timeout, so retries do not overlap. */
  visibilityTimeoutSeconds: FUNCTION_TIMEOUT_SECONDS * 6,
  /** Deliveries of one settle message before it is parked in the dead-letter queue. */
  maxReceiveCount: 5,
  /** Messages per invocation of `settle` (the event source mapping's batch size). */
  batchSize: 10,
  /** `settle` reports failed messages one by one (batchItemFailures), so the others are not retried with them. */
  reportBatchItemFailures: true,
} as const;

/**
 * The event queue between the EventBridge rules and `cluster-event`: only those rules may send to it (its policy), so
 * nothing but EventBridge feeds the event path (a direct Lambda invocation is no longer a way in).
 */
export const CLUSTER_EVENT_QUEUE = {
  /** Lambda's advice for SQS event sources: at least six times the function timeout, so retries do not overlap. */
  visibilityTimeoutSeconds: FUNCTION_TIMEOUT_SECONDS * 6,
  /** Deliveries of one event (the first and two retries, as Lambda's asynchronous retries were) before its dead-letter queue. */
  maxReceiveCount: 3,
  /** Events per invocation of `cluster-event` (the event source mapping's batch size), handled one at a time, in order. */
  batchSize: 10,
  /** `cluster-event` reports failed events one by one (batchItemFailures), so the others are not retried with them. */
  reportBatchItemFailures: true,
} as const;

/**
 * The dead-letter queues of cluster-event and settle, their consumer (`dead-letter`) and the archives behind them
 * (docs/threat-model.md, path 22). Each dead letter gets one health alert and is then copied to its archive, which is
 * also the dead-letter queue's own redrive target: a letter whose alert cannot be published is moved there by SQS
 * after `maxReceiveCount` tries, so no letter is lost whether the consumer works or not.
 */
export const DEAD_LETTER_QUEUES = {
  /** Tries of the consumer on one dead letter before SQS moves it to the archive unannounced (its errors are alarmed). */
  maxReceiveCount: 5,
  /**
   * The settle dead-letter queue's own redrive count. SQS keeps a message's receive count when its redrive moves it, so
   * a settle check arrives there already received `SETTLE_QUEUE.maxReceiveCount + 1` times: counted on top of those,
   * the consumer still gets its 5 tries (and 5 more if SQS ever reset the count, never fewer).
   */
  settleMaxReceiveCount: SETTLE_QUEUE.maxReceiveCount + 1 + 5,
  /** The same for the cluster-event dead-letter queue, which the event queue's redrive feeds. */
  clusterEventMaxReceiveCount: CLUSTER_EVENT_QUEUE.maxReceiveCount + 1 + 5,
  /** At least the consumer's timeout (Lambda refuses an event source whose queue hides messages for less), times six. */
  visibilityTimeoutSeconds: FUNCTION_TIMEOUT_SECONDS * 6,
  /** SQS's maximum: the archive keeps a letter this long after it was copied there. */
  retentionDays: 14,
  /** One letter per invocation: each alert and copy stands alone, a failure retries that letter only. */
  batchSize: 1,
} as const;

/** The state table's keys and TTL attribute, as the store (aws/dynamodb.ts) reads and writes them: the stack and the local system create it so. */
export const STATE_TABLE_KEY_SCHEMA = {
  AttributeDefinitions: [
    { AttributeName: "pk", AttributeType: "S" },
    { AttributeName: "sk", AttributeType: "S" },
  ],
  KeySchema: [
    { AttributeName: "pk", KeyType: "HASH" },
    { AttributeName: "sk", KeyType: "RANGE" },
  ],
  TimeToLiveAttribute: "expiresAt",
} as const;
