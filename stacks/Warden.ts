// EKS Warden's AWS resources and their wiring (docs/design.md, data flow 1-6): the state table, the alerts topic, the
// EventBridge rule feeding `cluster-event`, the settle queue feeding `settle`, their dead-letter queues; and what
// keeps the monitor from being silenced (docs/threat-model.md): the health topic on its own key, the tamper rules
// and the daily heartbeat feeding `tamper`, and the alarms that tell the health topic when something is stuck; the
// scheduled path (data flow 7-8): the two EventBridge Scheduler schedules feeding `sweep` (daily) and `digest`
// (weekly), their dead-letter queues, and the report bucket the digest writes to; the `dead-letter` function that
// turns each dead letter of cluster-event and settle into one health alert and keeps it in an archive for redrive.
// Nothing else lives here.
import { Aws, CfnOutput, Duration, Fn, RemovalPolicy } from "aws-cdk-lib";
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
  DEAD_LETTER_QUEUES,
  FUNCTION_ENV,
  FUNCTION_TIMEOUT_SECONDS,
  HANDLER_BUNDLING,
  HANDLERS as DEPLOYED_HANDLERS,
  METRICS_NAMESPACE,
  REPORT_PREFIX,
  REPORT_RETENTION_DAYS,
  SCHEDULED_FUNCTION_TIMEOUT_SECONDS,
  SETTLE_QUEUE,
  STATE_TABLE_KEY_SCHEMA,
} from "@eks-warden/core/deployment";
import type { Construct } from "constructs";
import { permissionsFor } from "@eks-warden/core/rules/index";
import { tamperRuleIds, tamperRules } from "@eks-warden/core/tamper/pattern";
import { keepsState, loadDeploymentConfig, uncoveredRegions, type DeploymentConfig } from "./config.ts";
import { CENTRAL_READERS, CENTRAL_REMEDIATOR, centralEventBus, centralRoleName, clusterEventRulePattern } from "./Organization.ts";
import { memberAccountsOf } from "@eks-warden/core/aws/sts";
import { REALTIME_FUNCTION_ACTIONS, SCHEDULED_FUNCTION_ACTIONS } from "@eks-warden/core/permissions";
import { REMEDIATION_ACTIONS, scopeActions } from "./permissions.ts";
import { EXEMPTION_TAG } from "@eks-warden/core/exemptions";
import { REMEDIATION_OPT_OUT, REMEDIATION_TAG } from "@eks-warden/core/remediation/plan";

