// Remediation alerts (message attribute kind=remediation): what EKS Warden did or would do to a cluster, and how it
// ended. One per outcome: DRY_RUN (the exact call it would make), SUCCEEDED (with how long the endpoint was open),
// FAILED (with EKS's errors, or the member role that could not be assumed), CONFLICT (the attempt budget is spent: who keeps reopening),
// REFUSED (a settle message EKS Warden did not queue asked for remediation: nothing was called); and the changes of the
// per-cluster override tag eks-warden:remediation, each on its own: OVERRIDE_SET (honoured: its setter is one
// policy.remediation.overrideTags lists), OVERRIDE_REFUSED (ignored: remediation still applies), OVERRIDE_REMOVED. Pure.

import type { Actor, CallRecord, ClusterIdentity, RemediationAction, Severity } from "../model.ts";
import { REMEDIATION_RULE_ID, REMEDIATION_TAG, REMEDIATION_WINDOW_HOURS, type EffectiveRemediation, type RemediationOverride, type UpdateClusterConfigInput } from "../remediation/plan.ts";
import { describeAutoRemediation, shownCluster } from "./alert.ts";
import { snsEnvelope, type AlertAttributeName, type SnsEnvelope } from "./envelope.ts";
import { asciiSubject, SUBJECT_MAX } from "./subject.ts";
import { oneLine, quotedText } from "../text.ts";

export const REMEDIATION_OUTCOMES = ["DRY_RUN", "SUCCEEDED", "FAILED", "CONFLICT", "REFUSED", "OVERRIDE_SET", "OVERRIDE_REFUSED", "OVERRIDE_REMOVED"] as const;
export type RemediationOutcome = (typeof REMEDIATION_OUTCOMES)[number];

/** The change being undone: who made it, when (CloudTrail). */


export interface RemediationAlertInput {
  readonly outcome: RemediationOutcome;
  readonly cluster: ClusterIdentity;
  readonly severity: Severity;
  readonly action?: RemediationAction;
  readonly input?: UpdateClusterConfigInput;
  readonly command?: string;
  readonly override?: RemediationOverride;
  readonly updateId?: string;
  readonly opened: CallRecord;
  /** SUCCEEDED: when the closing update was seen ended; the endpoint was open from opened.eventTime to this. */
  readonly endedAt?: string;
  readonly errors?: readonly string[];
  /** FAILED before any call: the member account's remediation role could not be assumed (roleArn), or none is
   * configured (no roleArn). Not an EKS error: EKS was never asked. */
  readonly roleNotAssumed?: { readonly account: string; readonly roleArn?: string; readonly reason: string };
  /** CONFLICT: who made the changes undone in the window, and how many calls were made. */
  readonly openers?: readonly string[];
  readonly attempts?: number;
  readonly budget?: number;
  /** REFUSED: why the settle message is not one EKS Warden queued (no claim of its event, no such EKS update). */
  readonly refusedBecause?: string;
  /**
   * OVERRIDE_*: the override tag's value as the call left it (absent: removed), and what remediation now does to the
   * cluster (the override honoured, or ignored and why). `opened` is then the tag call itself.
   */
  readonly overrideChange?: { readonly value?: string; readonly effective: EffectiveRemediation };
  /** The monitor's role (whose calls these are). */
  readonly roleArn?: string;
  readonly at: Date;
}

export interface RemediationPayload extends Omit<RemediationAlertInput, "at"> {
  readonly kind: "remediation";
  readonly version: 1;
  readonly ruleId: typeof REMEDIATION_RULE_ID;
  readonly at: string;
  readonly openForSeconds?: number;
}

export interface RenderedRemediationAlert extends SnsEnvelope<AlertAttributeName> {
  readonly text: string;
  readonly payload: RemediationPayload;
}

/** "1h 4m 10s" */
export function formatDuration(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  const parts = [[Math.floor(whole / 3600), "h"], [Math.floor((whole % 3600) / 60), "m"], [whole % 60, "s"]] as const;
  const shown = parts.filter(([value]) => value > 0).map(([value, unit]) => `${value}${unit}`);
  return shown.length > 0 ? shown.join(" ") : "0s";
}

function openForSeconds(input: { opened: CallRecord; endedAt?: string }): number | undefined {
  if (!input.opened.eventTime || !input.endedAt) return undefined;
  const seconds = (Date.parse(input.endedAt) - Date.parse(input.opened.eventTime)) / 1000;
  return Number.isFinite(seconds) ? Math.max(0, seconds) : undefined;
}

function who(actor: Actor | undefined): string {
  if (!actor) return "unknown (no CloudTrail identity)";
  // CloudTrail's identity fields and EKS's messages reach this text as recorded: one bounded line each, as in every alert.
  return oneLine(`${actor.arn ?? actor.principalId ?? actor.type}${actor.userName ? ` (${actor.type} ${actor.userName})` : ` (${actor.type})`}`, 500);
}

