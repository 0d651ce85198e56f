// The state and the channels: the state table, the two KMS keys and the topics they encrypt, the report bucket
// (docs/design.md, "The state table"; docs/threat-model.md: keys and topics).
import { Duration, RemovalPolicy } from "aws-cdk-lib";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import * as s3 from "aws-cdk-lib/aws-s3";
import * as sns from "aws-cdk-lib/aws-sns";
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import type { Stack } from "sst/constructs";
import { REPORT_PREFIX, REPORT_RETENTION_DAYS, STATE_TABLE_KEY_SCHEMA, TOPICS, type TopicKey } from "@eks-warden/core/deployment";
import type { StackSettings } from "./parts.ts";

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

/** Nothing of the stack needs a grant on the health key (SNS and CloudWatch use it through its policy): a grant there
 * could only hand someone the use of it outside the policy (docs/threat-model.md). */
const HEALTH_KEY_UNNEEDED_ACTIONS = new Set(["kms:CreateGrant"]);

/** Actions that use a key's material, as opposed to administering it. */
const KEY_USE_ACTIONS = new Set(["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom", "kms:ReEncryptTo"]);

/** What a client of a KMS-encrypted SNS topic needs on the key to publish (SNS encrypts with a data key). */
export const TOPIC_PUBLISH_KEY_ACTIONS = ["kms:GenerateDataKey", "kms:Decrypt"];

function accountAdministration(actions: readonly string[]): iam.PolicyStatement {
  return new iam.PolicyStatement({ sid: "AccountAdministersTheKey", principals: [new iam.AccountRootPrincipal()], actions: [...actions], resources: ["*"] });
}

/**
 * The alerts key: the account administers it and the functions use it through their IAM grants. No service principal:
 * nothing but the functions publishes to the alerts topic (alarms go to the health topic).
 * The health key: a key of its own, so that disabling, deleting or re-policying the alerts key is reported through a
 * channel that does not depend on it. The account administers it but does not use it: only the principals named on
 * it later (CloudWatch for this stack's alarms, the tamper and dead-letter functions) may encrypt with it.
 */
const KEY_SETTINGS: Record<TopicKey, { readonly describes: string; readonly actions: readonly string[] }> = {
  alerts: { describes: "encrypts the alerts topic", actions: KEY_ADMINISTRATION_ACTIONS },
  health: {
    describes: "encrypts the health topic (tamper alerts, health alarms, heartbeat)",
    actions: KEY_ADMINISTRATION_ACTIONS.filter((action) => !KEY_USE_ACTIONS.has(action) && !HEALTH_KEY_UNNEEDED_ACTIONS.has(action)),
  },
};

function topicKey(settings: StackSettings, key: TopicKey): kms.Key {
  const { stack, removalPolicy } = settings;
  return new kms.Key(stack, TOPICS[key].keyId, {
    description: `EKS Warden ${stack.stage}: ${KEY_SETTINGS[key].describes}`,
    enableKeyRotation: true,
    policy: new iam.PolicyDocument({ statements: [accountAdministration(KEY_SETTINGS[key].actions)] }),
    removalPolicy,
  });
}

function topic(stack: Stack, key: TopicKey, masterKey: kms.Key, emails: readonly string[]): sns.Topic {
  const created = new sns.Topic(stack, TOPICS[key].id, {
    displayName: TOPICS[key].displayName,
    masterKey,
    // Adds the Deny on aws:SecureTransport=false: no message travels in clear text.
    enforceSSL: true,
  });
  for (const email of emails) created.addSubscription(new subscriptions.EmailSubscription(email));
  return created;
}

/** The two topics, each on its own key: the alerts to policy.alertEmails, the health notices to healthEmails. */
export function topicsAndKeys(settings: StackSettings): { topics: Record<TopicKey, sns.Topic>; keys: Record<TopicKey, kms.Key> } {
  const { stack, config } = settings;
  const alertsKey = topicKey(settings, "alerts");
  const alerts = topic(stack, "alerts", alertsKey, config.policy.alertEmails);
  const healthKey = topicKey(settings, "health");
  const health = topic(stack, "health", healthKey, config.healthEmails);
  return { topics: { alerts, health }, keys: { alerts: alertsKey, health: healthKey } };
}