/** SST handler paths, from the deployment constants the local system wires the same handlers from. */
export const HANDLERS = {
  clusterEvent: DEPLOYED_HANDLERS.clusterEvent.handler,
  settle: DEPLOYED_HANDLERS.settle.handler,
  tamper: DEPLOYED_HANDLERS.tamper.handler,
  sweep: DEPLOYED_HANDLERS.sweep.handler,
  digest: DEPLOYED_HANDLERS.digest.handler,
  deadLetter: DEPLOYED_HANDLERS.deadLetter.handler,
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

/** EventBridge's limit on a rule name. */
const RULE_NAME_MAX = 64;

function accountAdministration(actions: readonly string[]): iam.PolicyStatement {
  return new iam.PolicyStatement({ sid: "AccountAdministersTheKey", principals: [new iam.AccountRootPrincipal()], actions: [...actions], resources: ["*"] });
}

/**
 * The alerts key: the account administers it and the functions use it through their IAM grants. No service principal:
 * nothing but the functions publishes to the alerts topic (alarms go to the health topic).
 */
function alertsKey(stack: Stack, removalPolicy: RemovalPolicy): kms.Key {
  return new kms.Key(stack, "AlertsKey", {
    description: `EKS Warden ${stack.stage}: encrypts the alerts topic`,
    enableKeyRotation: true,
    policy: new iam.PolicyDocument({ statements: [accountAdministration(KEY_ADMINISTRATION_ACTIONS)] }),
    removalPolicy,
  });
}

/** Actions that use a key's material, as opposed to administering it. */
const KEY_USE_ACTIONS = new Set(["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom", "kms:ReEncryptTo"]);

/**
 * The health key: a key of its own, so that disabling, deleting or re-policying the alerts key is reported through a
 * channel that does not depend on it. The account administers it but does not use it: only the principals named on
 * it later (CloudWatch for this stack's alarms, the tamper function) may encrypt with it.
 */
function healthKey(stack: Stack, removalPolicy: RemovalPolicy): kms.Key {
  return new kms.Key(stack, "HealthKey", {
    description: `EKS Warden ${stack.stage}: encrypts the health topic (tamper alerts, health alarms, heartbeat)`,
    enableKeyRotation: true,
    policy: new iam.PolicyDocument({ statements: [accountAdministration(KEY_ADMINISTRATION_ACTIONS.filter((action) => !KEY_USE_ACTIONS.has(action)))] }),
    removalPolicy,
  });
}

function topic(stack: Stack, id: string, displayName: string, key: kms.Key, emails: readonly string[]): sns.Topic {
  const created = new sns.Topic(stack, id, {
    displayName,
    masterKey: key,
    // Adds the Deny on aws:SecureTransport=false: no message travels in clear text.
    enforceSSL: true,
  });
  for (const email of emails) created.addSubscription(new subscriptions.EmailSubscription(email));
  return created;
}

function stateTable(stack: Stack, keep: boolean): dynamodb.Table {
  const [partition, sort] = STATE_TABLE_KEY_SCHEMA.KeySchema;
  return new dynamodb.Table(stack, "StateTable", {
    partitionKey: { name: partition.AttributeName, type: dynamodb.AttributeType.STRING },
    sortKey: { name: sort.AttributeName, type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    timeToLiveAttribute: STATE_TABLE_KEY_SCHEMA.TimeToLiveAttribute,
    encryption: dynamodb.TableEncryption.AWS_MANAGED,
    deletionProtection: keep,
    removalPolicy: keep ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
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

/** Whether the deployment reads member accounts (or takes an organisation's events): then its readers' roles are named. */
function organizationWide(config: DeploymentConfig): boolean {
  return config.organization !== undefined || memberAccountsOf(config.policy.accounts).length > 0;
}

function functionRole(stack: Stack, id: string, logGroup: logs.LogGroup, config: DeploymentConfig): iam.Role {
  // An own role per function instead of the AWSLambdaBasicExecutionRole managed policy: logs go to this one group.
  // The member roles' trust policies name the central readers' roles before they exist, so those get fixed names.
  const named = organizationWide(config) && (CENTRAL_READERS as readonly string[]).includes(id);
  const role = new iam.Role(stack, `${id}Role`, { assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"), ...(named && { roleName: centralRoleName(stack.stackName, id) }) });
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
  readonly healthTopic: sns.Topic;
  readonly healthKey: kms.Key;
  readonly settleQueue: sqs.Queue;
  readonly config: DeploymentConfig;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * What each function is told: the real-time ones their table, topic, queue and policy; tamper its two topics; the
 * scheduled ones (sweep, digest) no settle queue (they queue no settle check), the digest its report bucket.
 */
function environmentOf(name: keyof typeof HANDLERS, wiring: Wiring, scheduled?: { readonly reportBucket?: s3.Bucket }): Record<string, string> {
  const common = {
    [FUNCTION_ENV.serviceName]: `eks-warden-${DEPLOYED_HANDLERS[name].name}`,
    [FUNCTION_ENV.metricsNamespace]: METRICS_NAMESPACE,
    [FUNCTION_ENV.logLevel]: "INFO",
  };
  if (name === "tamper") return { [FUNCTION_ENV.healthTopicArn]: wiring.healthTopic.topicArn, [FUNCTION_ENV.alertsTopicArn]: wiring.topic.topicArn, ...common };
  // Its queues are added where they are wired (deadLetterAlerts): it publishes to the health topic only.
  if (name === "deadLetter") return { [FUNCTION_ENV.healthTopicArn]: wiring.healthTopic.topicArn, ...common };
  return {
    [FUNCTION_ENV.tableName]: wiring.table.tableName,
    [FUNCTION_ENV.alertsTopicArn]: wiring.topic.topicArn,
    ...(scheduled ? {} : { [FUNCTION_ENV.settleQueueUrl]: wiring.settleQueue.queueUrl }),
    ...(scheduled?.reportBucket ? { [FUNCTION_ENV.reportBucket]: scheduled.reportBucket.bucketName } : {}),
    [FUNCTION_ENV.historyRetentionDays]: String(wiring.config.historyRetentionDays),
    [FUNCTION_ENV.policy]: JSON.stringify(wiring.config.policy),
    ...common,
  };
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
  const role = functionRole(stack, id, logGroup, wiring.config);
  const environment = environmentOf(name, wiring, scheduled);
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
    nodejs: { format: "esm", minify: true, sourcemap: false, splitting: HANDLER_BUNDLING.splitting, esbuild: { alias: { ...HANDLER_BUNDLING.alias }, external: [...HANDLER_BUNDLING.external] } },
    // No X-Ray SDK in the bundles: active tracing would add only a wildcard-resource xray:PutTraceSegments grant.
    tracing: "disabled",
    environment,
    role,
    logGroup,
    ...extra,
  });
  return { fn, role };
}

/**
 * Grants a function exactly the actions its adapters and the rules declare, each on this stack's own resources.
 * Actions that support no resource scoping (Resource "*") go into a policy of their own, `<id>UnscopedReads`, the
 * only place a wildcard-resource finding is accepted: a "*" anywhere else fails the cdk-nag test.
 */
function grantDeclared(fn: SstFunction, role: iam.Role, name: keyof typeof REALTIME_FUNCTION_ACTIONS, wiring: Wiring): void {
  const { table, topic, key, settleQueue, config } = wiring;
  const declared = REALTIME_FUNCTION_ACTIONS[name];
  const stack = fn.stack;
  const regions = config.policy.regions.length > 0 ? config.policy.regions : [stack.region];
  // The one EKS write (remediation) is not here: see grantRemediation, the settle function's alone.
  const eksActions = [...permissionsFor(), ...declared.eks];
  const unscoped: iam.PolicyStatement[] = [];
  for (const [index, grant] of scopeActions(eksActions, { partition: stack.partition, account: stack.account, regions }).entries()) {
    const statement = new iam.PolicyStatement({ sid: `Eks${index}`, actions: [...grant.actions], resources: [...grant.resources] });
    if (grant.resources.includes("*")) unscoped.push(statement);
    else fn.addToRolePolicy(statement);
  }
  if (unscoped.length > 0) grantUnscopedReads(stack, `${fn.node.id}UnscopedReads`, role, unscoped);
  fn.addToRolePolicy(new iam.PolicyStatement({ sid: "StateTable", actions: [...declared.table], resources: [table.tableArn] }));
  fn.addToRolePolicy(new iam.PolicyStatement({ sid: "PublishAlerts", actions: [...declared.topic], resources: [topic.topicArn] }));
  fn.addToRolePolicy(new iam.PolicyStatement({ sid: "EncryptAlerts", actions: TOPIC_PUBLISH_KEY_ACTIONS, resources: [key.keyArn] }));
  fn.addToRolePolicy(new iam.PolicyStatement({ sid: "QueueSettleChecks", actions: [...declared.settleQueue], resources: [settleQueue.queueArn] }));
  grantMemberRoles(fn, config);
}

/**
 * sts:AssumeRole on the member accounts' read-only roles (policy.accounts[].roleArn), and for the function that
 * remediates, under enforce, on their remediation roles: exactly the ARNs the policy names.
 */
function grantMemberRoles(fn: SstFunction, config: DeploymentConfig): void {
  const members = memberAccountsOf(config.policy.accounts);
  if (members.length === 0) return;
  fn.addToRolePolicy(new iam.PolicyStatement({ sid: "AssumeMemberReadRoles", actions: ["sts:AssumeRole"], resources: members.map((member) => member.roleArn) }));
  const remediating = fn.node.id === CENTRAL_REMEDIATOR && config.policy.remediation.mode === "enforce";
  const remediationRoles = members.flatMap((member) => (member.remediationRoleArn ? [member.remediationRoleArn] : []));
  if (remediating && remediationRoles.length > 0) {
    fn.addToRolePolicy(new iam.PolicyStatement({ sid: "AssumeMemberRemediationRoles", actions: ["sts:AssumeRole"], resources: remediationRoles }));
  }
}

/**
 * The sweep's and the digest's grants: the inventory and collector reads (the unscoped ones, ListClusters among them,
 * in `<id>UnscopedReads` as for the real-time functions), the table (+ its daily Scan), the topic, and for the digest
 * s3:PutObject under the report prefix only. No settle queue: the scheduled functions queue no settle check.
 */
function grantScheduled(fn: SstFunction, role: iam.Role, name: keyof typeof SCHEDULED_FUNCTION_ACTIONS, wiring: Wiring, reportBucket: s3.Bucket): void {
  const { table, topic, key, config } = wiring;
  const declared = SCHEDULED_FUNCTION_ACTIONS[name];
  const stack = fn.stack;
  const regions = config.policy.regions.length > 0 ? config.policy.regions : [stack.region];
  const unscoped: iam.PolicyStatement[] = [];
  for (const [index, grant] of scopeActions([...permissionsFor(), ...declared.eks], { partition: stack.partition, account: stack.account, regions }).entries()) {
    const statement = new iam.PolicyStatement({ sid: `Eks${index}`, actions: [...grant.actions], resources: [...grant.resources] });
    if (grant.resources.includes("*")) unscoped.push(statement);
    else fn.addToRolePolicy(statement);
  }
  if (unscoped.length > 0) grantUnscopedReads(stack, `${fn.node.id}UnscopedReads`, role, unscoped);
  fn.addToRolePolicy(new iam.PolicyStatement({ sid: "StateTable", actions: [...declared.table], resources: [table.tableArn] }));
  fn.addToRolePolicy(new iam.PolicyStatement({ sid: "PublishAlerts", actions: [...declared.topic], resources: [topic.topicArn] }));
  fn.addToRolePolicy(new iam.PolicyStatement({ sid: "EncryptAlerts", actions: TOPIC_PUBLISH_KEY_ACTIONS, resources: [key.keyArn] }));
  if (declared.reportBucket.length > 0) {
    fn.addToRolePolicy(new iam.PolicyStatement({ sid: "WriteReports", actions: [...declared.reportBucket], resources: [reportBucket.arnForObjects(`${REPORT_PREFIX}*`)] }));
  }
  grantMemberRoles(fn, config);
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

/** The wildcard-resource reads in a policy of their own, with the one cdk-nag IAM5 suppression that accepts them. */
export function grantUnscopedReads(scope: Construct, id: string, role: iam.IRole, statements: readonly iam.PolicyStatement[]): iam.Policy {
  for (const statement of statements) {
    const actions = statement.actions;
    if (!actions.every((action) => UNSCOPED_ACTIONS.has(action))) {
      throw new Error(`${id}: only ${[...UNSCOPED_ACTIONS].join(", ")} may be granted on Resource "*", not ${actions.join(", ")}`);
    }
  }
  const policy = new iam.Policy(scope, id, { roles: [role], statements: [...statements] });
  NagSuppressions.addResourceSuppressions(policy, [
    {
      id: "AwsSolutions-IAM5",
      reason:
        "eks:DescribeClusterVersions, eks:DescribeAddonVersions and eks:ListClusters (sweep and digest only) support no resource-level permissions (Service Authorization Reference), so their only valid resource is *; they return the public Kubernetes version and add-on catalogues and the account's cluster names",
      appliesTo: ["Resource::*"],
    },
  ]);
  return policy;
}

/** The tag values and keys the remediation Deny statements match (core/src/remediation/plan.ts, exemptions.ts). */
const REMEDIATION_TAG_CONDITION_KEY = `aws:ResourceTag/${REMEDIATION_TAG}`;
const EXEMPTION_TAG_CONDITION_KEY = `aws:ResourceTag/${EXEMPTION_TAG}`;

/**
 * eks:UpdateClusterConfig for the function that remediates (settle), only under `enforce`, in a policy of its own:
 * allowed on the cluster ARNs of the configured accounts and regions, and denied (a second line of defence behind
 * the code's own checks) on any cluster tagged eks-warden:remediation=opt-out or carrying an exemption tag.
 */
function grantRemediation(settle: SstFunction, wiring: Wiring): iam.Policy | undefined {
  const { config } = wiring;
  if (config.policy.remediation.mode !== "enforce") return undefined;
  const stack = settle.stack;
  const regions = config.policy.regions.length > 0 ? config.policy.regions : [stack.region];
  const accounts = [stack.account, ...config.policy.accounts.map((account) => account.id)];
  const clusters = [...new Set(accounts.flatMap((account) => scopeActions(REMEDIATION_ACTIONS, { partition: stack.partition, account, regions }).flatMap((grant) => grant.resources)))];
  const policy = new iam.Policy(stack, "SettleRemediationPolicy", {
    roles: [settle.role!],
    statements: [
      new iam.PolicyStatement({ sid: "RemediatePublicEndpoints", actions: [...REMEDIATION_ACTIONS], resources: clusters }),
      new iam.PolicyStatement({
        sid: "NeverRemediateOptedOutClusters",
        effect: iam.Effect.DENY,
        actions: [...REMEDIATION_ACTIONS],
        resources: clusters,
        conditions: { StringEquals: { [REMEDIATION_TAG_CONDITION_KEY]: REMEDIATION_OPT_OUT } },
      }),
      new iam.PolicyStatement({
        sid: "NeverRemediateExemptClusters",
        effect: iam.Effect.DENY,
        actions: [...REMEDIATION_ACTIONS],
        resources: clusters,
        conditions: { Null: { [EXEMPTION_TAG_CONDITION_KEY]: "false" } },
      }),
    ],
  });
  NagSuppressions.addResourceSuppressions(policy, [
    {
      id: "AwsSolutions-IAM5",
      reason:
        "eks:UpdateClusterConfig alone (auto-remediation under enforce): it must reach any cluster of the configured accounts and regions, including clusters created after deployment; the ARNs pin partition, account, region and resource type, and Deny statements exclude clusters tagged opt-out or exempt",
      appliesTo: [{ regex: "/^Resource::arn:<AWS::Partition>:eks:[a-z0-9-]+:(<AWS::AccountId>|[0-9]{12}):cluster\\/\\*$/g" }],
    },
  ]);
  return policy;
}

/** The actions without resource-level permissions that the monitor needs (ACTION_SCOPES "unscoped"). */
const UNSCOPED_ACTIONS = new Set(["eks:DescribeClusterVersions", "eks:DescribeAddonVersions", "eks:ListClusters"]);

/** The names of the stack's rules and alarms, scoped by the stack name, so the tamper rules can watch them. */
function namesOf(stack: Stack) {
  const rule = (suffix: string): string => {
    const name = `${stack.stackName}-${suffix}`;
    if (name.length > RULE_NAME_MAX) throw new Error(`EventBridge rule name "${name}" is longer than ${RULE_NAME_MAX} characters; use a shorter stage name`);
    return name;
  };
  const alarm = (suffix: string): string => `${stack.stackName}-${suffix}`;
  return { rule, alarm };
}

/** The SQS calls that drop or expose what a queue holds without a trace in the monitor (tamper rule `queue`). */
const QUEUE_MANAGEMENT_ACTIONS = ["sqs:PurgeQueue", "sqs:DeleteQueue", "sqs:SetQueueAttributes"];

/**
 * Who may still purge, delete or re-configure the stack's queues: the CloudFormation execution role the stack is
 * deployed with (SST's `cdk.cloudFormationExecutionRole`, else the CDK bootstrap's), so deployments and `sst remove`
 * keep working, and the account's root user, to break the glass if that role is ever lost.
 */
function queueGuardians(stack: Stack): string[] {
  const synthesizer = stack.synthesizer as { readonly cloudFormationExecutionRoleArn?: string };
  const executionRole = "cloudFormationExecutionRoleArn" in synthesizer ? synthesizer.cloudFormationExecutionRoleArn : undefined;
  if (!executionRole) {
    throw new Error(
      `${stack.stackName}: the stack synthesizer names no CloudFormation execution role, and the queues' policies allow purge, delete and re-configuration to that role alone; deploy with the default (bootstrapped) synthesizer or set cdk.cloudFormationExecutionRole in sst.config.ts`,
    );
  }
  // The synthesizer's ARN carries CloudFormation placeholders (${AWS::Partition}, ${AWS::AccountId}) for the
  // deployment tooling to fill in; Fn::Sub fills them in the template.
  return [Fn.sub(executionRole), `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:root`];
}

/**
 * Someone with broad SQS rights could drop pending settle checks or dead letters: purge the queue, delete it, or
 * re-configure it (retention cut to a minute, redrive removed, this policy replaced). Denied here to everyone but the
 * guardians; the tamper rule `queue` reports every attempt, refused or not. Where the queue has one consumer, deleting
 * its messages is denied to everyone else too (an archive has none: redrive from it deletes as the operator).
 */
function guardQueue(target: sqs.Queue, guardians: readonly string[], consumer?: iam.IRole): void {
  target.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: "OnlyTheDeploymentManagesTheQueue",
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: QUEUE_MANAGEMENT_ACTIONS,
      resources: [target.queueArn],
      conditions: { ArnNotEquals: { "aws:PrincipalArn": [...guardians] } },
    }),
  );
  if (!consumer) return;
  target.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: "OnlyTheConsumerDeletesMessages",
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ["sqs:DeleteMessage"],
      resources: [target.queueArn],
      conditions: { ArnNotEquals: { "aws:PrincipalArn": [consumer.roleArn, ...guardians] } },
    }),
  );
}

function alarmArn(name: string): string {
  return `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:${name}`;
}

export function Warden({ stack, app }: StackContext) {
  const config = loadDeploymentConfig(useProject().paths.root);
  // Every stage keeps its state unless the configuration says it is ephemeral (docs/threat-model.md: data).
  const keep = keepsState(config, app.stage);
  const uncovered = uncoveredRegions(config, stack.region);
  if (uncovered.length > 0) {
    throw new Error(
      `${config.source}: policy.regions lists ${uncovered.join(", ")}, which neither the central stack (${stack.region}) nor a forwarder covers: ` +
        `add ${uncovered.length === 1 ? "it" : "them"} to organization.forwarderRegions (and deploy the forwarder StackSet there), or remove ${uncovered.length === 1 ? "it" : "them"} from policy.regions`,
    );
  }
  const removalPolicy = keep ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
  const names = namesOf(stack);

  const key = alertsKey(stack, removalPolicy);
  const alerts = topic(stack, "AlertsTopic", "EKS Warden alerts", key, config.policy.alertEmails);
  const hKey = healthKey(stack, removalPolicy);
  const health = topic(stack, "HealthTopic", "EKS Warden health", hKey, config.healthEmails);
  const table = stateTable(stack, keep);

  // Each dead-letter queue of the alert path is drained by `dead-letter` (one health alert per letter) into an archive,
  // which is also its own redrive target: a letter whose alert cannot be published still reaches the archive.
  const deadLetterQueueOf = (archive: sqs.Queue, maxReceiveCount: number): sqs.QueueProps => ({
    visibilityTimeout: Duration.seconds(DEAD_LETTER_QUEUES.visibilityTimeoutSeconds),
    deadLetterQueue: { queue: archive, maxReceiveCount },
  });
  const settleDeadLetterArchive = queue(stack, "SettleDeadLetterArchive", { retentionPeriod: Duration.days(DEAD_LETTER_QUEUES.retentionDays) });
  const settleDeadLetters = queue(stack, "SettleDeadLetterQueue", deadLetterQueueOf(settleDeadLetterArchive, DEAD_LETTER_QUEUES.settleMaxReceiveCount));
  const settleQueue = queue(stack, "SettleQueue", {
    deliveryDelay: Duration.seconds(SETTLE_QUEUE.deliveryDelaySeconds),
    visibilityTimeout: Duration.seconds(SETTLE_QUEUE.visibilityTimeoutSeconds),
    deadLetterQueue: { queue: settleDeadLetters, maxReceiveCount: SETTLE_QUEUE.maxReceiveCount },
  });
  // Events EventBridge could not deliver, and events the function failed on after Lambda's async retries.
  const clusterEventDeadLetterArchive = queue(stack, "ClusterEventDeadLetterArchive", { retentionPeriod: Duration.days(DEAD_LETTER_QUEUES.retentionDays) });
  // Lambda and EventBridge send their letters here (SendMessage): each arrives never received.
  const clusterEventDeadLetters = queue(stack, "ClusterEventDeadLetterQueue", deadLetterQueueOf(clusterEventDeadLetterArchive, DEAD_LETTER_QUEUES.maxReceiveCount));
  // The same for tamper alerts and heartbeats.
  const tamperDeadLetters = queue(stack, "TamperDeadLetterQueue");

  const wiring: Wiring = { table, topic: alerts, key, healthTopic: health, healthKey: hKey, settleQueue, config, removalPolicy };
  const clusterEvent = wardenFunction(stack, "ClusterEvent", "clusterEvent", wiring, {
    deadLetterQueue: clusterEventDeadLetters,
    retryAttempts: CLUSTER_EVENT_INVOCATION.retryAttempts,
  });
  const settle = wardenFunction(stack, "Settle", "settle", wiring);
  grantDeclared(clusterEvent.fn, clusterEvent.role, "clusterEvent", wiring);
  grantDeclared(settle.fn, settle.role, "settle", wiring);
  grantRemediation(settle.fn, wiring);
  // Both functions recognise the remediating role's own CloudTrail events (recorded as auto-remediation).
  for (const fn of [clusterEvent.fn, settle.fn]) fn.addEnvironment(FUNCTION_ENV.remediationRoleArn, settle.role.roleArn);
  settle.fn.addEventSource(new SqsEventSource(settleQueue, { batchSize: SETTLE_QUEUE.batchSize, reportBatchItemFailures: SETTLE_QUEUE.reportBatchItemFailures }));
  // Only the two functions queue settle checks: a forged check cannot make settle judge a cluster on the attacker's
  // terms, and a flood of them cannot starve the real ones.
  settleQueue.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: "OnlyWardenFunctionsQueueSettleChecks",
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ["sqs:SendMessage"],
      resources: [settleQueue.queueArn],
      conditions: { ArnNotEquals: { "aws:PrincipalArn": [clusterEvent.role.roleArn, settle.role.roleArn] } },
    }),
  );

  // The scheduled path: the daily sweep and the weekly digest (policy.schedules), each with its dead-letter queue.
  const reportBucket = reportBucketOf(stack, keep);
  const sweepDeadLetters = queue(stack, "SweepDeadLetterQueue");
  const digestDeadLetters = queue(stack, "DigestDeadLetterQueue");
  const scheduledProps = { timeout: `${SCHEDULED_FUNCTION_TIMEOUT_SECONDS} seconds`, memorySize: "1024 MB" } as const;
  const sweep = wardenFunction(stack, "Sweep", "sweep", wiring, { ...scheduledProps, deadLetterQueue: sweepDeadLetters, retryAttempts: 0 }, {});
  const digest = wardenFunction(stack, "Digest", "digest", wiring, { ...scheduledProps, deadLetterQueue: digestDeadLetters, retryAttempts: 0 }, { reportBucket });
  grantScheduled(sweep.fn, sweep.role, "sweep", wiring, reportBucket);
  grantScheduled(digest.fn, digest.role, "digest", wiring, reportBucket);
  schedule(stack, "SweepSchedule", config.policy.schedules.sweep, sweep.fn, sweepDeadLetters, "EKS Warden daily sweep: every cluster of every region (policy.schedules.sweep)");
  schedule(stack, "DigestSchedule", config.policy.schedules.digest, digest.fn, digestDeadLetters, "EKS Warden weekly digest (policy.schedules.digest)");

  const tamper = wardenFunction(stack, "Tamper", "tamper", wiring, { deadLetterQueue: tamperDeadLetters, retryAttempts: 2 });
  tamper.fn.addToRolePolicy(new iam.PolicyStatement({ sid: "PublishHealthAndAlerts", actions: ["sns:Publish"], resources: [health.topicArn, alerts.topicArn] }));
  tamper.fn.addToRolePolicy(new iam.PolicyStatement({ sid: "EncryptHealthAndAlerts", actions: TOPIC_PUBLISH_KEY_ACTIONS, resources: [hKey.keyArn, key.keyArn] }));
  hKey.addToResourcePolicy(
    new iam.PolicyStatement({ sid: "TamperFunctionPublishes", principals: [tamper.role], actions: TOPIC_PUBLISH_KEY_ACTIONS, resources: ["*"] }),
  );

  // One health alert per dead letter of cluster-event and settle, naming cluster and call; then the letter is copied
  // to its archive and only then deleted from the dead-letter queue (packages/functions/src/dead-letter.ts).
  const deadLetter = wardenFunction(stack, "DeadLetter", "deadLetter", wiring);
  const deadLetterRoutes = [
    { queue: clusterEventDeadLetters, archive: clusterEventDeadLetterArchive, queueArn: FUNCTION_ENV.clusterEventDeadLetterQueueArn, archiveUrl: FUNCTION_ENV.clusterEventDeadLetterArchiveUrl },
    { queue: settleDeadLetters, archive: settleDeadLetterArchive, queueArn: FUNCTION_ENV.settleDeadLetterQueueArn, archiveUrl: FUNCTION_ENV.settleDeadLetterArchiveUrl },
  ];
  for (const route of deadLetterRoutes) {
    deadLetter.fn.addEnvironment(route.queueArn, route.queue.queueArn);
    deadLetter.fn.addEnvironment(route.archiveUrl, route.archive.queueUrl);
    deadLetter.fn.addEventSource(new SqsEventSource(route.queue, { batchSize: DEAD_LETTER_QUEUES.batchSize, reportBatchItemFailures: true }));
  }
  deadLetter.fn.addToRolePolicy(new iam.PolicyStatement({ sid: "ArchiveDeadLetters", actions: ["sqs:SendMessage"], resources: deadLetterRoutes.map((route) => route.archive.queueArn) }));
  deadLetter.fn.addToRolePolicy(new iam.PolicyStatement({ sid: "PublishHealth", actions: ["sns:Publish"], resources: [health.topicArn] }));
  deadLetter.fn.addToRolePolicy(new iam.PolicyStatement({ sid: "EncryptHealth", actions: TOPIC_PUBLISH_KEY_ACTIONS, resources: [hKey.keyArn] }));
  hKey.addToResourcePolicy(
    new iam.PolicyStatement({ sid: "DeadLetterFunctionPublishes", principals: [deadLetter.role], actions: TOPIC_PUBLISH_KEY_ACTIONS, resources: ["*"] }),
  );

  // The queues' own protection: purge, delete and re-configuration are for the deployment alone (guardQueue).
  const guardians = queueGuardians(stack);
  guardQueue(settleQueue, guardians, settle.role);
  guardQueue(settleDeadLetters, guardians, deadLetter.role);
  guardQueue(clusterEventDeadLetters, guardians, deadLetter.role);
  for (const parked of [settleDeadLetterArchive, clusterEventDeadLetterArchive, tamperDeadLetters, sweepDeadLetters, digestDeadLetters]) guardQueue(parked, guardians);
  const ownQueues = [settleQueue, settleDeadLetters, settleDeadLetterArchive, clusterEventDeadLetters, clusterEventDeadLetterArchive, tamperDeadLetters, sweepDeadLetters, digestDeadLetters];

  // Named before it exists so the tamper rules can watch it (its policy and deletion silence every member account).
  const centralEventBusName = config.organization ? `${stack.stackName}-central` : undefined;
  const target = (fn: SstFunction, deadLetterQueue: sqs.Queue) => new targets.LambdaFunction(fn, { deadLetterQueue, retryAttempts: 8, maxEventAge: Duration.hours(6) });
  const rules: events.Rule[] = [];
  const ruleNames = {
    clusterEvents: names.rule("cluster-events"),
    heartbeat: names.rule("heartbeat"),
    ...(config.organization && { organizationClusterEvents: names.rule("org-cluster-events") }),
  };
  const rule = new events.Rule(stack, "ClusterEventRule", {
    ruleName: ruleNames.clusterEvents,
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
  rule.addTarget(target(clusterEvent.fn, clusterEventDeadLetters));
  rules.push(rule);
  if (config.organization && ruleNames.organizationClusterEvents && centralEventBusName) {
    // The member accounts' forwarders put their EKS events on this bus; the same pattern, the same target.
    const bus = centralEventBus(stack, centralEventBusName, config.organization.id);
    const fromMembers = new events.Rule(stack, "OrganizationClusterEventRule", {
      ruleName: ruleNames.organizationClusterEvents,
      eventBus: bus,
      description: "EKS changes forwarded from every member account and region -> cluster-event (pattern: @eks-warden/core/event-pattern)",
      eventPattern: clusterEventRulePattern(),
    });
    fromMembers.addTarget(target(clusterEvent.fn, clusterEventDeadLetters));
    rules.push(fromMembers);
    new CfnOutput(stack, "CentralEventBusArn", { value: bus.eventBusArn, description: "The forwarder StackSet's parameter CentralEventBusArn" });
  }
  const heartbeat = new events.Rule(stack, "HeartbeatRule", {
    ruleName: ruleNames.heartbeat,
    description: "Daily heartbeat -> tamper -> the health topic: a day without it means the health path is broken",
    schedule: events.Schedule.rate(Duration.days(1)),
  });
  heartbeat.addTarget(target(tamper.fn, tamperDeadLetters));
  rules.push(heartbeat);

  // Alarms, named so the tamper rules and the health topic's policies can name them exactly.
  const alarmNames: string[] = [];
  const alarm = (id: string, props: Omit<cloudwatch.AlarmProps, "alarmName" | "threshold" | "evaluationPeriods"> & Partial<Pick<cloudwatch.AlarmProps, "threshold" | "evaluationPeriods">>): cloudwatch.Alarm => {
    const alarmName = names.alarm(id.replace(/Alarm$/, ""));
    alarmNames.push(alarmName);
    const created = new cloudwatch.Alarm(stack, id, {
      alarmName,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      ...props,
    });
    created.addAlarmAction(new SnsAction(health));
    return created;
  };
  const fiveMinutes = { period: Duration.minutes(5), statistic: "Sum" } as const;
  // EventBridge's target dead-letter queue and Lambda's async-invoke dead-letter queue both SendMessage, which
  // NumberOfMessagesSent counts: one alarm per period with new dead letters, not a depth that stays in ALARM and
  // hides the next one.
  alarm("ClusterEventDeadLettersAlarm", {
    metric: clusterEventDeadLetters.metricNumberOfMessagesSent(fiveMinutes),
    alarmDescription: "EKS events could not be processed and were parked in the cluster-event dead-letter queue",
  });
  alarm("TamperDeadLettersAlarm", {
    metric: tamperDeadLetters.metricNumberOfMessagesSent(fiveMinutes),
    alarmDescription: "A tamper alert or heartbeat could not be published and was parked in the tamper dead-letter queue",
  });
  // The settle dead-letter queue is fed by the settle queue's redrive policy, and SQS does not count a message moved
  // by redrive in the dead-letter queue's NumberOfMessagesSent (only explicit SendMessage calls). So: alarm when its
  // depth grows, DIFF of the visible messages between 5-minute periods (FILL: an idle queue publishes no data point;
  // it counts as 0). Six periods with one breaching: a metric that appears late after the queue wakes up still
  // lands in the window. The dead-letter function drains the queue within seconds (its per-letter alert is the
  // detail; this alarm is the count that does not depend on it), so its receives count too: the larger of the two.
  alarm("SettleDeadLettersAlarm", {
    metric: new cloudwatch.MathExpression({
      expression: "MAX([DIFF(FILL(visible, 0)), FILL(received, 0)])",
      usingMetrics: {
        visible: settleDeadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: "Maximum" }),
        received: settleDeadLetters.metricNumberOfMessagesReceived({ period: Duration.minutes(5), statistic: "Sum" }),
      },
      period: Duration.minutes(5),
      label: "settle dead letters added",
    }),
    evaluationPeriods: 6,
    datapointsToAlarm: 1,
    alarmDescription: "Settle checks failed repeatedly and were parked in the settle dead-letter queue",
  });
  alarm("ClusterEventErrorsAlarm", {
    metric: clusterEvent.fn.metricErrors(fiveMinutes),
    alarmDescription: "The cluster-event function failed; EventBridge and Lambda retry, then park the event in its dead-letter queue",
  });
  alarm("SettleErrorsAlarm", {
    metric: settle.fn.metricErrors(fiveMinutes),
    alarmDescription: "The settle function failed; its messages return to the queue and land in the dead-letter queue after retries",
  });
  // EventBridge Scheduler's dead-letter queue and Lambda's async-invoke one both SendMessage, as above.
  alarm("SweepDeadLettersAlarm", {
    metric: sweepDeadLetters.metricNumberOfMessagesSent(fiveMinutes),
    alarmDescription: "A scheduled sweep could not be invoked or failed: its event waits in the sweep dead-letter queue",
  });
  alarm("DigestDeadLettersAlarm", {
    metric: digestDeadLetters.metricNumberOfMessagesSent(fiveMinutes),
    alarmDescription: "A weekly digest could not be invoked or failed: its event waits in the digest dead-letter queue",
  });
  alarm("SweepErrorsAlarm", {
    metric: sweep.fn.metricErrors(fiveMinutes),
    alarmDescription: "The sweep function failed; missed changes are not caught until it runs again",
  });
  alarm("DigestErrorsAlarm", {
    metric: digest.fn.metricErrors(fiveMinutes),
    alarmDescription: "The digest function failed; this week's digest was not sent",
  });
  alarm("DeadLetterErrorsAlarm", {
    metric: deadLetter.fn.metricErrors(fiveMinutes),
    alarmDescription: "The dead-letter function failed to report or archive a dead letter: it stays in its dead-letter queue, and SQS moves it to the archive unannounced after 5 tries",
  });
  // A dead letter nobody consumed for an hour: the dead-letter function's event source mapping is disabled or the
  // function cannot start, so no per-letter alert goes out (the dead-letter alarms above still count them).
  alarm("DeadLettersUnreportedAlarm", {
    metric: new cloudwatch.MathExpression({
      expression: "MAX([clusterEvent, settle])",
      usingMetrics: {
        clusterEvent: clusterEventDeadLetters.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(5), statistic: "Maximum" }),
        settle: settleDeadLetters.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(5), statistic: "Maximum" }),
      },
      period: Duration.minutes(5),
      label: "oldest unreported dead letter (seconds)",
    }),
    threshold: Duration.hours(1).toSeconds(),
    evaluationPeriods: 3,
    alarmDescription: "A dead letter has waited over an hour without its alert: the dead-letter function is not consuming its queues",
  });
  alarm("TamperErrorsAlarm", {
    metric: tamper.fn.metricErrors(fiveMinutes),
    alarmDescription: "The tamper function failed to publish a tamper alert or heartbeat to the health topic",
  });
  // cluster-event drops a malformed event without retry (a retry could not fix it) and counts it: Powertools EMF
  // metric Event_<status> with the service dimension of its telemetry("cluster-event").
  alarm("RejectedEventsAlarm", {
    metric: new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName: "Event_rejected", dimensionsMap: { service: "cluster-event" }, ...fiveMinutes }),
    alarmDescription: "cluster-event rejected malformed EKS events (logged with their ids and dropped without retry)",
  });
  // Settle checks are consumed within minutes (the worker re-queues an unfinished one as a new message, delay at most
  // 15 minutes): an hour-old message means nobody consumes the queue (event source mapping disabled or deleted, the
  // function unable to start), which raises no function error.
  alarm("SettleQueueStalledAlarm", {
    metric: settleQueue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(5), statistic: "Maximum" }),
    threshold: Duration.hours(1).toSeconds(),
    evaluationPeriods: 3,
    alarmDescription: "The oldest settle check has waited over an hour: the settle queue is not being consumed",
  });
  // The heartbeat proves itself: no HeartbeatPublished for 30 hours (five 6-hour periods, all empty) means the
  // schedule, the function or the health topic is broken. Missing data is the breach.
  alarm("HeartbeatMissingAlarm", {
    metric: new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName: "HeartbeatPublished", dimensionsMap: { service: "tamper" }, period: Duration.hours(6), statistic: "Sum" }),
    evaluationPeriods: 5,
    datapointsToAlarm: 5,
    comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    alarmDescription: "No heartbeat reached the health topic for 30 hours: the tamper path (schedule, function, health topic) is broken",
  });

  // Tamper rules: every call that would blind the monitor, on this stack's own resources (core/src/tamper/pattern.ts).
  const allRuleNames = [...Object.values(ruleNames), ...tamperRuleIds({ centralEventBus: centralEventBusName !== undefined }).map((id) => names.rule(`tamper-${id}`))];
  const watched = tamperRules({
    ruleNames: allRuleNames,
    keyArns: [key.keyArn, hKey.keyArn],
    keyIds: [key.keyId, hKey.keyId],
    topicArns: [alerts.topicArn, health.topicArn],
    alarmNames,
    functionNames: [clusterEvent.fn, settle.fn, tamper.fn, sweep.fn, digest.fn, deadLetter.fn].map((fn) => fn.functionName),
    functionArns: [clusterEvent.fn, settle.fn, tamper.fn, sweep.fn, digest.fn, deadLetter.fn].map((fn) => fn.functionArn),
    queues: ownQueues.map((ownQueue) => ({ account: Aws.ACCOUNT_ID, name: ownQueue.queueName })),
    ...(centralEventBusName && { centralEventBusName }),
  });
  for (const tamperRule of watched) {
    const id = tamperRule.id.replace(/(^|-)([a-z])/g, (_match, _dash, letter: string) => letter.toUpperCase());
    const created = new events.Rule(stack, `Tamper${id}Rule`, {
      ruleName: names.rule(`tamper-${tamperRule.id}`),
      description: `Tamper: ${tamperRule.description}`.slice(0, 512),
      // The pattern is core's, verbatim (prefix filters included); CloudFormation resolves the ARNs in it.
      eventPattern: tamperRule.pattern as unknown as events.EventPattern,
    });
    created.addTarget(target(tamper.fn, tamperDeadLetters));
    rules.push(created);
  }

  // CloudWatch publishes to the health topic for this stack's alarms only, and uses its key for them only.
  const fromTheseAlarms = {
    StringEquals: { "aws:SourceAccount": Aws.ACCOUNT_ID },
    ArnEquals: { "aws:SourceArn": alarmNames.map(alarmArn) },
  };
  health.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: "ThisStacksAlarmsPublish",
      principals: [new iam.ServicePrincipal("cloudwatch.amazonaws.com")],
      actions: ["sns:Publish"],
      resources: [health.topicArn],
      conditions: fromTheseAlarms,
    }),
  );
  hKey.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: "ThisStacksAlarmsPublishToTheEncryptedTopic",
      principals: [new iam.ServicePrincipal("cloudwatch.amazonaws.com")],
      actions: TOPIC_PUBLISH_KEY_ACTIONS,
      resources: ["*"],
      conditions: fromTheseAlarms,
    }),
  );

  suppressFindings(stack, { clusterEvent: clusterEvent.fn, settle: settle.fn, tamper: tamper.fn, sweep: sweep.fn, digest: digest.fn, deadLetter: deadLetter.fn, reportBucket });

  stack.addOutputs({
    TableName: table.tableName,
    AlertsTopicArn: alerts.topicArn,
    HealthTopicArn: health.topicArn,
    SettleQueueUrl: settleQueue.queueUrl,
    ReportBucketName: reportBucket.bucketName,
  });
  new CfnOutput(stack, "ConfigSource", { value: config.source === "defaults" ? "defaults" : "warden.config.json" });
  return { table, topic: alerts, healthTopic: health, settleQueue, clusterEvent: clusterEvent.fn, settle: settle.fn, tamper: tamper.fn, sweep: sweep.fn, digest: digest.fn, deadLetter: deadLetter.fn, reportBucket, rule, rules };
}

