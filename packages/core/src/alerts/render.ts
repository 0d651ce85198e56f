// Alert rendering (docs/design.md "Alert (SNS)"): one transition -> subject, a readable text for people (default/email),
// the full JSON for machines (sqs/lambda/https), and message attributes subscribers can filter on. Pure.
//
// Secrets: an alert carries the CloudTrail identity (ARN, principal, user name, session issuer), source IP, user
// agent and event id, never the access key id CloudTrail also records: a key id is half of a credential and
// alert channels (email, chat) are not places to spread it.

import type { AlertCause, ClusterIdentity, Evidence, FindingStatus, Rule, Severity } from "../model.ts";
import type { Actor } from "../events/cloudtrail.ts";
import type { Transition, TransitionKind } from "../state/transitions.ts";

export const SUBJECT_MAX = 100;
export const ALERT_PAYLOAD_VERSION = 1;

export type AlertKind = "alert" | "remediation" | "digest";

export interface AlertInput {
  readonly transition: Transition;
  readonly cluster: ClusterIdentity;
  readonly cause: AlertCause;
  /** The rule, for its title, risk and frameworks; absent if the rule is no longer registered. */
  readonly rule?: Pick<Rule, "title" | "risk" | "frameworks">;
  /** When the evaluation ran. */
  readonly evaluatedAt: Date;
}

export interface AlertPayload {
  readonly kind: "alert";
  readonly version: typeof ALERT_PAYLOAD_VERSION;
  readonly transition: TransitionKind;
  readonly inProgress: boolean;
  readonly correcting: boolean;
  readonly severity: Severity;
  readonly ruleId: string;
  readonly ruleTitle?: string;
  readonly frameworks: readonly string[];
  readonly cluster: ClusterIdentity;
  readonly before?: { readonly status: FindingStatus; readonly severity: Severity; readonly evidence: Evidence };
  readonly after: { readonly status: FindingStatus; readonly severity: Severity; readonly evidence: Evidence };
  readonly message: string;
  readonly cause: {
    readonly trigger: AlertCause["trigger"];
    readonly eventId?: string;
    readonly eventName?: string;
    readonly actor?: Actor;
    readonly sourceIp?: string;
    readonly userAgent?: string;
    readonly eventTime?: string;
    readonly remediation?: AlertCause["remediation"];
  };
  readonly evaluatedAt: string;
  readonly risk?: string;
  readonly remediation: { readonly text: string; readonly command: string };
  readonly exemption?: Transition["finding"]["exemption"];
}

export interface RenderedAlert {
  readonly subject: string;
  /** The SNS Message for MessageStructure "json": per-protocol bodies. */
  readonly message: string;
  readonly messageStructure: "json";
  readonly attributes: Readonly<Record<"severity" | "ruleId" | "transition" | "account" | "region" | "cluster" | "kind", string>>;
  readonly text: string;
  readonly payload: AlertPayload;
}

// What happened comes first, so that a subject cut at 100 characters only loses the end of the rule title.
const KIND_TEXT: Readonly<Record<TransitionKind, string>> = {
  OPENED: "failing",
  ESCALATED: "worse",
  RESOLVED: "resolved",
  EXEMPTED: "exempted",
  EXPIRED: "exemption expired",
  ERRORED: "cannot evaluate",
};

function strings(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((item) => typeof item === "string") ? (value as string[]) : undefined;
}

/**
 * The headline: for endpoint findings it names what is reachable ("EKS API endpoint open to 0.0.0.0/0"), which is
 * what a reader must see first; otherwise the rule title and what happened to it.
 */
