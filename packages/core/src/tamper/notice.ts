// The tamper function's input and output (docs/threat-model.md): the CloudTrail call it is invoked for, and the
// publishing of a notice to the health topic (and, best effort, the alerts topic); what the notice says is
// voice/tamper.ts. The CloudTrail record is attacker-shaped text from end to end (the caller chooses its user agent,
// resource names and session name), so it is read defensively: nothing is required, every string kept is made one
// safe, bounded line (text.ts), and a record that cannot be read still alerts. Pure but for publishNotice.

import type { Publisher } from "../voice/envelope.ts";
import type { Notice, TamperCall } from "../voice/tamper.ts";
import { safeText } from "../text.ts";

const FIELD_MAX = 256;

function record(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** The request parameter that names the resource, per call family (CloudTrail requestParameters). */
const RESOURCE_PARAMETERS = [
  "name", "trailName", "rule", "keyId", "topicArn", "subscriptionArn", "resourceArn", "alarmName", "alarmNames", "functionName", "uUID", "uuid", "queueUrl",
  "tableName", "sourceTableName", "sourceTableArn", "eventBusName",
] as const;

function resourceOf(parameters: Record<string, unknown>): string | undefined {
  for (const key of RESOURCE_PARAMETERS) {
    const value = parameters[key];
    const shown = Array.isArray(value) ? safeText(value.filter((item) => typeof item === "string").join(", "), FIELD_MAX) : safeText(value, FIELD_MAX);
    if (shown) return shown;
  }
  return undefined;
}

/** The CloudTrail call inside an EventBridge "AWS API Call via CloudTrail" event (or a bare record). Never throws. */
export function readTamperCall(event: unknown): TamperCall {
  const envelope = record(event);
  const detail = "detail" in envelope ? record(envelope["detail"]) : envelope;
  const identity = record(detail["userIdentity"]);
  const service = safeText(typeof detail["eventSource"] === "string" ? detail["eventSource"].replace(/\.amazonaws\.com$/, "") : undefined, 40) ?? "unknown";
  const name = safeText(detail["eventName"], 80) ?? "UnknownCall";
  const actor = safeText(identity["arn"], FIELD_MAX) ?? safeText(identity["principalId"], FIELD_MAX) ?? safeText(identity["type"], 40) ?? "unknown (no CloudTrail identity)";
  const optional = (key: string, value: string | undefined) => (value === undefined ? {} : { [key]: value });
  return {
    call: `${service}:${name}`,
    resource: resourceOf(record(detail["requestParameters"])) ?? "(unknown resource)",
    actor,
    ...optional("invokedBy", safeText(identity["invokedBy"], 80)),
    sourceIp: safeText(detail["sourceIPAddress"], 64) ?? "unknown",
    userAgent: safeText(detail["userAgent"], FIELD_MAX) ?? "unknown",
    eventTime: safeText(detail["eventTime"], 40) ?? safeText(envelope["time"], 40) ?? "unknown",
    ...optional("eventId", safeText(detail["eventID"], 64)),
    ...optional("account", safeText(detail["recipientAccountId"], 20) ?? safeText(envelope["account"], 20)),
    ...optional("region", safeText(detail["awsRegion"], 30) ?? safeText(envelope["region"], 30)),
    ...optional("errorCode", safeText(detail["errorCode"], 80)),
    ...optional("errorMessage", safeText(detail["errorMessage"], FIELD_MAX)),
  };
}

/**
 * A scheduled event's shape (an EventBridge rule's or EventBridge Scheduler's). Only AWS emits these sources through
 * EventBridge, but anyone allowed to invoke the function can hand it any JSON: the shape says "heartbeat wanted",
 * and isOwnHeartbeat (self-audit.ts) decides whether it is the stack's own.
 */
export function isScheduledEvent(event: unknown): boolean {
  const envelope = record(event);
  return (envelope["source"] === "aws.events" || envelope["source"] === "aws.scheduler") && envelope["detail-type"] === "Scheduled Event";
}

/** Where a notice goes besides the health topic, which must always take it. */
export interface NoticeOptions {
  /** The function has an alerts topic: the notice goes there too, best effort. */
  readonly alerts: boolean;
}

export interface PublishResult {
  readonly alerts: "published" | "failed" | "skipped";
  /** Why the alerts topic refused (for the log), when it did. */
  readonly alertsError?: unknown;
}

/**
 * Publishes to the health topic and, when `options.alerts`, the alerts topic, at once. The alerts topic's failure
 * (its key disabled, say: exactly what a tamper alert may be about) never stops the health one; a health failure
 * throws, so Lambda retries the event.
 */
export async function publishNotice(notice: Notice, publisher: Publisher, options: NoticeOptions): Promise<PublishResult> {
  const [health, alerts] = await Promise.allSettled([publisher.publish("health", notice), options.alerts ? publisher.publish("alerts", notice) : undefined]);
  if (health.status === "rejected") throw health.reason;
  if (!options.alerts) return { alerts: "skipped" };
  return alerts.status === "fulfilled" ? { alerts: "published" } : { alerts: "failed", alertsError: alerts.reason };
}
