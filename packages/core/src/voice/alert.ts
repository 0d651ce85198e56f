// Alert rendering (docs/design.md "Alert (SNS)"): one transition -> subject, a readable text for people (default/email),
// the full JSON for machines (sqs/lambda/https), and message attributes subscribers can filter on. Pure.
//
// Secrets: an alert carries the CloudTrail identity (ARN, principal, user name, session issuer), source IP, user
// agent and event id, never the access key id CloudTrail also records: a key id is half of a credential and
// alert channels (email, chat) are not places to spread it.

import type { Actor, AlertCause, CallRecord, ClusterIdentity, Evidence, FindingStatus, Rule, Severity } from "../model.ts";
import type { EffectiveRemediation } from "../remediation/plan.ts";
import { hidesNothing, toldSeverity, type Transition, type TransitionKind } from "../state/transitions.ts";
import { publishedBytes, SNS_MESSAGE_MAX_BYTES, snsEnvelope, type AlertAttributeName, type SnsEnvelope } from "./envelope.ts";
import { asciiSubject, SUBJECT_MAX } from "./subject.ts";
import { boundedData, oneLine, quotedText } from "../text.ts";
/** Lists in an alert's text show this many entries, then "… and N more"; the JSON payload keeps up to PAYLOAD_MAX_ITEMS. */
const TEXT_MAX_ITEMS = 16;
const PAYLOAD_MAX_ITEMS = 32;
export const ALERT_PAYLOAD_VERSION = 1;

export type AlertKind = "alert" | "remediation" | "digest" | "coverage";

export interface AlertInput {
  readonly transition: Transition;
  readonly cluster: ClusterIdentity;
  readonly cause: AlertCause;
  /** The rule, for its title, risk and frameworks; absent if the rule is no longer registered. */
  readonly rule?: Pick<Rule, "title" | "risk" | "frameworks" | "headline">;
  /** When the evaluation ran. */
  readonly evaluatedAt: Date;
  /** What auto-remediation does on this cluster (policy, honoured override tag, or off): set on the remediated rule's alerts. */
  readonly autoRemediation?: EffectiveRemediation;
}

export interface AlertPayload {
  readonly kind: "alert";
  readonly version: typeof ALERT_PAYLOAD_VERSION;
  readonly transition: TransitionKind;
  readonly inProgress: boolean;
  readonly correcting: boolean;
  readonly exposure?: Transition["exposure"];
  readonly severity: Severity;
  readonly ruleId: string;
  readonly ruleTitle?: string;
  readonly frameworks: readonly string[];
  readonly cluster: ClusterIdentity;
  readonly before?: { readonly status: FindingStatus; readonly severity: Severity; readonly evidence: Evidence };
  readonly after: { readonly status: FindingStatus; readonly severity: Severity; readonly evidence: Evidence };
  readonly message: string;
  readonly cause: CallRecord & {
    readonly trigger: AlertCause["trigger"];
    readonly remediation?: AlertCause["remediation"];
    readonly access?: AlertCause["access"];
  };
  readonly evaluatedAt: string;
  readonly risk?: string;
  readonly remediation: { readonly text: string; readonly command: string };
  readonly exemption?: Transition["finding"]["exemption"];
  readonly autoRemediation?: EffectiveRemediation;
  /** Alerts of this rule held before this one (flapping), told here. */
  readonly flapped?: Transition["flapped"];
  /** The other rules a cluster that could not be read leaves unjudged, told with this ERRORED. */
  readonly sameProblem?: Transition["sameProblem"];
}

export interface RenderedAlert extends SnsEnvelope<AlertAttributeName> {
  readonly text: string;
  readonly payload: AlertPayload;
}

// What happened comes first, so that a subject cut at 100 characters only loses the end of the headline.
const KIND_TEXT: Readonly<Record<TransitionKind, string>> = {
  OPENED: "failing",
  ESCALATED: "worse",
  RESOLVED: "resolved",
  EXEMPTED: "exempted",
  UNEXEMPTED: "exemption removed",
  EXPIRED: "exemption expired",
  ERRORED: "cannot evaluate",
};

/**
 * The headline: what is wrong, in the rule's own words from the finding's evidence ("EKS API endpoint open to
 * 0.0.0.0/0", "Kubernetes 1.33 in paid extended support since 2026-07-29"), after what happened to it; the rule title
 * only when the rule cannot say (no headline, or evidence without what it needs) and for ERRORED.
 */
