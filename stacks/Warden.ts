// EKS Warden's AWS resources and their wiring (docs/design.md, data flow 1-8): the state table, the alerts topic, the
// EventBridge rule feeding `cluster-event`, the settle queue feeding `settle`, the two EventBridge Scheduler schedules
// feeding `sweep` (daily) and `digest` (weekly), the report bucket, their dead-letter queues, and the alarms that tell
// the alerts topic when something is stuck. Nothing else lives here.
import { Aws, CfnOutput, Duration, RemovalPolicy } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as events from "aws-cdk-lib/aws-events";
import * as targets from "aws-cdk-lib/aws-events-targets";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import * as logs from "aws-cdk-lib/aws-logs";
import * as s3 from "aws-cdk-lib/aws-s3";
import * as scheduler from "aws-cdk-lib/aws-scheduler";
import * as sns from "aws-cdk-lib/aws-sns";
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { NagSuppressions } from "cdk-nag";
import { Function as SstFunction, type Stack, type StackContext } from "sst/constructs";
import { useProject } from "sst/project.js";
import {
  CLUSTER_EVENT_INVOCATION,
  clusterEventPattern,
  FUNCTION_ENV,
  FUNCTION_TIMEOUT_SECONDS,
  HANDLERS as DEPLOYED_HANDLERS,
  METRICS_NAMESPACE,
  REPORT_PREFIX,
  REPORT_RETENTION_DAYS,
  SCHEDULED_FUNCTION_TIMEOUT_SECONDS,
  SETTLE_QUEUE,
  STATE_TABLE_KEY_SCHEMA,
} from "@eks-warden/core/deployment";
import { permissionsFor } from "@eks-warden/core/rules/index";
import { loadDeploymentConfig, type DeploymentConfig } from "./config.ts";
import { REALTIME_FUNCTION_ACTIONS, SCHEDULED_FUNCTION_ACTIONS } from "@eks-warden/core/aws/permissions";
import { REMEDIATION_ACTIONS, scopeActions } from "./permissions.ts";

/** SST handler paths, from the deployment constants the local system wires the same handlers from. */
export const HANDLERS = {
  clusterEvent: DEPLOYED_HANDLERS.clusterEvent.handler,
  settle: DEPLOYED_HANDLERS.settle.handler,
  sweep: DEPLOYED_HANDLERS.sweep.handler,
  digest: DEPLOYED_HANDLERS.digest.handler,
} as const;

/** Lambda's limit on the total size of a function's environment variables. */
const LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4 * 1024;

// KMS key policies cannot use "kms:*" here (no wildcard action anywhere), so the account's own administration of the
// key is spelt out: every KMS operation on a key, delegated to IAM policies in this account.
const KEY_ADMINISTRATION_ACTIONS = [
  "kms:CancelKeyDeletion", "kms:CreateAlias", "kms:CreateGrant", "kms:Decrypt", "kms:DeleteAlias", "kms:DescribeKey",
  "kms:DisableKey", "kms:DisableKeyRotation", "kms:EnableKey", "kms:EnableKeyRotation", "kms:Encrypt",
  "kms:GenerateDataKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListAliases", "kms:ListGrants",
  "kms:ListKeyPolicies", "kms:ListKeyRotations", "kms:ListResourceTags", "kms:PutKeyPolicy", "kms:ReEncryptFrom",
  "kms:ReEncryptTo", "kms:RetireGrant", "kms:RevokeGrant", "kms:RotateKeyOnDemand", "kms:ScheduleKeyDeletion",
  "kms:TagResource", "kms:UntagResource", "kms:UpdateAlias", "kms:UpdateKeyDescription",
];

/** What a client of a KMS-encrypted SNS topic needs on the key to publish (SNS encrypts with a data key). */
const TOPIC_PUBLISH_KEY_ACTIONS = ["kms:GenerateDataKey", "kms:Decrypt"];

