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
export { localWaitScale } from "./client-config.ts";
export { MAX_FINDINGS_PER_IMPORT, SecurityHubImporter } from "./securityhub.ts";
// The self-audit's adapters (CloudTrail, EventBridge, KMS, Lambda, Scheduler) are exported apart, from
// @eks-warden/core/aws/self-audit: esbuild emits a chunk for every lazy SDK import a bundle reaches, so exporting them
// here deployed ~180 KiB of clients with every handler, which only the tamper function calls.
