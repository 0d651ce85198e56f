// Auto-remediation of a public EKS API endpoint (docs/design.md, data flow 7): the pure decision. Given the settled
// finding of `endpoint-public-access`, the live snapshot, the policy, the stored remediation record of the cluster
// and who made the change, it says exactly what to do: call UpdateClusterConfig with this input, only say what it
// would call (dry-run), skip (and why), or stop and report a conflict (the attempt budget is spent). No AWS here.
//
// The guards, in the order they are checked: mode off; the change is the monitor's own; not a settled FAIL of the
// endpoint rule (an honoured exemption makes it EXEMPT, so only an honoured one stops remediation: a tag the
// governance refuses, or a malformed one, leaves the FAIL and is remediated); cluster not ACTIVE (UPDATING waits for
// it); the per-cluster tag opts out (or names an unknown action: fail safe, do nothing), when the policy lets its
// setter set it (remediation/override.ts; an override set by anyone else is ignored); a remediation already in flight;
// the attempt budget (default 3 per 24 h) spent.

import type { Actor } from "../model.ts";
import { REMEDIATION_TAG } from "../monitor-tags.ts";
import type { ClusterSnapshot, Finding, Policy, RemediationAction, RemediationMode, Severity, TagGrant } from "../model.ts";
import { overrideStanding } from "./override.ts";

export const REMEDIATION_RULE_ID = "endpoint-public-access";
export { REMEDIATION_TAG } from "../monitor-tags.ts";
export const REMEDIATION_OPT_OUT = "opt-out";
export const REMEDIATION_TAG_VALUES = [REMEDIATION_OPT_OUT, "private", "restrict-to-allowlist"] as const;
export const DEFAULT_ATTEMPTS_PER_WINDOW = 3;
export const REMEDIATION_WINDOW_HOURS = 24;
/** An attempt still marked in flight after this long is considered lost (its messages went to the dead-letter queue). */
export const IN_FLIGHT_STALE_HOURS = 6;

const HOUR_MS = 3_600_000;

/** UpdateClusterConfig's input, exactly as sent (the SDK command's input). */
export interface UpdateClusterConfigInput {
  readonly name: string;
  readonly resourcesVpcConfig: {
    readonly endpointPublicAccess: boolean;
    readonly endpointPrivateAccess?: boolean;
    readonly publicAccessCidrs?: readonly string[];
  };
}

export type AttemptStatus = "calling" | "retrying" | "in-progress" | "succeeded" | "failed" | "already-closed" | "abandoned";

/** Attempts that made (or hold the right to make) an UpdateClusterConfig call: what the budget counts. */
export const COUNTED_STATUSES: ReadonlySet<AttemptStatus> = new Set(["calling", "retrying", "in-progress", "succeeded", "failed"]);
export const IN_FLIGHT_STATUSES: ReadonlySet<AttemptStatus> = new Set(["calling", "retrying", "in-progress"]);

export interface RemediationAttempt {
  readonly id: string;
  /** When the attempt was reserved (before the call). */
  readonly at: string;
  readonly action: RemediationAction;
  readonly status: AttemptStatus;
  readonly input: UpdateClusterConfigInput;
  readonly updateId?: string;
  /** Who made the change being undone (CloudTrail identity ARN, or principal). */
  readonly openedBy?: string;
  readonly openedEventId?: string;
  readonly openedAt?: string;
  /** The per-cluster tag the action came from, if any (told in every alert of the attempt). */
  readonly override?: RemediationOverride;
  /** The severity of the finding it answers (the outcome alert is filed under it). */
  readonly severity?: Severity;
  readonly endedAt?: string;
  readonly errors?: readonly string[];
  /** Whether the outcome alert went out. */
  readonly reported?: boolean;
}

/** Where the action came from: the policy, or the cluster's tag. */
export interface RemediationOverride {
  readonly tag: typeof REMEDIATION_TAG;
  readonly value: string;
  /** Who set the tag (its recorded TagResource), when known: an honoured override is told with its setter. */
  readonly setBy?: string;
}

/** An override tag the policy does not honour (policy.remediation.overrideTags): ignored, the policy applies. */
export interface IgnoredOverride extends RemediationOverride {
  /** Why, phrased after "eks-warden:remediation=<value> ". */
  readonly problem: string;
}

/** The stored remediation state of one cluster (sk REMEDIATION), written by conditional write on `version`. */
export interface RemediationRecord {
  readonly clusterArn: string;
  /** 0: not stored yet. */
  readonly version: number;
  readonly attempts: readonly RemediationAttempt[];
  readonly override?: RemediationOverride;
  /** The one conflict alert of the current budget window. */
  readonly conflict?: { readonly at: string; readonly openers: readonly string[] };
  readonly updatedAt?: string;
}

