// @eks-warden/core/events: the CloudTrail calls the monitor handles, their parsing, and the EventBridge pattern.

export { HANDLED_CLUSTER_EVENTS, parseClusterEvent } from "./cloudtrail.ts";
export { clusterEventPattern, type EventPattern, HANDLED_EVENT_NAMES, matchesEventPattern } from "./pattern.ts";
