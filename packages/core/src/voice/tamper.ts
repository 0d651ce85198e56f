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
  const envelope = typeof event === "object" && event !== null && !Array.isArray(event) ? (event as Record<string, unknown>) : {};
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