/**
 * What remediation does on one cluster, from the policy and the cluster's override tag: the one place this is
 * decided (the plan acts on it, every alert about the endpoint tells it). `action` is undefined when an honoured tag
 * opts the cluster out, or names no known action (fail safe: nothing is done). A tag the policy does not let its
 * setter set is `ignored`: the policy's action applies.
 */
export type EffectiveRemediation =
  | {
      readonly mode: RemediationMode;
      readonly action: RemediationAction;
      readonly source: "policy" | "tag";
      /** The tag as set (source "tag"); its value is the cluster owner's text, sanitised wherever it is shown. */
      readonly override?: RemediationOverride;
      /** Source "policy": the tag present but not honoured, and why. */
      readonly ignored?: IgnoredOverride;
      readonly optedOut: false;
    }
  | { readonly mode: RemediationMode; readonly action?: undefined; readonly source: "tag"; readonly override: RemediationOverride; readonly optedOut: boolean };

function isRemediationAction(value: string): value is RemediationAction {
  return value === "private" || value === "restrict-to-allowlist";
}

/**
 * `overrideGrant`: the recorded setting of the override tag (who set it to which value); without it the tag's setter
 * is unknown, and only `policy.remediation.overrideTags: ["*"]` honours it.
 */
export function effectiveRemediation(policy: Policy, tags: Readonly<Record<string, string>>, overrideGrant?: TagGrant): EffectiveRemediation {
  const { mode, action } = policy.remediation;
  const value = tags[REMEDIATION_TAG];
  if (value === undefined) return { mode, action, source: "policy", optedOut: false };
  const standing = overrideStanding(value, overrideGrant, policy);
  if (!standing.honoured) {
    return { mode, action, source: "policy", ignored: { tag: REMEDIATION_TAG, value, ...(standing.setBy ? { setBy: standing.setBy } : {}), problem: standing.problem }, optedOut: false };
  }
  const override: RemediationOverride = { tag: REMEDIATION_TAG, value, setBy: standing.setBy };
  if (isRemediationAction(value)) return { mode, action: value, source: "tag", override, optedOut: false };
  return { mode, source: "tag", override, optedOut: value === REMEDIATION_OPT_OUT };
}

export type RemediationDecision =
  | { readonly kind: "skip"; readonly reason: string; readonly override?: RemediationOverride }
  | { readonly kind: "dry-run" | "act"; readonly action: RemediationAction; readonly input: UpdateClusterConfigInput; readonly command: string; readonly override?: RemediationOverride }
  | { readonly kind: "conflict"; readonly attempts: readonly RemediationAttempt[]; readonly openers: readonly string[]; readonly override?: RemediationOverride };

export interface RemediationContext {
  readonly finding: Finding | undefined;
  readonly snapshot: ClusterSnapshot;
  readonly policy: Policy;
  readonly record: RemediationRecord | undefined;
  readonly now: Date;
  /** Who made the change that settled into this FAIL. */
  readonly opener?: Actor;
  /** The change was the monitor's own call (recognised by its role): never remediated again. */
  readonly byMonitor: boolean;
  /** The recorded setting of the override tag, when the cluster has one: who may set it is checked against it. */
  readonly overrideGrant?: TagGrant;
}

export function emptyRecord(clusterArn: string): RemediationRecord {
  return { clusterArn, version: 0, attempts: [] };
}

export function actorName(actor: Actor | undefined): string {
  return actor?.arn ?? actor?.principalId ?? actor?.type ?? "unknown";
}

/** Attempts of the budget window (the last 24 h) that count against the budget. */
export function attemptsInWindow(record: RemediationRecord | undefined, now: Date): RemediationAttempt[] {
  const since = now.getTime() - REMEDIATION_WINDOW_HOURS * HOUR_MS;
  return (record?.attempts ?? []).filter((attempt) => COUNTED_STATUSES.has(attempt.status) && Date.parse(attempt.at) > since);
}

/** An attempt still in flight (recent enough not to be lost). */
export function inFlight(record: RemediationRecord | undefined, now: Date): RemediationAttempt | undefined {
  const since = now.getTime() - IN_FLIGHT_STALE_HOURS * HOUR_MS;
  return (record?.attempts ?? []).find((attempt) => IN_FLIGHT_STATUSES.has(attempt.status) && Date.parse(attempt.at) > since);
}