function alertsKey(stack: Stack, removalPolicy: RemovalPolicy): kms.Key {
  const policy = new iam.PolicyDocument({
    statements: [
      new iam.PolicyStatement({
        sid: "AccountAdministersTheKey",
        principals: [new iam.AccountRootPrincipal()],
        actions: KEY_ADMINISTRATION_ACTIONS,
        resources: ["*"],
      }),
      new iam.PolicyStatement({
        sid: "AlarmsAndEventBridgePublishToTheEncryptedTopic",
        principals: [new iam.ServicePrincipal("cloudwatch.amazonaws.com"), new iam.ServicePrincipal("events.amazonaws.com")],
        actions: TOPIC_PUBLISH_KEY_ACTIONS,
        resources: ["*"],
      }),
    ],
  });
  return new kms.Key(stack, "AlertsKey", {
    description: `EKS Warden ${stack.stage}: encrypts the alerts topic`,
    enableKeyRotation: true,
    policy,
    removalPolicy,
  });
}

function alertsTopic(stack: Stack, key: kms.Key, config: DeploymentConfig): sns.Topic {
  const topic = new sns.Topic(stack, "AlertsTopic", {
    displayName: "EKS Warden alerts",
    masterKey: key,
    // Adds the Deny on aws:SecureTransport=false: no alert travels in clear text.
    enforceSSL: true,
  });
  topic.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: "CloudWatchAlarmsOfThisAccountPublish",
      principals: [new iam.ServicePrincipal("cloudwatch.amazonaws.com")],
      actions: ["sns:Publish"],
      resources: [topic.topicArn],
      conditions: { ArnLike: { "aws:SourceArn": `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*` } },
    }),
  );
  topic.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: "EventBridgeRulesOfThisAccountPublish",
      principals: [new iam.ServicePrincipal("events.amazonaws.com")],
      actions: ["sns:Publish"],
      resources: [topic.topicArn],
      conditions: { StringEquals: { "aws:SourceAccount": Aws.ACCOUNT_ID } },
    }),
  );
  for (const email of config.policy.alertEmails) topic.addSubscription(new subscriptions.EmailSubscription(email));
  return topic;
}