export function remediationSubject(input: RemediationAlertInput): string {
  const { cluster } = input;
  const where = `${cluster.name} (${cluster.region})`;
  const open = openForSeconds(input);
  switch (input.outcome) {
    case "DRY_RUN":
      return asciiSubject(`[DRY RUN] ${where}: would close the public endpoint (${input.action ?? "private"})`, SUBJECT_MAX, "at-word");
    case "SUCCEEDED":
      return asciiSubject(`[REMEDIATED] ${where}: public endpoint closed by EKS Warden${open !== undefined ? ` after ${formatDuration(open)} open` : ""}`, SUBJECT_MAX, "at-word");
    case "FAILED":
      return asciiSubject(`[REMEDIATION FAILED] ${where}: the public endpoint is still open`, SUBJECT_MAX, "at-word");
    case "CONFLICT":
      return asciiSubject(`[REMEDIATION CONFLICT] ${where}: endpoint reopened after ${input.attempts ?? 0} closures; stopped`, SUBJECT_MAX, "at-word");
    case "REFUSED":
      return asciiSubject(`[REMEDIATION REFUSED] ${where}: forged settle message refused, nothing changed`, SUBJECT_MAX, "at-word");
    case "OVERRIDE_SET":
      return asciiSubject(`[REMEDIATION OVERRIDE] ${where}: ${overrideHeadline(input.overrideChange?.effective)}`, SUBJECT_MAX, "at-word");
    case "OVERRIDE_REFUSED":
      return asciiSubject(`[REMEDIATION OVERRIDE REFUSED] ${where}: tag ignored, remediation still applies`, SUBJECT_MAX, "at-word");
    case "OVERRIDE_REMOVED":
      return asciiSubject(`[REMEDIATION OVERRIDE REMOVED] ${where}: remediation follows the policy again`, SUBJECT_MAX, "at-word");
  }
}

/** What an honoured override does, for a subject. */
function overrideHeadline(effective: EffectiveRemediation | undefined): string {
  if (effective?.action === undefined) return effective?.optedOut ? "opted out by tag, remediation will not run" : "the tag names no action, remediation will not run";
  return `remediation will use ${effective.action} (tag)`;
}

/** The first lines of an override change: the tag, who set or removed it, and what remediation does now. */
function overrideChangeLines(input: RemediationAlertInput): string[] {
  const change = input.overrideChange;
  const who = input.opened.actor ? oneLine(input.opened.actor.arn ?? input.opened.actor.principalId ?? input.opened.actor.type, 300) : "an unknown principal";
  const tag = change?.value === undefined ? REMEDIATION_TAG : `${REMEDIATION_TAG}=${quotedText(change.value, 64)}`;
  const ignored = change?.effective.action !== undefined && change.effective.source === "policy" ? change.effective.ignored : undefined;
  switch (input.outcome) {
    case "OVERRIDE_REFUSED":
      return [`REMEDIATION OVERRIDE REFUSED: ${tag} ${oneLine(ignored?.problem ?? `set by ${who}`, 500)}: remediation still applies.`, "Someone tried to keep EKS Warden's remediation away from this cluster: find out who and why.", ""];
    case "OVERRIDE_REMOVED":
      return [`REMEDIATION OVERRIDE REMOVED: ${tag} removed by ${who}: remediation follows the policy again.`, ""];
    default:
      return [`REMEDIATION OVERRIDE: ${tag} set by ${who}, allowed by policy.remediation.overrideTags: it decides what remediation does to this cluster.`, ""];
  }
}

