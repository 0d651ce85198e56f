// What the health topic says (docs/threat-model.md): the CRITICAL tamper alert for a call that could blind the
// monitor, the daily INFO heartbeat, and the notice shape the dead-letter alert shares (voice/dead-letter.ts). Every
// string of a TamperCall was made safe where it was read (tamper/notice.ts); the subject is SNS's (voice/subject.ts).
// Pure.

import { snsEnvelope, type NoticeAttributeName, type SnsEnvelope } from "./envelope.ts";
import { asciiSubject } from "./subject.ts";
import { safeText } from "../text.ts";

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

/** A message of the health topic (Publisher.publish): MessageStructure json, with the attributes subscribers filter on. */
export interface Notice extends SnsEnvelope<NoticeAttributeName> {
  readonly text: string;
}

/** A health-topic message: the text for people, the JSON payload for machines, the attributes for filters. */
export function healthNotice(kind: NoticeKind, severity: string, subject: string, text: string, payload: Record<string, unknown>, where: { account?: string; region?: string }): Notice {
  const json = JSON.stringify({ kind, version: TAMPER_PAYLOAD_VERSION, severity, ...payload });
  return { ...snsEnvelope(asciiSubject(subject), text, json, { kind, severity, account: where.account ?? "unknown", region: where.region ?? "unknown" }), text };
}

/** An ARN's resource part (`key/1234...`, `trail/org`), for the subject; the text keeps the whole ARN. */
function shortResource(resource: string): string {
  const parts = resource.split(":");
  return resource.startsWith("arn:") && parts.length >= 6 ? parts.slice(5).join(":") : resource;
}

/** What a watched call can do to the monitor, for the alert's reader; by `<service>:<call>` (Lambda's version suffix
 * dropped). Calls not listed get the general warning only. */
const WHAT_IT_CAN_DO: Readonly<Record<string, string>> = {
  "sns:Subscribe": "A new subscription reads every notice of the topic (or an endpoint that swallows them).",
  "sns:SetSubscriptionAttributes": "A filter policy on a subscription drops every notice it does not match (the heartbeat may still arrive).",
  "sns:SetTopicAttributes": "The topic's policy or key can stop publishers (alarms, functions) from reaching it.",
  "sns:AddPermission": "The topic's policy now lets another principal publish to it or manage it.",
  "sns:RemovePermission": "A publisher's statement removed: the alarms may no longer reach the topic.",
  "sns:PutDataProtectionPolicy": "A data protection policy can mask or deny what the notices carry.",
  "sns:Unsubscribe": "Someone no longer receives the topic's notices.",
  "kms:CreateGrant": "A grant lets its grantee use or administer the key outside the key policy.",
  "kms:RetireGrant": "A grant on the key was retired: whoever used it is cut off.",
  "kms:RevokeGrant": "A grant on the key was revoked: whoever used it is cut off.",
  "lambda:UpdateEventSourceMapping": "The mapping feeding a function from its queue may be disabled or re-batched: its messages wait unread.",
  "lambda:DeleteEventSourceMapping": "The mapping feeding a function from its queue is gone: its messages wait unread until they expire.",
  "lambda:PutFunctionConcurrency": "A concurrency of 0 stops the function from running at all.",
  "lambda:UpdateFunctionConfiguration": "The function's environment, role or timeout changed: it may no longer see, judge or report.",
  "scheduler:UpdateSchedule": "The sweep or digest schedule may be disabled, re-timed or re-targeted.",
  "scheduler:DeleteSchedule": "The sweep or digest no longer runs.",
  "dynamodb:UpdateTable": "The state table's configuration changed (deletion protection, stream, capacity, replicas).",
  "dynamodb:UpdateTimeToLive": "The state table's history may expire early or never.",
  "dynamodb:DeleteTable": "The monitor's state (findings, exemptions, history) is gone.",
  "dynamodb:PutResourcePolicy": "The state table's resource policy decides who may write findings and exemptions.",
  "dynamodb:DeleteResourcePolicy": "The state table no longer refuses writes from principals other than the monitor's.",
  "dynamodb:RestoreTableToPointInTime": "The state table's history was copied out to a new table (or is about to replace the live one).",
};

function whatItCanDo(call: string): string | undefined {
  return WHAT_IT_CAN_DO[call.replace(/\d{8}(v\d+)?$/, "")];
}