export function alertSummary(transition: Transition, rule?: Pick<Rule, "title">): string {
  const evidence = transition.after.evidence;
  const cidrs = strings(evidence.publicAccessCidrs) ?? strings(evidence.openCidrs);
  const publicAccess = evidence.publicAccess ?? evidence.endpointPublicAccess;
  if (cidrs && cidrs.length > 0 && publicAccess !== false && transition.after.status === "FAIL") {
    return `EKS API endpoint ${transition.inProgress ? "opening" : "open"} to ${cidrs.join(", ")}`;
  }
  const title = rule?.title ?? transition.ruleId;
  if (transition.correcting) return `change did not take effect: ${title}`;
  if (transition.kind === "EXEMPTED" && transition.finding.exemption) return `exempt until ${transition.finding.exemption.until}: ${title}`;
  return `${KIND_TEXT[transition.kind]}: ${title}`;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** The severity the alert is filed under: a resolution keeps the severity of what it resolves. */
export function alertSeverity(transition: Transition): Severity {
  return transition.kind === "RESOLVED" ? (transition.before?.severity ?? transition.after.severity) : transition.after.severity;
}

export function alertSubject(input: AlertInput): string {
  const { transition, cluster } = input;
  const label = transition.kind === "RESOLVED" ? "RESOLVED" : transition.kind === "EXEMPTED" ? "EXEMPT" : alertSeverity(transition);
  const progress = transition.inProgress ? "[CHANGE IN PROGRESS] " : "";
  return truncate(`[${label}] ${progress}${cluster.name} (${cluster.region}): ${alertSummary(transition, input.rule)}`, SUBJECT_MAX);
}

function describeActor(actor: Actor | undefined): string {
  if (!actor) return "unknown (no CloudTrail identity)";
  const who = actor.arn ?? actor.principalId ?? actor.type;
  const details = [actor.type, actor.userName].filter(Boolean).join(" ");
  const via = actor.sessionIssuer?.arn ? `, session of ${actor.sessionIssuer.arn}` : "";
  const invoked = actor.invokedBy ? `, invoked by ${actor.invokedBy}` : "";
  return `${who} (${details}${via}${invoked})`;
}

function describeState(state: { status: FindingStatus; severity: Severity } | undefined): string {
  if (!state) return "not evaluated before";
  return state.status === "FAIL" ? `FAIL (${state.severity})` : state.status;
}

function formatValue(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** Equal as data: stored evidence comes back from DynamoDB with its object keys in another order. */
function sameValue(left: unknown, right: unknown): boolean {
  return JSON.stringify(canonical(left)) === JSON.stringify(canonical(right));
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === "object" && !(value instanceof Date)) {
    return Object.fromEntries(Object.keys(value).sort().map((key) => [key, canonical((value as Record<string, unknown>)[key])]));
  }
  return value;
}

function isShown(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (Array.isArray(value)) return value.length > 0;
  return typeof value !== "object";
}

/**
 * Evidence keys whose value changed, as "key: before -> after" lines. Without a before (first evaluation), the
 * plain facts only (no empty lists, no nested bookkeeping), so the reader sees what is, not every field.
 */
function evidenceChanges(before: Evidence | undefined, after: Evidence): string[] {
  if (!before) return Object.entries(after).filter(([, value]) => isShown(value)).map(([key, value]) => `${key}: ${formatValue(value)}`);
  return Object.keys(after)
    .filter((key) => after[key] !== undefined && !sameValue(before[key], after[key]))
    .map((key) => (key in before ? `${key}: ${formatValue(before[key])} -> ${formatValue(after[key])}` : `${key}: ${formatValue(after[key])}`));
}

export function alertText(input: AlertInput): string {
  const { transition, cluster, cause, rule } = input;
  const { finding } = transition;
  const lines: string[] = [];
  if (transition.inProgress) {
    lines.push(
      `CHANGE IN PROGRESS: ${cause.eventName ?? "a call"} asked EKS for a configuration that fails this rule. EKS is applying it now;`,
      "EKS Warden follows the change to its end and will not repeat this alert if it takes effect as asked.",
      "",
    );
  } else if (transition.correcting) {
    lines.push("CORRECTION: the change announced in an earlier \"change in progress\" alert did not take effect (it failed, was", "cancelled or reverted). The live cluster shows:", "");
  }
  lines.push(`${transition.kind} ${alertSeverity(transition)}: ${finding.message}`, "");
  lines.push(`Cluster:      ${cluster.name} in ${cluster.region}, account ${cluster.account}`, `              ${cluster.arn}`);
  lines.push(`Rule:         ${transition.ruleId}${rule ? ` (${rule.title})` : ""}${rule && rule.frameworks.length > 0 ? ` [${rule.frameworks.join(", ")}]` : ""}`);
  lines.push(`What changed: ${describeState(transition.before)} -> ${describeState(transition.after)}`);
  for (const change of evidenceChanges(transition.before?.evidence, transition.after.evidence)) lines.push(`              ${change}`);
  if (finding.exemption) {
    lines.push(`Exemption:    ${finding.exemption.expired ? "expired" : "until"} ${finding.exemption.until} (${finding.exemption.source}): ${finding.exemption.reason}`);
  }
  if (cause.trigger === "sweep") {
    lines.push("Who:          no CloudTrail event: found by the scheduled sweep");
  } else {
    lines.push(`Who:          ${describeActor(cause.actor)}`);
    lines.push(`Source IP:    ${cause.sourceIp ?? "unknown"}`);
    lines.push(`User agent:   ${cause.userAgent ?? "unknown"}`);
  }
  if (cause.remediation) {
    lines.push(`Closed by:    EKS Warden auto-remediation (update ${cause.remediation.updateId}${cause.remediation.roleArn ? `, role ${cause.remediation.roleArn}` : ""})`);
    lines.push(`Opened by:    ${describeActor(cause.remediation.openedBy)}${cause.remediation.openedAt ? ` at ${cause.remediation.openedAt}` : ""}`);
  }
  const callName = [cause.eventName ?? "event", cause.eventId].filter(Boolean).join(" ");
  const when = cause.eventTime ? `${cause.eventTime.toISOString()} (CloudTrail ${callName})` : "unknown";
  lines.push(`When:         ${when}; evaluated ${input.evaluatedAt.toISOString()}`);
  if (rule?.risk) lines.push("", `Why it matters: ${rule.risk}`);
  if (transition.kind !== "RESOLVED" && transition.kind !== "EXEMPTED") {
    lines.push("", `Fix: ${finding.remediation.text}`, `  ${finding.remediation.command}`);
  }
  return `${lines.join("\n")}\n`;
}

export function alertPayload(input: AlertInput): AlertPayload {
  const { transition, cluster, cause, rule } = input;
  return {
    kind: "alert",
    version: ALERT_PAYLOAD_VERSION,
    transition: transition.kind,
    inProgress: transition.inProgress === true,
    correcting: transition.correcting === true,
    severity: alertSeverity(transition),
    ruleId: transition.ruleId,
    ...(rule ? { ruleTitle: rule.title, risk: rule.risk } : {}),
    frameworks: rule?.frameworks ?? [],
    cluster: { arn: cluster.arn, account: cluster.account, region: cluster.region, name: cluster.name },
    ...(transition.before ? { before: transition.before } : {}),
    after: transition.after,
    message: transition.finding.message,
    cause: {
      trigger: cause.trigger,
      ...(cause.eventId ? { eventId: cause.eventId } : {}),
      ...(cause.eventName ? { eventName: cause.eventName } : {}),
      ...(cause.actor ? { actor: cause.actor } : {}),
      ...(cause.sourceIp ? { sourceIp: cause.sourceIp } : {}),
      ...(cause.userAgent ? { userAgent: cause.userAgent } : {}),
      ...(cause.eventTime ? { eventTime: cause.eventTime.toISOString() } : {}),
      ...(cause.remediation ? { remediation: cause.remediation } : {}),
    },
    evaluatedAt: input.evaluatedAt.toISOString(),
    remediation: transition.finding.remediation,
    ...(transition.finding.exemption ? { exemption: transition.finding.exemption } : {}),
  };
}

export function renderAlert(input: AlertInput): RenderedAlert {
  const text = alertText(input);
  const payload = alertPayload(input);
  const json = JSON.stringify(payload);
  return {
    subject: alertSubject(input),
    message: JSON.stringify({ default: text, email: text, "email-json": json, sqs: json, lambda: json, https: json, http: json }),
    messageStructure: "json",
    attributes: {
      severity: payload.severity,
      ruleId: payload.ruleId,
      transition: payload.transition,
      account: input.cluster.account,
      region: input.cluster.region,
      cluster: input.cluster.name,
      kind: "alert",
    },
    text,
    payload,
  };
}
