// The CloudTrail "AWS API Call via CloudTrail" events EventBridge delivers for EKS, parsed into one typed
// ClusterEvent. Everything the rest of the system reads from an event passes through here, so a malformed or
// forged event is stopped at the door with the field that is wrong, and never reaches evaluation or storage.
// The envelope common to every call is read in envelope.ts; what differs per call, in the table of parsers.ts.

import { actorOf, MAX_EVENT_BYTES, readEnvelope } from "./envelope.ts";
import { EventRejected, type ClusterEvent } from "./model.ts";
import { HANDLED_CLUSTER_EVENTS, isHandled } from "./names.ts";
import { clusterOf, EVENT_PARSERS } from "./parsers.ts";

export { MAX_EVENT_BYTES } from "./envelope.ts";
export { EventRejected, type Actor, type ClusterEvent, type ClusterIntent, type EndpointConfigIntent } from "./model.ts";
export { HANDLED_CLUSTER_EVENTS, type ClusterEventName } from "./names.ts";
export { endpointIntentFromParams } from "./parsers.ts";

/**
 * Parses an EventBridge "AWS API Call via CloudTrail" event for EKS into a ClusterEvent.
 * Throws EventRejected (with the event id when readable and the failing field path) on anything else.
 */
export function parseClusterEvent(input: unknown, options: { maxBytes?: number } = {}): ClusterEvent {
  const { account, detail } = readEnvelope(input, options.maxBytes ?? MAX_EVENT_BYTES);
  const eventId = detail.eventID;
  const eventName = detail.eventName;
  if (!isHandled(eventName)) {
    throw new EventRejected("unknown-event", eventId, [
      { path: "detail.eventName", message: `expected one of ${HANDLED_CLUSTER_EVENTS.join(", ")}, got ${JSON.stringify(eventName.slice(0, 64))}` },
    ]);
  }
  const parser = EVENT_PARSERS[eventName];
  const request = detail.requestParameters ?? {};
  const call = { eventId, account, region: detail.awsRegion, request, response: detail.responseElements ?? {} };
  const cluster = clusterOf(parser, call);

  const base = {
    eventId,
    eventName,
    account: cluster.account,
    region: cluster.region,
    clusterName: cluster.name,
    clusterArn: cluster.arn,
    actor: actorOf(detail.userIdentity),
    sourceIp: detail.sourceIPAddress,
    userAgent: detail.userAgent,
    eventTime: new Date(detail.eventTime),
  };
  if (detail.errorCode !== undefined) {
    // A failed call changed nothing: what it asked for is still worth keeping in history (who tried what).
    const failed = { errorCode: detail.errorCode, errorMessage: detail.errorMessage ?? "" };
    const extra: { nodegroupName?: string; addonName?: string } = {};
    if (typeof request.nodegroupName === "string") extra.nodegroupName = request.nodegroupName;
    if (typeof request.addonName === "string") extra.addonName = request.addonName;
    return { ...base, ...extra, failed };
  }
  return "accepted" in parser ? { ...base, ...parser.accepted(call, cluster) } : base;
}

/** Whether the call started a change that EKS completes later (so the live cluster does not show it yet). */
export function startsAsynchronousChange(event: ClusterEvent): boolean {
  if (event.failed || event.eventName === "DeleteCluster") return false;
  return event.updateId !== undefined || event.createdStatus === "CREATING";
}