export function alertSummary(transition: Transition, rule?: Pick<Rule, "title" | "headline">): string {
  const title = rule?.title ?? transition.ruleId;
  // A resolution names what was wrong; everything else what is wrong now (an EXEMPT finding still carries its failure).
  const failing = transition.kind === "RESOLVED" ? transition.before : transition.after;
  const headline = transition.kind === "ERRORED" || failing === undefined ? undefined : safeHeadline(rule, failing, transition.inProgress === true);
  if (transition.kind === "ERRORED" && transition.sameProblem && transition.sameProblem.length > 0) return `cannot evaluate ${transition.sameProblem.length + 1} rules: the cluster could not be read`;
  if (transition.flapped?.summary) return `flapped ${transition.flapped.count} more ${transition.flapped.count === 1 ? "time" : "times"}, last ${KIND_TEXT[transition.kind]}: ${headline ?? title}`;
  if (transition.correcting) return `change did not take effect: ${title}`;
  if (transition.exposure) return `exposure window closed: ${title}`;
  if (transition.kind === "EXEMPTED" && transition.finding.exemption) return `exempt until ${transition.finding.exemption.until}: ${headline ?? title}`;
  // An opened finding's headline is the news itself; "failing: <title>" only when the rule cannot say more.
  if (transition.kind === "OPENED" && headline !== undefined) return headline;
  return `${KIND_TEXT[transition.kind]}: ${headline ?? title}`;
}

/** The rule's headline, or undefined when it has none, says nothing or throws (stored evidence can be of any age). */
function safeHeadline(rule: Pick<Rule, "headline"> | undefined, failing: { readonly evidence: Evidence }, inProgress: boolean): string | undefined {
  try {
    const text = rule?.headline?.(failing, { inProgress });
    return typeof text === "string" && oneLine(text) !== "" ? oneLine(text, 200) : undefined;
  } catch {
    return undefined;
  }
}

/** The severity the alert is filed under: a resolution keeps the severity of what it resolves; an exemption that hides
 * nothing is INFO (state/transitions.ts, which coalesces alerts by it). */
export function alertSeverity(transition: Transition): Severity {
  return toldSeverity(transition);
}

export function alertSubject(input: AlertInput): string {
  const { transition, cluster } = input;
  // An exemption is filed under the severity of what it hides, so a filter on severity still sees it.
  const label = transition.kind === "RESOLVED" ? "RESOLVED" : transition.kind === "EXEMPTED" && !hidesNothing(transition) ? `EXEMPT ${alertSeverity(transition)}` : alertSeverity(transition);
  const progress = transition.inProgress ? "[CHANGE IN PROGRESS] " : "";
  return asciiSubject(`[${label}] ${progress}${cluster.name} (${cluster.region}): ${alertSummary(transition, input.rule)}`, SUBJECT_MAX, "at-word");
}

/** A cluster's names as a message shows them: each one bounded line (a name read back from a queue or a table is not
 * checked against EKS's pattern again). */
export function shownCluster(cluster: ClusterIdentity): ClusterIdentity {
  return { name: oneLine(cluster.name, 100), region: oneLine(cluster.region, 32), account: oneLine(cluster.account, 12), arn: oneLine(cluster.arn, 300) };
}

/** What an access call did, to whom: "granted AmazonEKSClusterAdminPolicy (cluster scope) to arn:...". */
function describeAccessChange(cause: AlertCause): string | undefined {
  const access = cause.access;
  if (!access) return undefined;
  const grantee = access.principalArn === undefined ? "an unknown principal" : oneLine(access.principalArn, 300);
  const policy = access.policyArn === undefined ? undefined : oneLine(access.policyArn.slice(access.policyArn.lastIndexOf("/") + 1), 128);
  const scope = access.accessScope
    ? access.accessScope.type === "cluster"
      ? "cluster scope"
      : `namespaces ${access.accessScope.namespaces.map((namespace) => oneLine(namespace, 63)).slice(0, 20).join(", ")}`
    : undefined;
  const groups = access.kubernetesGroups && access.kubernetesGroups.length > 0 ? ` with Kubernetes groups ${access.kubernetesGroups.map((group) => quotedText(group, 128)).slice(0, 20).join(", ")}` : "";
  const provider = access.identityProvider ? `${quotedText(access.identityProvider.name, 128)}${access.identityProvider.issuerUrl ? ` (issuer ${quotedText(access.identityProvider.issuerUrl, 300)})` : ""}` : undefined;
  switch (cause.eventName) {
    case "AssociateAccessPolicy":
      return `granted ${policy ?? "an access policy"}${scope ? ` (${scope})` : ""} to ${grantee}`;
    case "DisassociateAccessPolicy":
      return `took ${policy ?? "an access policy"} away from ${grantee}`;
    case "CreateAccessEntry":
      return `created an access entry for ${grantee}${groups}`;
    case "UpdateAccessEntry":
      return `changed the access entry of ${grantee}${groups}`;
    case "DeleteAccessEntry":
      return `deleted the access entry of ${grantee}`;
    case "AssociateIdentityProviderConfig":
      return `associated the OIDC identity provider ${provider ?? "(unnamed)"}`;
    case "DisassociateIdentityProviderConfig":
      return `disassociated the OIDC identity provider ${provider ?? "(unnamed)"}`;
    default:
      return access.authenticationMode === undefined ? undefined : `set the authentication mode to ${oneLine(access.authenticationMode, 64)}`;
  }
}

