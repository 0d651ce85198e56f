// Runs the rules over one cluster and applies exemptions. Fail closed: a rule that throws, or answers with
// something that is not a finding about this cluster, yields one ERROR finding for that rule, never a crash and
// never a PASS. Exemptions turn a FAIL into EXEMPT while they hold; they never touch any other status.

import { resolveExemption, type ExemptionResolution } from "./exemptions.ts";
import {
  SEVERITIES,
  SEVERITY_RANK,
  STATUSES,
  type ClusterSnapshot,
  type EvaluationContext,
  type Finding,
  type FindingStatus,
  type Policy,
  type Rule,
  type Severity,
} from "./model.ts";
import { rules as registry } from "./rules/index.ts";
import { clusterLabel, undecidedRemediation } from "./rules/lib/finding.ts";

function errorText(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  try {
    return `thrown value: ${JSON.stringify(error) ?? String(error)}`;
  } catch {
    return `thrown value of type ${typeof error}`;
  }
}

function ruleError(rule: Rule, snapshot: ClusterSnapshot, problem: string, detail: string): Finding {
  return {
    ruleId: rule.id,
    clusterArn: snapshot.arn,
    status: "ERROR",
    severity: (SEVERITIES as readonly string[]).includes(rule.severity) ? rule.severity : "HIGH",
    message: `Rule ${rule.id} could not decide on EKS cluster ${clusterLabel(snapshot)} because it ${problem}.`,
    evidence: { error: detail },
    remediation: undecidedRemediation(rule, snapshot),
  };
}

/** Why `value` is not a well-formed finding of `rule` about `snapshot`, or undefined when it is one. */
function malformation(value: unknown, rule: Rule, snapshot: ClusterSnapshot): string | undefined {
  if (typeof value !== "object" || value === null) return `expected a finding object, got ${value === null ? "null" : typeof value}`;
  const candidate = value as Partial<Finding>;
  if (candidate.ruleId !== rule.id) return `ruleId is ${JSON.stringify(candidate.ruleId)}, expected ${JSON.stringify(rule.id)}`;
  if (candidate.clusterArn !== snapshot.arn) return `clusterArn is ${JSON.stringify(candidate.clusterArn)}, expected ${JSON.stringify(snapshot.arn)}`;
  if (!STATUSES.includes(candidate.status as FindingStatus)) return `status is ${JSON.stringify(candidate.status)}, expected one of ${STATUSES.join(", ")}`;
  if (!SEVERITIES.includes(candidate.severity as Severity)) return `severity is ${JSON.stringify(candidate.severity)}, expected one of ${SEVERITIES.join(", ")}`;
  if (typeof candidate.message !== "string" || candidate.message === "") return "message is missing";
  if (typeof candidate.evidence !== "object" || candidate.evidence === null) return "evidence is missing";
  const remediation = candidate.remediation;
  if (typeof remediation?.text !== "string" || typeof remediation.command !== "string") return "remediation is missing";
  return undefined;
}

/** The rule's findings, or one ERROR finding when it throws or answers with anything but findings about this cluster. */
function runRule(rule: Rule, snapshot: ClusterSnapshot, policy: Policy, context: EvaluationContext): Finding[] {
  let findings: unknown;
  try {
    findings = rule.evaluate(snapshot, policy, context);
  } catch (error) {
    return [ruleError(rule, snapshot, "failed while evaluating", errorText(error))];
  }
  if (!Array.isArray(findings) || findings.length === 0) {
    return [ruleError(rule, snapshot, "returned no finding", Array.isArray(findings) ? "the rule returned an empty list" : `the rule returned ${typeof findings}`)];
  }
  for (const [index, candidate] of findings.entries()) {
    const problem = malformation(candidate, rule, snapshot);
    if (problem !== undefined) return [ruleError(rule, snapshot, "returned a malformed finding", `finding ${index}: ${problem}`)];
  }
  return findings as Finding[];
}

function applyExemption(finding: Finding, resolution: ExemptionResolution): Finding {
  if (resolution.state === "none" || (finding.status !== "FAIL" && finding.status !== "PASS")) return finding;
  const { until, reason, source } = resolution;
  const grantedBy = resolution.grantedBy ? { grantedBy: resolution.grantedBy } : {};
  // A passing rule under an active exemption carries it (armed), so that granting it is told before it hides anything.
  if (finding.status === "PASS") return resolution.state === "active" ? { ...finding, exemption: { until, reason, source, expired: false, ...grantedBy } } : finding;
  if (resolution.state === "active") return { ...finding, status: "EXEMPT", exemption: { until, reason, source, expired: false, ...grantedBy } };
  // Still a FAIL, and it says why the exemption no longer covers it.
  return {
    ...finding,
    message: `${finding.message.replace(/\.$/, "")}; its exemption (${source}) expired on ${until}.`,
    evidence: { ...finding.evidence, expiredExemption: `${until} (${source}): ${reason}` },
    exemption: { until, reason, source, expired: true, ...grantedBy },
  };
}