export function stateTable(settings: StackSettings): dynamodb.Table {
  const [partition, sort] = STATE_TABLE_KEY_SCHEMA.KeySchema;
  return new dynamodb.Table(settings.stack, "StateTable", {
    partitionKey: { name: partition.AttributeName, type: dynamodb.AttributeType.STRING },
    sortKey: { name: sort.AttributeName, type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    timeToLiveAttribute: STATE_TABLE_KEY_SCHEMA.TimeToLiveAttribute,
    encryption: dynamodb.TableEncryption.AWS_MANAGED,
    deletionProtection: settings.keep,
    removalPolicy: settings.keep ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
  });
}

/** The digest's reports: encrypted, TLS-only, private, versioned, expired by a lifecycle rule. */
export function reportBucket(settings: StackSettings): s3.Bucket {
  return new s3.Bucket(settings.stack, "ReportBucket", {
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
    removalPolicy: settings.keep ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    autoDeleteObjects: false,
  });
}

/** Every write of an item (PartiQL's too; TransactWriteItems is authorised as the PutItem/UpdateItem/DeleteItem it holds). */
export const TABLE_ITEM_WRITE_ACTIONS = [
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
  "dynamodb:BatchWriteItem",
  "dynamodb:PartiQLInsert",
  "dynamodb:PartiQLUpdate",
  "dynamodb:PartiQLDelete",
];

/** What changes the table itself or its protection: for the deployment alone. */
export const TABLE_MANAGEMENT_ACTIONS = [
  "dynamodb:PutResourcePolicy",
  "dynamodb:DeleteResourcePolicy",
  "dynamodb:UpdateTable",
  "dynamodb:UpdateTimeToLive",
  "dynamodb:UpdateContinuousBackups",
  "dynamodb:DeleteTable",
];

/**
 * The state table's resource policy. One PutItem of a FAIL record by anyone with broad DynamoDB rights would make a
 * real opening raise nothing: so every item write is denied to all but the functions that keep state (their roles,
 * exactly) and the deployment (the CloudFormation execution role, the root user to break the glass), and changing the
 * table, its TTL, its backups or this policy to all but the deployment. An explicit Deny binds principals of this
 * account too, whatever their IAM policies allow. `Resource: "*"` is the table itself in its own policy (its ARN would
 * be a circular reference). Reads are not restricted here.
 */
export function onlyWardenWritesTheTable(table: dynamodb.Table, writers: readonly iam.IRole[], guardians: readonly string[]): void {
  table.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: "OnlyWardenWritesState",
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: TABLE_ITEM_WRITE_ACTIONS,
      resources: ["*"],
      conditions: { ArnNotEquals: { "aws:PrincipalArn": [...writers.map((role) => role.roleArn), ...guardians] } },
    }),
  );
  table.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: "OnlyTheDeploymentManagesTheTable",
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: TABLE_MANAGEMENT_ACTIONS,
      resources: ["*"],
      conditions: { ArnNotEquals: { "aws:PrincipalArn": [...guardians] } },
    }),
  );
}

/** What writes or removes a report object (versions included: the bucket keeps noncurrent versions). */
export const REPORT_WRITE_ACTIONS = ["s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"];

/**
 * The report bucket's policy: under the report prefix only the digest's role writes or deletes objects, and the
 * deployment (execution role, root) to break the glass. A report replaced by someone else no longer matches the
 * SHA-256 the digest's message carries.
 */
export function onlyTheDigestWritesReports(bucket: s3.Bucket, digestRole: iam.IRole, guardians: readonly string[]): void {
  bucket.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: "OnlyTheDigestWritesReports",
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: REPORT_WRITE_ACTIONS,
      resources: [bucket.arnForObjects(`${REPORT_PREFIX}*`)],
      conditions: { ArnNotEquals: { "aws:PrincipalArn": [digestRole.roleArn, ...guardians] } },
    }),
  );
}