function describeActor(actor: Actor | undefined): string {
  if (!actor) return "unknown (no CloudTrail identity)";
  const who = oneLine(actor.arn ?? actor.principalId ?? actor.type, 300);
  const details = [oneLine(actor.type, 64), actor.userName === undefined ? undefined : quotedText(actor.userName, 128)].filter(Boolean).join(" ");
  const via = actor.sessionIssuer?.arn ? `, session of ${oneLine(actor.sessionIssuer.arn, 300)}` : "";
  const invoked = actor.invokedBy ? `, invoked by ${quotedText(actor.invokedBy, 128)}` : "";
  return `${who} (${details}${via}${invoked})`;
}

/** `tag eks-warden:remediation=<value>[, set by <who>]`: the value is the cluster owner's text, quoted and bounded. */
function describeOverride(override: { readonly tag: string; readonly value: string; readonly setBy?: string }): string {
  return `tag ${override.tag}=${quotedText(override.value, 64)}${override.setBy ? `, set by ${oneLine(override.setBy, 300)}` : ""}`;
}

/**
 * What auto-remediation will really do to the cluster, on one line: remediation off by policy; none because the
 * finding is exempt (an honoured exemption); none or another action because of an honoured override tag (and who set
 * it); or the policy's action, saying so when an override tag is present but not honoured ("enforce, private
 * (policy); tag eks-warden:remediation=opt-out set by X, who is not allowed by policy.remediation.overrideTags:
 * remediation still applies"). `status`: the finding's, when it is known.
 */
export function describeAutoRemediation(effective: EffectiveRemediation, status?: FindingStatus): string {
  if (effective.mode === "off") return "off (policy.remediation.mode): EKS Warden will not change this cluster";
  if (status === "EXEMPT") return `${effective.mode}, none: the finding is exempt (an honoured exemption), so EKS Warden will not change this cluster`;
  if (effective.action === undefined) {
    if (effective.optedOut) return `${effective.mode}, none: opted out (${describeOverride(effective.override)})`;
    const { tag, value, setBy } = effective.override;
    return `${effective.mode}, none (tag ${tag}=${quotedText(value, 64)} names no action: nothing is done${setBy ? `; set by ${oneLine(setBy, 300)}` : ""})`;
  }
  if (effective.override) return `${effective.mode}, ${effective.action} (${describeOverride(effective.override)}, over the policy)`;
  const policy = `${effective.mode}, ${effective.action} (policy)`;
  if (!effective.ignored) return policy;
  const { tag, value, problem } = effective.ignored;
  return `${policy}; tag ${tag}=${quotedText(value, 64)} ${oneLine(problem, 500)}: remediation still applies`;
}

function describeState(state: { status: FindingStatus; severity: Severity } | undefined): string {
  if (!state) return "not evaluated before";
  return state.status === "FAIL" ? `FAIL (${state.severity})` : state.status;
}

/** One evidence value on one line: free text quoted, long lists summarised ("… and 240 more"), everything bounded. */
function formatValue(value: unknown): string {
  if (typeof value === "string") return quotedText(value, 300);
  return oneLine(JSON.stringify(boundedData(identified(value), TEXT_MAX_ITEMS, 200)), 1200);
}

/** The fields that name an item of an evidence list (a principal, a resource). */
const IDENTIFYING_KEYS = ["principalArn", "arn", "name"] as const;

/**
 * A list of records that each carry a name is told by those names: a reader of "What changed" needs who came and
 * went (the full records are in the finding's evidence), not a kilobyte of JSON.
 */