/** The exact call for an action. `private`: one call, private on and public off (never both off). */
export function remediationInput(action: RemediationAction, snapshot: ClusterSnapshot, policy: Policy): UpdateClusterConfigInput {
  if (action === "private") return { name: snapshot.name, resourcesVpcConfig: { endpointPrivateAccess: true, endpointPublicAccess: false } };
  // Public stays on and only its CIDRs change, so private access is left as it is: no configuration with both off.
  return { name: snapshot.name, resourcesVpcConfig: { endpointPublicAccess: true, publicAccessCidrs: [...policy.endpoint.allowedPublicCidrs] } };
}

/** The same call as an AWS CLI command (what a dry-run alert shows and what a person can run). */
export function remediationCommand(input: UpdateClusterConfigInput, region: string): string {
  const vpc = input.resourcesVpcConfig;
  const parts = [`endpointPublicAccess=${vpc.endpointPublicAccess}`];
  if (vpc.endpointPrivateAccess !== undefined) parts.push(`endpointPrivateAccess=${vpc.endpointPrivateAccess}`);
  // The list goes last: the CLI's shorthand reads everything after publicAccessCidrs= as its list.
  if (vpc.publicAccessCidrs !== undefined) parts.push(`publicAccessCidrs=${vpc.publicAccessCidrs.join(",")}`);
  return `aws eks update-cluster-config --region ${region} --name ${input.name} --resources-vpc-config ${parts.join(",")}`;
}

function strings(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((item) => typeof item === "string") ? (value as string[]) : undefined;
}

export function planRemediation(context: RemediationContext): RemediationDecision {
  const { finding, snapshot, policy, record, now } = context;
  const effective = effectiveRemediation(policy, snapshot.tags, context.overrideGrant);
  const { override } = effective;
  const skip = (reason: string): RemediationDecision => ({ kind: "skip", reason, ...(override ? { override } : {}) });
  const mode = policy.remediation.mode;
  if (mode === "off") return skip("remediation is off (policy.remediation.mode)");
  if (context.byMonitor) return skip("the change is EKS Warden's own remediation: never remediated again");
  if (!finding || finding.ruleId !== REMEDIATION_RULE_ID) return skip(`no settled finding of ${REMEDIATION_RULE_ID}`);
  if (finding.status !== "FAIL") return skip(`${REMEDIATION_RULE_ID} is ${finding.status}, not FAIL`);
  // UPDATING: another update runs; EKS refuses the call (ResourceInUseException) and it is retried until ACTIVE.
  if (snapshot.status !== "ACTIVE" && snapshot.status !== "UPDATING") return skip(`the cluster is ${snapshot.status}, not ACTIVE`);
  if (effective.action === undefined) {
    if (effective.optedOut) return skip(`opted out by tag ${REMEDIATION_TAG}=${REMEDIATION_OPT_OUT}, set by ${effective.override.setBy ?? "an unknown principal"}`);
    return skip(`tag ${REMEDIATION_TAG} has the unknown value ${JSON.stringify(effective.override.value.slice(0, 64))} (expected one of ${REMEDIATION_TAG_VALUES.join(", ")}): nothing done`);
  }
  const { action } = effective;
  if (action === "restrict-to-allowlist") {
    if (policy.endpoint.allowedPublicCidrs.length === 0) return skip("restrict-to-allowlist needs endpoint.allowedPublicCidrs, which is empty");
    const outside = strings(finding.evidence["cidrsOutsideAllowlist"]);
    if (outside !== undefined && outside.length === 0) return skip("the public endpoint is already limited to the allowlist (what remains needs the private action)");
  }
  const running = inFlight(record, now);
  if (running) return skip(`a remediation of this cluster is already in flight (${running.status}${running.updateId ? `, update ${running.updateId}` : ""})`);
  const input = remediationInput(action, snapshot, policy);
  const command = remediationCommand(input, snapshot.region);
  if (mode === "dry-run") return { kind: "dry-run", action, input, command, ...(override ? { override } : {}) };
  const counted = attemptsInWindow(record, now);
  const budget = policy.remediation.attemptsPerDay ?? DEFAULT_ATTEMPTS_PER_WINDOW;
  if (counted.length >= budget) {
    const since = now.getTime() - REMEDIATION_WINDOW_HOURS * HOUR_MS;
    if (record?.conflict && Date.parse(record.conflict.at) > since) return skip(`the attempt budget (${budget} per ${REMEDIATION_WINDOW_HOURS} h) is spent and the conflict was reported at ${record.conflict.at}`);
    const openers = [...new Set([...counted.map((attempt) => attempt.openedBy ?? "unknown"), actorName(context.opener)])];
    return { kind: "conflict", attempts: counted, openers, ...(override ? { override } : {}) };
  }
  return { kind: "act", action, input, command, ...(override ? { override } : {}) };
}
