// @eks-warden/core/aws: one adapter per AWS service, the only code that calls an SDK; each implements a port of the
// use-cases and translates SDK errors into core's typed errors (errors.ts).

export { DynamoStateStore, eventKey } from "./dynamodb.ts";
export { EksCollector } from "./eks.ts";
export { ClusterInventory } from "./inventory.ts";
export { S3ReportStore } from "./s3.ts";
export { SnsPublisher, SnsTopicReader } from "./sns.ts";
export { SqsDeadLetterArchive, SqsSettleQueue } from "./sqs.ts";
export { type AccountCredentials, memberAccountsOf, policyAccountCredentials, StsIdentity } from "./sts.ts";
export { missingProfile } from "./profiles.ts";
export { MAX_FINDINGS_PER_IMPORT, SecurityHubImporter } from "./securityhub.ts";
export { CloudTrailTrails } from "./cloudtrail.ts";
export { EventBridgeRules } from "./events.ts";
export { KmsKeys } from "./kms.ts";
export { LambdaEventSourceMappings } from "./lambda.ts";
export { SchedulerSchedules } from "./scheduler.ts";