function identified(value: unknown): unknown {
  if (!Array.isArray(value) || value.length === 0) return value;
  const key = IDENTIFYING_KEYS.find((candidate) => value.every((item) => item !== null && typeof item === "object" && typeof (item as Record<string, unknown>)[candidate] === "string"));
  return key ? value.map((item) => (item as Record<string, string>)[key]) : value;
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
    const call = oneLine(cause.eventName ?? "a call", 64);
    lines.push(
      transition.kind === "EXEMPTED"
        ? `CHANGE IN PROGRESS: ${call} asked EKS for a configuration that fails this rule, on a cluster EXEMPT from it. EKS is applying it now;`
        : `CHANGE IN PROGRESS: ${call} asked EKS for a configuration that fails this rule. EKS is applying it now;`,
      "EKS Warden follows the change to its end and will not repeat this alert if it takes effect as asked.",
      "",
    );
  } else if (transition.exposure) {
    const { closedAt, closedBy, closedEventId } = transition.exposure;
    const from = cause.eventTime ? cause.eventTime.toISOString() : "the time of the call";
    const to = closedAt ? oneLine(closedAt, 40) : `at most ${input.evaluatedAt.toISOString()}`;
    const closer = closedBy ? `closed by ${oneLine(closedBy, 300)}` : "closed by a change EKS Warden did not see";
    lines.push(
      "EXPOSURE WINDOW: the change announced in an earlier \"change in progress\" alert took effect (its update succeeded) and",
      "was undone before it was checked:",
      `  open from ${from}, by ${describeActor(cause.actor)},`,
      `  to ${to}, ${closer}${closedEventId ? ` (CloudTrail ${oneLine(closedEventId, 256)})` : ""}.`,
      "The live cluster shows:",
      "",
    );
  } else if (transition.correcting) {
    lines.push("CORRECTION: the change announced in an earlier \"change in progress\" alert did not take effect (it failed, was", "cancelled or reverted). The live cluster shows:", "");
  }
  lines.push(`${transition.kind} ${alertSeverity(transition)}: ${oneLine(finding.message, 1000)}`, "");
  if (transition.flapped) {
    const { count, first, last, status, summary } = transition.flapped;
    lines.push(
      `FLAPPING: ${summary ? "this rule" : "before this alert, this rule"} flapped ${count} ${count === 1 ? "time" : "times"} between ${oneLine(first, 40)} and ${oneLine(last, 40)}, last state ${status}`,
      `(${count === 1 ? "that alert was" : "those alerts were"} held: at most one alert per rule and pair of transitions every 5 minutes; the history keeps each one).`,
      "",
    );
  }
  if (transition.sameProblem && transition.sameProblem.length > 0) {
    const others = transition.sameProblem;
    lines.push(
      `The cluster could not be read, so ${others.length} other ${others.length === 1 ? "rule is" : "rules are"} not evaluated either (one alert for all; each is stored as ERROR):`,
      `  ${others.slice(0, TEXT_MAX_ITEMS).map((ruleId) => oneLine(ruleId, 80)).join(", ")}${others.length > TEXT_MAX_ITEMS ? ` … and ${others.length - TEXT_MAX_ITEMS} more` : ""}`,
      "",
    );
  }
  if (hidesNothing(transition)) {
    lines.push(`The rule passes: this exemption ${transition.kind === "EXEMPTED" ? "hides" : "hid"} nothing now. It is recorded; a later failure behind it is told at its own severity.`, "");
  }
  const shown = shownCluster(cluster);
  lines.push(`Cluster:      ${shown.name} in ${shown.region}, account ${shown.account}`, `              ${shown.arn}`);
  lines.push(`Rule:         ${transition.ruleId}${rule ? ` (${rule.title})` : ""}${rule && rule.frameworks.length > 0 ? ` [${rule.frameworks.join(", ")}]` : ""}`);
  lines.push(`What changed: ${describeState(transition.before)} -> ${describeState(transition.after)}`);
  const changes = evidenceChanges(transition.before?.evidence, transition.after.evidence);
  for (const change of changes.slice(0, TEXT_MAX_ITEMS)) lines.push(`              ${change}`);
  if (changes.length > TEXT_MAX_ITEMS) lines.push(`              … and ${changes.length - TEXT_MAX_ITEMS} more`);
  if (finding.exemption) {
    const { expired, until, source, reason, grantedBy } = finding.exemption;
    const by = grantedBy ? `, set by ${oneLine(grantedBy, 300)}` : "";
    lines.push(`Exemption:    ${expired ? "expired" : "until"} ${oneLine(until, 10)} (${source}${by}): ${quotedText(reason, 300)}`);
  }
  if (input.autoRemediation) lines.push(`Remediation:  ${describeAutoRemediation(input.autoRemediation, finding.status)}`);
  if (cause.trigger === "sweep") {
    lines.push("Who:          no CloudTrail event: found by the scheduled sweep");
  } else {
    lines.push(`Who:          ${describeActor(cause.actor)}`);
    lines.push(`Source IP:    ${cause.sourceIp === undefined ? "unknown" : quotedText(cause.sourceIp, 64)}`);
    lines.push(`User agent:   ${cause.userAgent === undefined ? "unknown" : quotedText(cause.userAgent, 300)}`);
    // CreateCluster's authentication mode is not the news of its endpoint or version alerts.
    const change = cause.eventName === "CreateCluster" ? undefined : describeAccessChange(cause);
    if (change) lines.push(`Change:       ${change}`);
  }
  if (cause.remediation) {
    lines.push(`Closed by:    EKS Warden auto-remediation (update ${oneLine(cause.remediation.updateId, 200)}${cause.remediation.roleArn ? `, role ${oneLine(cause.remediation.roleArn, 300)}` : ""})`);
    lines.push(`Opened by:    ${describeActor(cause.remediation.openedBy)}${cause.remediation.openedAt ? ` at ${oneLine(cause.remediation.openedAt, 40)}` : ""}`);
  }
  const callName = oneLine([cause.eventName ?? "event", cause.eventId].filter(Boolean).join(" "), 300);
  const when = cause.eventTime ? `${cause.eventTime.toISOString()} (CloudTrail ${callName})` : "unknown";
  lines.push(`When:         ${when}; evaluated ${input.evaluatedAt.toISOString()}`);
  if (rule?.risk) lines.push("", `Why it matters: ${rule.risk}`);
  if (transition.kind !== "RESOLVED" && transition.kind !== "EXEMPTED") {
    lines.push("", `Fix: ${oneLine(finding.remediation.text, 1000)}`, `  ${oneLine(finding.remediation.command, 2000)}`);
  }
  return `${lines.join("\n")}\n`;
}