function stateTable(stack: Stack, protectedStage: boolean): dynamodb.Table {
  const [partition, sort] = STATE_TABLE_KEY_SCHEMA.KeySchema;
  return new dynamodb.Table(stack, "StateTable", {
    partitionKey: { name: partition.AttributeName, type: dynamodb.AttributeType.STRING },
    sortKey: { name: sort.AttributeName, type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    timeToLiveAttribute: STATE_TABLE_KEY_SCHEMA.TimeToLiveAttribute,
    encryption: dynamodb.TableEncryption.AWS_MANAGED,
    deletionProtection: protectedStage,
    removalPolicy: protectedStage ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
  });
}

function queue(stack: Stack, id: string, props: sqs.QueueProps = {}): sqs.Queue {
  return new sqs.Queue(stack, id, {
    // SSE with SQS-owned keys: encrypted at rest with no KMS grants to manage for EventBridge and Lambda.
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
    ...props,
  });
}

function functionRole(stack: Stack, id: string, logGroup: logs.LogGroup): iam.Role {
  // An own role per function instead of the AWSLambdaBasicExecutionRole managed policy: logs go to this one group.
  const role = new iam.Role(stack, `${id}Role`, { assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com") });
  role.addToPolicy(
    new iam.PolicyStatement({
      sid: "WriteOwnLogs",
      actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
      resources: [logGroup.logGroupArn],
    }),
  );
  return role;
}

interface Wiring {
  readonly table: dynamodb.Table;
  readonly topic: sns.Topic;
  readonly key: kms.Key;
  readonly settleQueue: sqs.Queue;
  readonly config: DeploymentConfig;
  readonly removalPolicy: RemovalPolicy;
}

function wardenFunction(
  stack: Stack,
  id: string,
  name: keyof typeof HANDLERS,
  wiring: Wiring,
  extra: Partial<ConstructorParameters<typeof SstFunction>[2]> = {},
  scheduled?: { readonly reportBucket?: s3.Bucket },
) {
  const logGroup = new logs.LogGroup(stack, `${id}Logs`, {
    retention: wiring.config.logRetentionDays as logs.RetentionDays,
    removalPolicy: wiring.removalPolicy,
  });
  const role = functionRole(stack, id, logGroup);
  const environment: Record<string, string> = {
    [FUNCTION_ENV.tableName]: wiring.table.tableName,
    [FUNCTION_ENV.alertsTopicArn]: wiring.topic.topicArn,
    // The scheduled functions queue no settle check; the digest writes its report to the bucket.
    ...(scheduled ? {} : { [FUNCTION_ENV.settleQueueUrl]: wiring.settleQueue.queueUrl }),
    ...(scheduled?.reportBucket ? { [FUNCTION_ENV.reportBucket]: scheduled.reportBucket.bucketName } : {}),
    [FUNCTION_ENV.policy]: JSON.stringify(wiring.config.policy),
    [FUNCTION_ENV.serviceName]: `eks-warden-${DEPLOYED_HANDLERS[name].name}`,
    [FUNCTION_ENV.metricsNamespace]: METRICS_NAMESPACE,
    [FUNCTION_ENV.logLevel]: "INFO",
  };
  // Tokens stand for ARNs and names of ~100 characters; the policy is the part that can grow.
  const approximateBytes = Object.entries(environment).reduce((sum, [key, value]) => sum + key.length + Math.max(value.length, 120), 0);
  if (approximateBytes > LAMBDA_ENVIRONMENT_LIMIT_BYTES) {
    throw new Error(
      `${wiring.config.source}: the policy is too large for a Lambda environment (~${approximateBytes} of ${LAMBDA_ENVIRONMENT_LIMIT_BYTES} bytes); shorten exemptions or move them to cluster tags`,
    );
  }
  const fn = new SstFunction(stack, id, {
    handler: HANDLERS[name],
    runtime: "nodejs22.x",
    architecture: "arm_64",
    memorySize: "512 MB",
    timeout: `${FUNCTION_TIMEOUT_SECONDS} seconds`,
    nodejs: { format: "esm", minify: true, sourcemap: false },
    // No X-Ray SDK in the bundles: active tracing would add only a wildcard-resource xray:PutTraceSegments grant.
    tracing: "disabled",
    environment,
    role,
    logGroup,
    ...extra,
  });
  return fn;
}

/** Grants a function exactly the actions its adapters and the rules declare, each on this stack's own resources. */
function grantDeclared(fn: SstFunction, name: keyof typeof REALTIME_FUNCTION_ACTIONS, wiring: Wiring): void {
  const { table, topic, key, settleQueue, config } = wiring;
  const declared = REALTIME_FUNCTION_ACTIONS[name];
  const stack = fn.stack;
  const regions = config.policy.regions.length > 0 ? config.policy.regions : [stack.region];
  const eksActions = [
    ...permissionsFor(),
    ...declared.eks,
    // Remediation writes only when the policy enforces it; dry-run and off never touch a cluster.
    ...(config.policy.remediation.mode === "enforce" ? REMEDIATION_ACTIONS : []),
  ];
  for (const [index, grant] of scopeActions(eksActions, { partition: stack.partition, account: stack.account, regions }).entries()) {
    fn.addToRolePolicy(new iam.PolicyStatement({ sid: `Eks${index}`, actions: [...grant.actions], resources: [...grant.resources] }));
  }
  fn.addToRolePolicy(new iam.PolicyStatement({ sid: "StateTable", actions: [...declared.table], resources: [table.tableArn] }));
  fn.addToRolePolicy(new iam.PolicyStatement({ sid: "PublishAlerts", actions: [...declared.topic], resources: [topic.topicArn] }));
  fn.addToRolePolicy(new iam.PolicyStatement({ sid: "EncryptAlerts", actions: TOPIC_PUBLISH_KEY_ACTIONS, resources: [key.keyArn] }));
  fn.addToRolePolicy(new iam.PolicyStatement({ sid: "QueueSettleChecks", actions: [...declared.settleQueue], resources: [settleQueue.queueArn] }));
}

/** The sweep's and the digest's grants: the inventory and collector reads, the table (+ its daily Scan), the topic, and for the digest s3:PutObject under the report prefix only. */
function grantScheduled(fn: SstFunction, name: keyof typeof SCHEDULED_FUNCTION_ACTIONS, wiring: Wiring, reportBucket: s3.Bucket): void {
  const { table, topic, key, config } = wiring;
  const declared = SCHEDULED_FUNCTION_ACTIONS[name];
  const stack = fn.stack;
  const regions = config.policy.regions.length > 0 ? config.policy.regions : [stack.region];
  for (const [index, grant] of scopeActions([...permissionsFor(), ...declared.eks], { partition: stack.partition, account: stack.account, regions }).entries()) {
    fn.addToRolePolicy(new iam.PolicyStatement({ sid: `Eks${index}`, actions: [...grant.actions], resources: [...grant.resources] }));
  }
  fn.addToRolePolicy(new iam.PolicyStatement({ sid: "StateTable", actions: [...declared.table], resources: [table.tableArn] }));
  fn.addToRolePolicy(new iam.PolicyStatement({ sid: "PublishAlerts", actions: [...declared.topic], resources: [topic.topicArn] }));
  fn.addToRolePolicy(new iam.PolicyStatement({ sid: "EncryptAlerts", actions: TOPIC_PUBLISH_KEY_ACTIONS, resources: [key.keyArn] }));
  if (declared.reportBucket.length > 0) {
    fn.addToRolePolicy(new iam.PolicyStatement({ sid: "WriteReports", actions: [...declared.reportBucket], resources: [reportBucket.arnForObjects(`${REPORT_PREFIX}*`)] }));
  }
}

/** The digest's reports: encrypted, TLS-only, private, versioned, expired by a lifecycle rule. */
function reportBucketOf(stack: Stack, protectedStage: boolean): s3.Bucket {
  return new s3.Bucket(stack, "ReportBucket", {
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    versioned: true,
    lifecycleRules: [
      {
        id: "ExpireReports",
        expiration: Duration.days(REPORT_RETENTION_DAYS),
        noncurrentVersionExpiration: Duration.days(30),
        abortIncompleteMultipartUploadAfter: Duration.days(1),
      },
    ],
    removalPolicy: protectedStage ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    autoDeleteObjects: false,
  });
}

/**
 * An EventBridge Scheduler schedule invoking a scheduled function, with retries and a dead-letter queue. Its own role
 * may invoke exactly that function (no version wildcard) and send to exactly that queue.
 */
function schedule(stack: Stack, id: string, expression: string, fn: SstFunction, deadLetterQueue: sqs.Queue, description: string): scheduler.CfnSchedule {
  const role = new iam.Role(stack, `${id}Role`, {
    assumedBy: new iam.ServicePrincipal("scheduler.amazonaws.com", { conditions: { StringEquals: { "aws:SourceAccount": Aws.ACCOUNT_ID } } }),
  });
  role.addToPolicy(new iam.PolicyStatement({ sid: "InvokeTheFunction", actions: ["lambda:InvokeFunction"], resources: [fn.functionArn] }));
  role.addToPolicy(new iam.PolicyStatement({ sid: "ParkFailedInvocations", actions: ["sqs:SendMessage"], resources: [deadLetterQueue.queueArn] }));
  return new scheduler.CfnSchedule(stack, id, {
    description,
    scheduleExpression: expression,
    scheduleExpressionTimezone: "UTC",
    flexibleTimeWindow: { mode: "OFF" },
    target: {
      arn: fn.functionArn,
      roleArn: role.roleArn,
      retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 6 * 3600 },
      deadLetterConfig: { arn: deadLetterQueue.queueArn },
    },
  });
}

function alarm(stack: Stack, id: string, metric: cloudwatch.IMetric, description: string, topic: sns.Topic): cloudwatch.Alarm {
  const created = new cloudwatch.Alarm(stack, id, {
    metric,
    alarmDescription: description,
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  created.addAlarmAction(new SnsAction(topic));
  return created;
}

/** A function's two alarms: its dead-letter queue holds something, and it failed (<id>DeadLettersAlarm, <id>ErrorsAlarm). */
function functionAlarms(stack: Stack, id: string, fn: SstFunction, deadLetters: sqs.Queue, topic: sns.Topic, descriptions: { deadLetters: string; errors: string }): void {
  alarm(stack, `${id}DeadLettersAlarm`, deadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: "Maximum" }), descriptions.deadLetters, topic);
  alarm(stack, `${id}ErrorsAlarm`, fn.metricErrors({ period: Duration.minutes(5), statistic: "Sum" }), descriptions.errors, topic);
}

export function Warden({ stack, app }: StackContext) {
  const config = loadDeploymentConfig(useProject().paths.root);
  const protectedStage = config.protectedStages.includes(app.stage);
  const removalPolicy = protectedStage ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

  const key = alertsKey(stack, removalPolicy);
  const topic = alertsTopic(stack, key, config);
  const table = stateTable(stack, protectedStage);

  const settleDeadLetters = queue(stack, "SettleDeadLetterQueue");
  const settleQueue = queue(stack, "SettleQueue", {
    deliveryDelay: Duration.seconds(SETTLE_QUEUE.deliveryDelaySeconds),
    visibilityTimeout: Duration.seconds(SETTLE_QUEUE.visibilityTimeoutSeconds),
    deadLetterQueue: { queue: settleDeadLetters, maxReceiveCount: SETTLE_QUEUE.maxReceiveCount },
  });
  // Events EventBridge could not deliver, and events the function failed on after Lambda's async retries.
  const clusterEventDeadLetters = queue(stack, "ClusterEventDeadLetterQueue");

  const wiring: Wiring = { table, topic, key, settleQueue, config, removalPolicy };
  const clusterEvent = wardenFunction(stack, "ClusterEvent", "clusterEvent", wiring, {
    deadLetterQueue: clusterEventDeadLetters,
    retryAttempts: CLUSTER_EVENT_INVOCATION.retryAttempts,
  });
  const settle = wardenFunction(stack, "Settle", "settle", wiring);
  grantDeclared(clusterEvent, "clusterEvent", wiring);
  grantDeclared(settle, "settle", wiring);
  // The scheduled path: the daily sweep and the weekly digest (policy.schedules), each with its dead-letter queue.
  const reportBucket = reportBucketOf(stack, protectedStage);
  const sweepDeadLetters = queue(stack, "SweepDeadLetterQueue");
  const digestDeadLetters = queue(stack, "DigestDeadLetterQueue");
  const scheduledProps = { timeout: `${SCHEDULED_FUNCTION_TIMEOUT_SECONDS} seconds`, memorySize: "1024 MB" } as const;
  const sweep = wardenFunction(stack, "Sweep", "sweep", wiring, { ...scheduledProps, deadLetterQueue: sweepDeadLetters, retryAttempts: 0 }, {});
  const digest = wardenFunction(stack, "Digest", "digest", wiring, { ...scheduledProps, deadLetterQueue: digestDeadLetters, retryAttempts: 0 }, { reportBucket });
  grantScheduled(sweep, "sweep", wiring, reportBucket);
  grantScheduled(digest, "digest", wiring, reportBucket);
  schedule(stack, "SweepSchedule", config.policy.schedules.sweep, sweep, sweepDeadLetters, "EKS Warden daily sweep: every cluster of every region (policy.schedules.sweep)");
  schedule(stack, "DigestSchedule", config.policy.schedules.digest, digest, digestDeadLetters, "EKS Warden weekly digest (policy.schedules.digest)");

  settle.addEventSource(new SqsEventSource(settleQueue, { batchSize: SETTLE_QUEUE.batchSize, reportBatchItemFailures: SETTLE_QUEUE.reportBatchItemFailures }));

  const rule = new events.Rule(stack, "ClusterEventRule", {
    description: "CloudTrail-recorded EKS changes -> cluster-event (pattern: @eks-warden/core/event-pattern)",
    eventPattern: {
      source: [...clusterEventPattern.source],
      detailType: [...clusterEventPattern["detail-type"]],
      detail: {
        eventSource: [...clusterEventPattern.detail.eventSource],
        eventName: [...clusterEventPattern.detail.eventName],
      },
    },
  });
  rule.addTarget(
    new targets.LambdaFunction(clusterEvent, {
      deadLetterQueue: clusterEventDeadLetters,
      retryAttempts: 8,
      maxEventAge: Duration.hours(6),
    }),
  );

  const watched: [string, SstFunction, sqs.Queue, { deadLetters: string; errors: string }][] = [
    ["ClusterEvent", clusterEvent, clusterEventDeadLetters, {
      deadLetters: "EKS events that could not be processed are waiting in the cluster-event dead-letter queue",
      errors: "The cluster-event function failed; EventBridge and Lambda retry, then park the event in its dead-letter queue",
    }],
    ["Settle", settle, settleDeadLetters, {
      deadLetters: "Settle checks that failed repeatedly are waiting in the settle dead-letter queue",
      errors: "The settle function failed; its messages return to the queue and land in the dead-letter queue after retries",
    }],
    ["Sweep", sweep, sweepDeadLetters, {
      deadLetters: "A scheduled sweep could not be invoked or failed: its event waits in the sweep dead-letter queue",
      errors: "The sweep function failed; missed changes are not caught until it runs again",
    }],
    ["Digest", digest, digestDeadLetters, {
      deadLetters: "A weekly digest could not be invoked or failed: its event waits in the digest dead-letter queue",
      errors: "The digest function failed; this week's digest was not sent",
    }],
  ];
  for (const [id, fn, deadLetters, descriptions] of watched) functionAlarms(stack, id, fn, deadLetters, topic, descriptions);

  suppressFindings(stack, { clusterEvent, settle, sweep, digest, reportBucket });

  stack.addOutputs({
    TableName: table.tableName,
    AlertsTopicArn: topic.topicArn,
    SettleQueueUrl: settleQueue.queueUrl,
    ReportBucketName: reportBucket.bucketName,
  });
  new CfnOutput(stack, "ConfigSource", { value: config.source === "defaults" ? "defaults" : "warden.config.json" });
  return { table, topic, settleQueue, clusterEvent, settle, sweep, digest, reportBucket, rule };
}

/**
 * cdk-nag AwsSolutions findings accepted on purpose, each with the reason. Every other finding fails
 * test/infra.test.ts.
 */
function suppressFindings(
  stack: Stack,
  parts: { clusterEvent: SstFunction; settle: SstFunction; sweep: SstFunction; digest: SstFunction; reportBucket: s3.Bucket },
): void {
  NagSuppressions.addResourceSuppressions(
    stack.customResourceHandler,
    [
      { id: "AwsSolutions-IAM4", reason: "SST v2 creates this custom-resource handler in every stack for its own bookkeeping; EKS Warden defines nothing that invokes it, and its role (AWSLambdaBasicExecutionRole) is SST's" },
      { id: "AwsSolutions-L1", reason: "SST v2 pins the runtime of its own custom-resource handler (nodejs22.x); EKS Warden does not control or invoke it" },
    ],
    true,
  );
  const runtimeReason =
    "nodejs22.x on purpose: the bundles and their dependencies (Powertools 2.35, middy 6) are built and tested for Node 22; move to nodejs24.x together with the toolchain";
  for (const fn of [parts.clusterEvent, parts.settle, parts.sweep, parts.digest]) {
    NagSuppressions.addResourceSuppressions(fn, [{ id: "AwsSolutions-L1", reason: runtimeReason }]);
  }
  NagSuppressions.addResourceSuppressions(parts.reportBucket, [
    {
      id: "AwsSolutions-S1",
      reason:
        "The bucket holds only the weekly digest reports; its one writer is the digest function (s3:PutObject on digests/* alone), whose writes are in its own logs; readers are people with the account's S3 read access, whose reads CloudTrail S3 data events record where the account enables them. A server-access-log bucket would itself need this suppression",
    },
  ]);
  NagSuppressions.addResourceSuppressions(
    parts.digest.role!,
    [
      {
        id: "AwsSolutions-IAM5",
        reason: "The digest writes one report per ISO week (digests/<week>.html and .json): the grant is s3:PutObject on the digests/ prefix of the stack's own report bucket, nothing else in it",
        appliesTo: [{ regex: "/^Resource::<ReportBucket[0-9A-F]+\\.Arn>\\/digests\\/\\*$/g" }],
      },
    ],
    true,
  );
  NagSuppressions.addResourceSuppressions(
    [parts.clusterEvent.role!, parts.settle.role!, parts.sweep.role!, parts.digest.role!],
    [
      {
        id: "AwsSolutions-IAM5",
        reason:
          "The monitor must read every EKS cluster (and its node groups and add-ons) in the account and configured regions, including clusters created after deployment; the ARNs pin partition, account, region and resource type",
        appliesTo: [
          { regex: "/^Resource::arn:<AWS::Partition>:eks:[a-z0-9-]+:<AWS::AccountId>:cluster\\/\\*$/g" },
          { regex: "/^Resource::arn:<AWS::Partition>:eks:[a-z0-9-]+:<AWS::AccountId>:nodegroup\\/\\*\\/\\*\\/\\*$/g" },
          { regex: "/^Resource::arn:<AWS::Partition>:eks:[a-z0-9-]+:<AWS::AccountId>:addon\\/\\*\\/\\*\\/\\*$/g" },
        ],
      },
      {
        id: "AwsSolutions-IAM5",
        reason:
          "eks:DescribeClusterVersions and eks:ListClusters (sweep and digest only) support no resource-level permissions (Service Authorization Reference), so their only valid resource is *; they return the public Kubernetes version catalogue and the account's cluster names",
        appliesTo: ["Resource::*"],
      },
    ],
    true,
  );
}