export function remediationText(input: RemediationAlertInput): string {
  const { opened } = input;
  const cluster = shownCluster(input.cluster);
  const lines: string[] = [];
  const open = openForSeconds(input);
  switch (input.outcome) {
    case "DRY_RUN":
      lines.push("DRY RUN: remediation is in dry-run mode, so nothing was called. Under enforce, EKS Warden would make this call:", "");
      break;
    case "SUCCEEDED":
      lines.push(`REMEDIATED: EKS Warden closed the public API endpoint of ${cluster.name}; the update ended Successful.`, "");
      break;
    case "FAILED":
      lines.push(`REMEDIATION FAILED: EKS Warden could not close the public API endpoint of ${cluster.name}; it is still open.`, "");
      break;
    case "CONFLICT":
      lines.push(
        `REMEDIATION CONFLICT: the endpoint of ${cluster.name} was reopened after EKS Warden closed it ${input.attempts ?? 0} times in ${REMEDIATION_WINDOW_HOURS} h`,
        `(budget ${input.budget ?? input.attempts ?? 0}). EKS Warden stops here and will not fight: talk to whoever keeps reopening it, then exempt the`,
        "cluster or opt it out (tag eks-warden:remediation=opt-out), or fix what needs public access.",
        "",
      );
      break;
    case "OVERRIDE_SET":
    case "OVERRIDE_REFUSED":
    case "OVERRIDE_REMOVED":
      lines.push(...overrideChangeLines(input));
      break;
    case "REFUSED":
      lines.push(
        `REMEDIATION REFUSED: a settle message asked EKS Warden to close the public API endpoint of ${cluster.name}, but it is not`,
        "one EKS Warden queued, so nothing was called. Someone who can send to the settle queue (or invoke the settle function)",
        "forged it: find who (CloudTrail, the queue's SendMessage) and take that access away.",
        "",
      );
      break;
  }
  lines.push(`Cluster:      ${cluster.name} in ${cluster.region}, account ${cluster.account}`, `              ${cluster.arn}`);
  // The tag value is the cluster owner's text: quoted and bounded, as in every other alert.
  const tag = input.override ? `tag ${input.override.tag}=${quotedText(input.override.value, 64)}` : undefined;
  if (input.action) lines.push(`Action:       ${input.action}${tag ? ` (from ${tag})` : " (policy)"}`);
  else if (tag) lines.push(`Override:     ${tag}`);
  if (input.command) lines.push(`Call:         UpdateClusterConfig ${JSON.stringify(input.input)}`, `              ${input.command}`);
  if (input.updateId) lines.push(`Update:       ${oneLine(input.updateId, 200)}`);
  if (input.refusedBecause) lines.push(`Refused:      ${oneLine(input.refusedBecause, 1000)}`);
  if (input.overrideChange) lines.push(`Remediation:  ${describeAutoRemediation(input.overrideChange.effective)}`);
  if (input.outcome === "CONFLICT") lines.push(`Reopened by:  ${oneLine((input.openers ?? []).join(", "), 2000) || "unknown"}`);
  else if (input.overrideChange) lines.push(`Tagged by:    ${who(opened.actor)}`, `Source IP:    ${opened.sourceIp === undefined ? "unknown" : quotedText(opened.sourceIp, 64)}`);
  else if (input.outcome === "REFUSED") lines.push(`Claimed by:   ${who(opened.actor)} (as the message says: not to be believed)`);
  else lines.push(`Opened by:    ${who(opened.actor)}`, `Source IP:    ${opened.sourceIp === undefined ? "unknown" : quotedText(opened.sourceIp, 64)}`);
  if (opened.eventTime) lines.push(`${input.overrideChange ? "Tagged at:   " : "Opened at:   "} ${oneLine(opened.eventTime, 40)} (CloudTrail ${oneLine([opened.eventName ?? "event", opened.eventId].filter(Boolean).join(" "), 300)})`);
  if (input.outcome === "SUCCEEDED" && input.endedAt) lines.push(`Closed at:    ${input.endedAt}${open !== undefined ? `; open for ${formatDuration(open)}` : ""}`);
  for (const error of input.errors ?? []) lines.push(`EKS error:    ${oneLine(error, 1000)}`);
  const notAssumed = input.roleNotAssumed;
  if (notAssumed) {
    lines.push(
      notAssumed.roleArn
        ? `Could not assume: ${oneLine(notAssumed.roleArn, 300)} (account ${oneLine(notAssumed.account, 12)}): ${oneLine(notAssumed.reason, 1000)}`
        : `No remediation role: account ${oneLine(notAssumed.account, 12)}: ${oneLine(notAssumed.reason, 1000)}`,
    );
  }
  if (input.roleArn) lines.push(`Monitor role: ${oneLine(input.roleArn, 300)}`);
  lines.push(`When:         ${input.at.toISOString()}`);
  return `${lines.join("\n")}\n`;
}

export function renderRemediationAlert(input: RemediationAlertInput): RenderedRemediationAlert {
  const open = openForSeconds(input);
  const { at, ...rest } = input;
  const payload: RemediationPayload = { kind: "remediation", version: 1, ruleId: REMEDIATION_RULE_ID, ...rest, at: at.toISOString(), ...(open !== undefined ? { openForSeconds: open } : {}) };
  const text = remediationText(input);
  const envelope = snsEnvelope(remediationSubject(input), text, JSON.stringify(payload), {
    severity: input.severity,
    ruleId: REMEDIATION_RULE_ID,
    transition: input.outcome,
    account: input.cluster.account,
    region: input.cluster.region,
    cluster: input.cluster.name,
    kind: "remediation",
  });
  return { ...envelope, text, payload };
}

/** The input a payload was rendered from (for subscribers that rebuild the text, as the local system does). */
export function remediationInputFromPayload(payload: RemediationPayload): RemediationAlertInput {
  const { kind: _kind, version: _version, ruleId: _rule, openForSeconds: _open, at, ...rest } = payload;
  return { ...rest, at: new Date(at) };
}