/** The machine-readable alert; free text and lists bounded (boundedData), so the message always fits SNS. */
export function alertPayload(input: AlertInput): AlertPayload {
  return boundedData(fullPayload(input), PAYLOAD_MAX_ITEMS) as AlertPayload;
}

function fullPayload(input: AlertInput): AlertPayload {
  const { transition, cluster, cause, rule } = input;
  return {
    kind: "alert",
    version: ALERT_PAYLOAD_VERSION,
    transition: transition.kind,
    inProgress: transition.inProgress === true,
    correcting: transition.correcting === true,
    ...(transition.exposure ? { exposure: transition.exposure } : {}),
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
      ...(cause.access ? { access: cause.access } : {}),
    },
    evaluatedAt: input.evaluatedAt.toISOString(),
    remediation: transition.finding.remediation,
    ...(transition.finding.exemption ? { exemption: transition.finding.exemption } : {}),
    ...(input.autoRemediation ? { autoRemediation: input.autoRemediation } : {}),
    ...(transition.flapped ? { flapped: transition.flapped } : {}),
    ...(transition.sameProblem && transition.sameProblem.length > 0 ? { sameProblem: transition.sameProblem } : {}),
  };
}

export function renderAlert(input: AlertInput): RenderedAlert {
  const rendered = build(input);
  // Everything is bounded already, so this is a last resort: an alert that cannot be published would hold back the
  // cluster's later alerts behind it in the outbox, so the evidence goes rather than the alert.
  if (publishedBytes(rendered) <= SNS_MESSAGE_MAX_BYTES) return rendered;
  const omitted = { omitted: "evidence too large for one SNS message; see the cluster's history in the state table" };
  const lean: Transition = {
    ...input.transition,
    ...(input.transition.before ? { before: { ...input.transition.before, evidence: omitted } } : {}),
    after: { ...input.transition.after, evidence: omitted },
    finding: { ...input.transition.finding, evidence: omitted },
  };
  return build({ ...input, transition: lean });
}

function build(input: AlertInput): RenderedAlert {
  const text = alertText(input);
  const payload = alertPayload(input);
  const { account, region, name } = shownCluster(input.cluster);
  const envelope = snsEnvelope(alertSubject(input), text, JSON.stringify(payload), { severity: payload.severity, ruleId: payload.ruleId, transition: payload.transition, account, region, cluster: name, kind: "alert" });
  return { ...envelope, text, payload };
}