/**
 * cdk-nag AwsSolutions findings accepted on purpose, each with the reason. Every other finding fails
 * test/infra.test.ts. The wildcard-resource read is accepted in grantUnscopedReads, on its own policy only.
 */
function suppressFindings(
  stack: Stack,
  parts: { clusterEvent: SstFunction; settle: SstFunction; tamper: SstFunction; sweep: SstFunction; digest: SstFunction; deadLetter: SstFunction; reportBucket: s3.Bucket },
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
  for (const fn of [parts.clusterEvent, parts.settle, parts.tamper, parts.sweep, parts.digest, parts.deadLetter]) {
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
  suppressScopedEksReads([parts.clusterEvent.role!, parts.settle.role!, parts.sweep.role!, parts.digest.role!]);
}

/** The EKS reads on every cluster (node group, add-on) ARN of the account in the watched regions, and nothing else. */
export function suppressScopedEksReads(roles: readonly iam.IRole[]): void {
  NagSuppressions.addResourceSuppressions(
    [...roles],
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
          "nodegroup-ami-outdated reads the latest AMI release of whichever AMI type and Kubernetes version a node group runs: the public parameters AWS publishes under these two paths, owned by AWS (no account), read-only",
        appliesTo: [{ regex: "/^Resource::arn:<AWS::Partition>:ssm:[a-z0-9-]+::parameter\\/aws\\/service\\/(eks\\/optimized-ami|bottlerocket)\\/\\*$/g" }],
      },
    ],
    true,
  );
}
