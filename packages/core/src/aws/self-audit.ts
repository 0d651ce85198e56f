// @eks-warden/core/aws/self-audit: the adapters only the tamper function's daily self-audit calls, apart from
// @eks-warden/core/aws so that no other handler's bundle reaches (and deploys) their SDK clients.

export { CloudTrailTrails } from "./cloudtrail.ts";
export { EventBridgeRules } from "./events.ts";
export { KmsKeys } from "./kms.ts";
export { LambdaEventSourceMappings } from "./lambda.ts";
export { SchedulerSchedules } from "./scheduler.ts";