/** The CRITICAL alert for a call that could blind the monitor. */
export function renderTamperAlert(call: TamperCall): Notice {
  const attempted = call.errorCode ? `attempted (refused: ${call.errorCode})` : "made";
  const subject = `[CRITICAL] EKS Warden tamper: ${call.call}${call.errorCode ? " (refused)" : ""} on ${shortResource(call.resource)}`;
  const text = [
    `A call that can blind EKS Warden was ${attempted}: ${call.call} on ${call.resource}.`,
    ...(whatItCanDo(call.call) ? [whatItCanDo(call.call)!] : []),
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

/** The self-audit's result as the voice needs it (tamper/self-audit.ts AuditResult; strings made safe here). */
export interface SelfAuditReport {
  readonly checks: number;
  readonly deviations: readonly { readonly resource: string; readonly expected: string; readonly found: string }[];
  readonly notChecked: readonly string[];
}

/** At most this many deviations are spelled out; the rest are counted (a message stays far below SNS's 256 KiB). */
const DEVIATIONS_SHOWN = 60;

/**
 * The daily heartbeat, which is the self-audit's result (EventBridge rule -> tamper -> health topic -> subscribers):
 * INFO "N checks, all as deployed", or HIGH with each deviation from what the stack deployed. Its kind stays
 * "heartbeat", so a subscription filtered down to heartbeats still hears that it was filtered.
 */
export function renderSelfAudit(report: SelfAuditReport, where: { account?: string; region?: string }, now: Date): Notice {
  const place = { ...(safeText(where.account, 20) ? { account: safeText(where.account, 20) } : {}), ...(safeText(where.region, 30) ? { region: safeText(where.region, 30) } : {}) };
  const at = now.toISOString();
  const count = report.deviations.length;
  const severity = count === 0 ? "INFO" : "HIGH";
  const summary = count === 0 ? `self-audit: ${report.checks} checks, all as deployed` : `self-audit: ${report.checks} checks, ${count} not as deployed`;
  const field = (value: string) => safeText(value, 300) ?? "(empty)";
  const deviations = report.deviations.slice(0, DEVIATIONS_SHOWN).flatMap((deviation) => [`- ${field(deviation.resource)}`, `    expected: ${field(deviation.expected)}`, `    found:    ${field(deviation.found)}`]);
  const notChecked = report.notChecked.map((line) => `- ${field(line)}`);
  const text = [
    `EKS Warden heartbeat, ${at} (account ${place.account ?? "unknown"}, region ${place.region ?? "unknown"}): ${summary}.`,
    "",
    count === 0
      ? "The plumbing is as the stack deployed it (rules, queue mappings, schedules, topics, their policies and subscriptions, keys, the trail), and the health path works: the daily schedule ran, the tamper function published, this topic delivered."
      : "Something of the monitor's own plumbing is not as the stack deployed it. Until each line below is explained and undone, assume EKS Warden may miss changes or fail to tell you:",
    ...(count === 0 ? [] : ["", ...deviations, ...(count > DEVIATIONS_SHOWN ? [`- and ${count - DEVIATIONS_SHOWN} more (the JSON payload has every one)`] : [])]),
    ...(notChecked.length === 0 ? [] : ["", "Not checked here:", ...notChecked]),
    "",
    "A day without this message means the health path is broken (rule disabled, function or key unusable, subscription gone): investigate.",
  ].join("\n");
  const payload = {
    at,
    checks: report.checks,
    deviations: report.deviations.map((deviation) => ({ resource: field(deviation.resource), expected: field(deviation.expected), found: field(deviation.found) })),
    notChecked: report.notChecked.map(field),
  };
  return healthNotice("heartbeat", severity, `[${severity}] EKS Warden ${summary} ${place.region ?? ""}`.trim(), text, payload, place);
}

/** A call made as the monitor's remediation identity that no remediation attempt of the monitor made. */
export interface MonitorIdentityCall {
  readonly call: string;
  readonly clusterArn: string;
  readonly actor: string;
  readonly sourceIp: string;
  readonly userAgent: string;
  readonly eventTime: string;
  readonly eventId: string;
  readonly updateId?: string;
  readonly account?: string;
  readonly region?: string;
}

/**
 * The CRITICAL notice for the monitor's remediation identity (the Settle role, a member remediation role) used
 * outside remediation: someone holds its credentials or can pass it. The call is judged like anyone's as well.
 */
export function renderMonitorIdentityMisuse(input: MonitorIdentityCall): Notice {
  const call = {
    call: safeText(input.call, 80) ?? "UnknownCall",
    clusterArn: safeText(input.clusterArn, 300) ?? "(unknown cluster)",
    actor: safeText(input.actor, 256) ?? "unknown",
    sourceIp: safeText(input.sourceIp, 64) ?? "unknown",
    userAgent: safeText(input.userAgent, 256) ?? "unknown",
    eventTime: safeText(input.eventTime, 40) ?? "unknown",
    eventId: safeText(input.eventId, 64) ?? "unknown",
    ...(safeText(input.updateId, 64) ? { updateId: safeText(input.updateId, 64) } : {}),
    ...(safeText(input.account, 20) ? { account: safeText(input.account, 20) } : {}),
    ...(safeText(input.region, 30) ? { region: safeText(input.region, 30) } : {}),
  };
  // The phrase first and the cluster's name alone: SNS cuts a subject at 100 characters.
  const subject = `[CRITICAL] monitor identity used outside remediation: ${call.call} on ${call.clusterArn.split("/").at(-1) ?? call.clusterArn}`;
  const text = [
    `EKS Warden's remediation identity made a call that no remediation of EKS Warden made: ${call.call} on ${call.clusterArn}.`,
    `No remediation attempt of the cluster has ${call.updateId ? `update ${call.updateId}` : "this call (it started no update)"}.`,
    "",
    `Who:        ${call.actor}`,
    `Source IP:  ${call.sourceIp}`,
    `User agent: ${call.userAgent}`,
    `When:       ${call.eventTime}`,
    `Event id:   ${call.eventId}`,
    "",
    "The call is judged like anyone's (its alerts follow on the alerts topic). Someone holds or can pass this role:",
    "review who may assume it, its sessions in CloudTrail, and rotate what leaked.",
  ].join("\n");
  return healthNotice("tamper", "CRITICAL", subject, text, { call: { ...call, call: `eks:${call.call}`, resource: call.clusterArn } }, call);
}
