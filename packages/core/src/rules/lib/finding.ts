// Building blocks the rule files share, so every finding names the cluster and carries its remediation the same way.

import type { ClusterIdentity, ClusterSnapshot, Evidence, Finding, FindingStatus, Remediation, Rule, Severity } from "../../model.ts";

/** "payments-prod (eu-west-1)": how every message names a cluster. */
export function clusterLabel(cluster: ClusterIdentity): string {
  return `${cluster.name} (${cluster.region})`;
}

/** `--region eu-west-1 --name payments-prod`, quoted for a POSIX shell when a value needs it. */
export function clusterArguments(cluster: ClusterIdentity): string {
  return `--region ${shellWord(cluster.region)} --name ${shellWord(cluster.name)}`;
}

/** Single-quotes a word for a POSIX shell unless it is made only of characters that are safe bare. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:=,@+-]+$/.test(word) ? word : `'${word.replaceAll("'", `'"'"'`)}'`;
}

/** An evidence value as a list of strings, or undefined (evidence may come back from storage in any shape). */
export function evidenceStrings(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((item) => typeof item === "string") ? (value as string[]) : undefined;
}

/** An evidence value as a non-empty string, or undefined. */
export function evidenceText(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** PASS, NOT_APPLICABLE and ERROR findings carry the rule's default severity: what is at stake, not what was found. */
export interface FindingParts {
  readonly status: FindingStatus;
  readonly severity: Severity;
  readonly message: string;
  readonly evidence: Evidence;
  /** Defaults to the rule's own remediation for this cluster. */
  readonly remediation?: Remediation;
}

/** The rule id, fix and IAM actions every finding helper needs. */
export type RuleHead = Pick<Rule, "id" | "remediation" | "permissions">;

/** An ERROR's remediation defaults to undecidedRemediation: the rule's own fix is for a failure it did not establish. */
export function finding(rule: RuleHead, snapshot: ClusterSnapshot, parts: FindingParts): Finding {
  return {
    ruleId: rule.id,
    clusterArn: snapshot.arn,
    status: parts.status,
    severity: parts.severity,
    message: parts.message,
    evidence: parts.evidence,
    remediation: parts.remediation ?? (parts.status === "ERROR" ? undecidedRemediation(rule, snapshot) : rule.remediation(snapshot)),
  };
}

/**
 * The next step of an ERROR finding when nothing more specific is known: read why, make sure the rule can read what it
 * needs, and evaluate again. Never the rule's fix (an upgrade, a configuration change): nothing was found to fix.
 */
export function undecidedRemediation(rule: Pick<Rule, "id" | "permissions">, cluster: ClusterIdentity): Remediation {
  return {
    text: `Rule ${rule.id} could not be evaluated: read the error in the evidence, check the data the rule needs (${rule.permissions.join(", ") || "none listed"}), and evaluate again.`,
    command: `aws eks describe-cluster ${clusterArguments(cluster)}`,
  };
}

/**
 * Clusters that are being deleted, or whose creation failed, have no control plane to judge: NOT_APPLICABLE.
 * CREATING and UPDATING clusters stay applicable, since the intended configuration is what gets evaluated then.
 */
export function notApplicableForLifecycle(rule: RuleHead & Pick<Rule, "severity">, snapshot: ClusterSnapshot): Finding | undefined {
  if (snapshot.status !== "DELETING" && snapshot.status !== "FAILED") return undefined;
  return finding(rule, snapshot, {
    status: "NOT_APPLICABLE",
    severity: rule.severity,
    message: `EKS cluster ${clusterLabel(snapshot)} is ${snapshot.status}, so it has no control plane to evaluate.`,
    evidence: { clusterStatus: snapshot.status },
  });
}

/**
 * ERROR: the rule lacks the data to decide. Never a PASS in disguise. `remediation` says how to give the rule what it
 * lacks (default: undecidedRemediation).
 */
export function undecided(rule: RuleHead & Pick<Rule, "severity">, snapshot: ClusterSnapshot, message: string, evidence: Evidence, remediation?: Remediation): Finding {
  return finding(rule, snapshot, { status: "ERROR", severity: rule.severity, message, evidence, ...(remediation !== undefined && { remediation }) });
}

/** ERROR: the data `what` (and the IAM actions that read it) was not read, so the rule cannot decide. */
export function unread(rule: RuleHead & Pick<Rule, "severity">, snapshot: ClusterSnapshot, what: string, key: string): Finding {
  return undecided(rule, snapshot, `EKS cluster ${clusterLabel(snapshot)} could not be checked because ${what} were not read.`, { [key]: "unavailable" });
}