/**
 * knownRuleIds' answers, by the list of rules being run (a scan or a sweep judges every cluster with the same list),
 * with the rules it was worked out from: a list changed since is worked out again.
 */
const knownRuleIdsOf = new WeakMap<readonly Rule[], { readonly of: readonly Rule[]; readonly ids: readonly string[] }>();

/** Known rules: the registry and any others being run, so that a subset run does not call real rules unknown. */
function knownRuleIds(rules: readonly Rule[]): readonly string[] {
  const known = knownRuleIdsOf.get(rules);
  if (known !== undefined && known.of.length === rules.length && known.of.every((rule, index) => rule === rules[index])) return known.ids;
  const ids = Object.freeze([...new Set([...registry, ...rules].map((rule) => rule.id))]);
  knownRuleIdsOf.set(rules, { of: [...rules], ids });
  return ids;
}

/**
 * Every rule over one cluster, exemptions applied, in rule order. Never throws because of a rule.
 * `rules` defaults to the registry (./rules/index.ts); the rules see `context.ruleIds` filled in.
 */
export function evaluate(snapshot: ClusterSnapshot, policy: Policy, context: EvaluationContext, rules: readonly Rule[] = registry): Finding[] {
  const ruleIds = context.ruleIds ?? knownRuleIds(rules);
  const ruleContext: EvaluationContext = { ...context, ruleIds };
  return rules.flatMap((rule) => {
    const findings = runRule(rule, snapshot, policy, ruleContext);
    if (!findings.some((finding) => finding.status === "FAIL" || finding.status === "PASS")) return findings;
    const resolution = resolveExemption(snapshot, policy, rule.id, context.now, context.tagGrant);
    return findings.map((finding) => applyExemption(finding, resolution));
  });
}

/** The FAIL findings of severity `severity` or worse. */
export function failsAtOrAbove(findings: readonly Finding[], severity: Severity): Finding[] {
  const threshold = SEVERITY_RANK[severity];
  return findings.filter((finding) => finding.status === "FAIL" && SEVERITY_RANK[finding.severity] >= threshold);
}

/** A CI gate: what severity fails it, and whether a rule that could not decide (ERROR) may pass it. */
export interface Gate {
  readonly failOn: Severity;
  readonly allowErrors: boolean;
}

/**
 * What fails `gate`: the FAILs at or above its severity and, unless it allows errors, the ERRORs at or above it: a
 * rule that could not decide is not a pass, so a gate that let it through would be green on a tool that saw nothing.
 */
export function gateFailures(findings: readonly Finding[], gate: Gate): { readonly failing: Finding[]; readonly undecided: Finding[] } {
  const threshold = SEVERITY_RANK[gate.failOn];
  const undecided = gate.allowErrors ? [] : findings.filter((finding) => finding.status === "ERROR" && SEVERITY_RANK[finding.severity] >= threshold);
  return { failing: failsAtOrAbove(findings, gate.failOn), undecided };
}

/** The most severe FAIL (the first of equals), or undefined when nothing fails. ERROR and EXEMPT are not failures. */
export function worstFailing(findings: readonly Finding[]): Finding | undefined {
  return findings.reduce<Finding | undefined>(
    (worst, finding) => (finding.status === "FAIL" && (worst === undefined || SEVERITY_RANK[finding.severity] > SEVERITY_RANK[worst.severity]) ? finding : worst),
    undefined,
  );
}

/** How much a status needs attention, for worst-first listings: FAIL, then ERROR, EXEMPT, PASS, NOT_APPLICABLE. */
export const STATUS_URGENCY: Readonly<Record<FindingStatus, number>> = { FAIL: 4, ERROR: 3, EXEMPT: 2, PASS: 1, NOT_APPLICABLE: 0 };

/** The worst-first order of findings: by status urgency, then severity, then rule id. */
export function worstFirst(left: Finding, right: Finding): number {
  return STATUS_URGENCY[right.status] - STATUS_URGENCY[left.status] || SEVERITY_RANK[right.severity] - SEVERITY_RANK[left.severity] || left.ruleId.localeCompare(right.ruleId);
}

/** Worst first (worstFirst); a new array. */
export function sortWorstFirst(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(worstFirst);
}
