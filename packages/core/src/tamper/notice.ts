// Tamper alerts and heartbeats (docs/threat-model.md): what the tamper function publishes to the health topic (and,
// best effort, the alerts topic). The CloudTrail record is attacker-shaped text from end to end (the caller chooses
// its user agent, resource names and session name), so it is read defensively: nothing is required, every string
// shown is made one safe, bounded line (voice/text.ts), and a record that cannot be read still alerts. Pure.

import { asciiSubject } from "../voice/subject.ts";
import { safeText } from "../voice/text.ts";

const FIELD_MAX = 256;
export const TAMPER_PAYLOAD_VERSION = 1;

/** tamper and heartbeat: the tamper function; dead-letter: the dead-letter function (tamper/dead-letter.ts). */
export type NoticeKind = "tamper" | "heartbeat" | "dead-letter";

/** What a tamper notice says, every string already made safe. */
export interface TamperCall {
  /** `<service>:<call>`, e.g. `kms:ScheduleKeyDeletion`. */
  readonly call: string;
  /** The resource the call named (trail, rule, key, topic, subscription, alarm), or "(unknown resource)". */
  readonly resource: string;
  readonly actor: string;
  /** The AWS service that made the call for the actor (CloudTrail userIdentity.invokedBy), e.g. a deployment's
   * cloudformation.amazonaws.com: the stack's own deployments change these resources too. */
  readonly invokedBy?: string;
  readonly sourceIp: string;
  readonly userAgent: string;
  readonly eventTime: string;
  readonly eventId?: string;
  readonly account?: string;
  readonly region?: string;
  /** Set when AWS refused the call: an attempt, not a change. */
  readonly errorCode?: string;
  readonly errorMessage?: string;
}

/** A message for SnsNotifier.publish: MessageStructure json, with the attributes subscribers filter on. */
export interface Notice {
  readonly subject: string;
  readonly message: string;
  readonly messageStructure: "json";
  readonly attributes: Readonly<Record<"kind" | "severity" | "account" | "region", string>>;
  readonly text: string;
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** The request parameter that names the resource, per call family (CloudTrail requestParameters). */
const RESOURCE_PARAMETERS = ["name", "trailName", "rule", "keyId", "topicArn", "subscriptionArn", "alarmName", "alarmNames", "functionName", "queueUrl", "eventBusName"] as const;

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

/** A health-topic message: the text for people, the JSON payload for machines, the attributes for filters. */
export function healthNotice(kind: NoticeKind, severity: string, subject: string, text: string, payload: Record<string, unknown>, where: { account?: string; region?: string }): Notice {
  const json = JSON.stringify({ kind, version: TAMPER_PAYLOAD_VERSION, severity, ...payload });
  return {
    subject: asciiSubject(subject),
    message: JSON.stringify({ default: text, email: text, "email-json": json, sqs: json, lambda: json, https: json, http: json }),
    messageStructure: "json",
    attributes: { kind, severity, account: where.account ?? "unknown", region: where.region ?? "unknown" },
    text,
  };
}

/** An ARN's resource part (`key/1234...`, `trail/org`), for the subject; the text keeps the whole ARN. */
function shortResource(resource: string): string {
  const parts = resource.split(":");
  return resource.startsWith("arn:") && parts.length >= 6 ? parts.slice(5).join(":") : resource;
}

/** The CRITICAL alert for a call that could blind the monitor. */
export function renderTamperAlert(call: TamperCall): Notice {
  const attempted = call.errorCode ? `attempted (refused: ${call.errorCode})` : "made";
  const subject = `[CRITICAL] EKS Warden tamper: ${call.call}${call.errorCode ? " (refused)" : ""} on ${shortResource(call.resource)}`;
  const text = [
    `A call that can blind EKS Warden was ${attempted}: ${call.call} on ${call.resource}.`,
    "",
    `Who:        ${call.actor}`,
    ...(call.invokedBy ? [`Through:    ${call.invokedBy} (a deployment of the stack changes these resources too: check it was yours)`] : []),
    `Source IP:  ${call.sourceIp}`,
    `User agent: ${call.userAgent}`,
    `When:       ${call.eventTime}`,
    `Where:      account ${call.account ?? "unknown"}, region ${call.region ?? "unknown"}`,
    ...(call.eventId ? [`Event id:   ${call.eventId}`] : []),
    ...(call.errorMessage ? [`AWS said:   ${call.errorMessage}`] : []),
    "",
    "Until this is explained, assume EKS Warden may no longer see or report changes to your clusters.",
    "Check the call in CloudTrail (event id above), undo it, and review who holds this identity's credentials.",
  ].join("\n");
  return healthNotice("tamper", "CRITICAL", subject, text, { call }, call);
}

/** The daily INFO message proving the health path (EventBridge schedule -> function -> health topic -> subscribers). */
export function renderHeartbeat(event: unknown, now: Date): Notice {
  const envelope = record(event);
  const where = { ...(safeText(envelope["account"], 20) ? { account: safeText(envelope["account"], 20) } : {}), ...(safeText(envelope["region"], 30) ? { region: safeText(envelope["region"], 30) } : {}) };
  const at = now.toISOString();
  const text = [
    `EKS Warden heartbeat, ${at} (account ${where.account ?? "unknown"}, region ${where.region ?? "unknown"}).`,
    "",
    "The health path works: the daily schedule ran, the tamper function published, this topic delivered.",
    "A day without this message means the path is broken (rule disabled, function or key unusable, subscription gone): investigate.",
  ].join("\n");
  return healthNotice("heartbeat", "INFO", `[INFO] EKS Warden heartbeat ${where.region ?? ""}`.trim(), text, { at }, where);
}

/** EventBridge's scheduled events: only AWS can emit source "aws.events" (PutEvents refuses "aws." sources). */
export function isScheduledEvent(event: unknown): boolean {
  const envelope = record(event);
  return envelope["source"] === "aws.events" && envelope["detail-type"] === "Scheduled Event";
}

/** What a publisher takes; core/src/aws/sns.ts SnsNotifier fits (it sends whatever attributes it is given). */
export interface NoticePublisher {
  publish(notice: Pick<Notice, "subject" | "message" | "messageStructure" | "attributes">): Promise<void>;
}

/** Where a notice goes: the health topic must take it; the alerts topic is told too, best effort. */
export interface NoticeTargets {
  readonly health: NoticePublisher;
  readonly alerts?: NoticePublisher;
}

export interface PublishResult {
  readonly alerts: "published" | "failed" | "skipped";
  /** Why the alerts topic refused (for the log), when it did. */
  readonly alertsError?: unknown;
}

/**
 * Publishes to both topics at once. The alerts topic's failure (its key disabled, say: exactly what a tamper alert
 * may be about) never stops the health one; a health failure throws, so Lambda retries the event.
 */
export async function publishNotice(notice: Notice, targets: NoticeTargets): Promise<PublishResult> {
  const [health, alerts] = await Promise.allSettled([targets.health.publish(notice), targets.alerts?.publish(notice)]);
  if (health.status === "rejected") throw health.reason;
  if (!targets.alerts) return { alerts: "skipped" };
  return alerts.status === "fulfilled" ? { alerts: "published" } : { alerts: "failed", alertsError: alerts.reason };
}
