// A stored rule record as a finding in the AWS Security Finding Format (ASFF), the shape Security Hub imports with
// BatchImportFindings. Pure: the same record, rule and product give the same finding. One finding per cluster and
// rule (its Id is stable), updated in place as the record changes: Security Hub keeps a human's Workflow and Note,
// which this mapping never sets. Much of the text is attacker-controlled (cluster names, exemption reasons, error
// messages): every string is flattened to one line (text.ts) and cut to Security Hub's limits.

import { parseClusterArn, partitionOfRegion } from "../arn.ts";
import type { ClusterIdentity, Finding, FindingStatus, Rule, Severity } from "../model.ts";
import type { StoredRuleState } from "../state/transitions.ts";
import { bound, oneLine } from "../text.ts";

/** Security Hub's limits for the fields set here (the SecurityHub API model, AwsSecurityFinding and its members). */
export const ASFF_LIMITS = {
  id: 512,
  generatorId: 512,
  title: 256,
  description: 1024,
  recommendationText: 512,
  types: 50,
  relatedRequirements: 32,
  productFieldKey: 128,
  productFieldValue: 2048,
  productFields: 50,
} as const;

export const ASFF_SCHEMA_VERSION = "2018-10-08";

export type SeverityLabel = "INFORMATIONAL" | "LOW" | "MEDIUM" | "HIGH" | "CRITICAL";
export type ComplianceStatus = "PASSED" | "WARNING" | "FAILED" | "NOT_AVAILABLE";
export type RecordState = "ACTIVE" | "ARCHIVED";

/** The ASFF fields EKS Warden sets: a subset of the SDK's AwsSecurityFinding, with its names. */
export interface AsffFinding {
  readonly SchemaVersion: string;
  readonly Id: string;
  readonly ProductArn: string;
  readonly ProductName: string;
  readonly GeneratorId: string;
  readonly AwsAccountId: string;
  readonly Types: readonly string[];
  readonly FirstObservedAt: string;
  readonly LastObservedAt: string;
  readonly CreatedAt: string;
  readonly UpdatedAt: string;
  readonly Severity: { readonly Label: SeverityLabel; readonly Original: string };
  readonly Title: string;
  readonly Description: string;
  readonly Remediation: { readonly Recommendation: { readonly Text: string; readonly Url?: string } };
  readonly ProductFields: Readonly<Record<string, string>>;
  readonly Resources: readonly {
    readonly Type: "AwsEksCluster";
    readonly Id: string;
    readonly Partition: string;
    readonly Region: string;
    readonly Details: { readonly AwsEksCluster: { readonly Arn: string; readonly Name: string } };
  }[];
  readonly Compliance: { readonly Status: ComplianceStatus; readonly RelatedRequirements?: readonly string[] };
  readonly RecordState: RecordState;
  readonly FindingProviderFields: { readonly Severity: { readonly Label: SeverityLabel; readonly Original: string }; readonly Types: readonly string[] };
}

/** Where findings are imported: the account's default product in a region (the caller's own account, see docs/security-hub.md). */
export interface SecurityHubProduct {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
}

export function productArnOf(product: SecurityHubProduct): string {
  return `arn:${product.partition}:securityhub:${product.region}:${product.account}:product/${product.account}/default`;
}

/**
 * The product a cluster's findings go to: the cluster's own region when `regions` lists it, else the first of
 * `regions`, else `home` (the deployment's region). Always the caller's account: BatchImportFindings with the
 * default product accepts only findings whose AwsAccountId is the caller's.
 */
export function productFor(cluster: ClusterIdentity, settings: { readonly account: string; readonly home: string; readonly regions: readonly string[] }): SecurityHubProduct {
  const region = settings.regions.includes(cluster.region) ? cluster.region : (settings.regions[0] ?? settings.home);
  return { partition: partitionOfRegion(region), region, account: settings.account };
}

const SEVERITY_LABEL: Readonly<Record<Severity, SeverityLabel>> = { INFO: "INFORMATIONAL", LOW: "LOW", MEDIUM: "MEDIUM", HIGH: "HIGH", CRITICAL: "CRITICAL" };

/** Framework ids in rule metadata ("CIS-EKS 5.4.1", "FSBP EKS.1") as Security Hub readers know them. */
const FRAMEWORKS: readonly { readonly prefix: string; readonly requirement: string; readonly type: string }[] = [
  { prefix: "CIS-EKS ", requirement: "CIS Amazon EKS Benchmark", type: "Software and Configuration Checks/Industry and Regulatory Standards/CIS Amazon EKS Benchmark" },
  { prefix: "FSBP ", requirement: "AWS Foundational Security Best Practices", type: "Software and Configuration Checks/Industry and Regulatory Standards/AWS-Foundational-Security-Best-Practices" },
];
const DEFAULT_TYPE = "Software and Configuration Checks/AWS Security Best Practices";

/** Where Security Hub's reader learns to fix a rule's finding: AWS's own page of the setting the rule checks. */
const DOCUMENTATION: Readonly<Record<string, string>> = {
  endpoint: "https://docs.aws.amazon.com/eks/latest/userguide/cluster-endpoint.html",
  version: "https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html",
  nodegroup: "https://docs.aws.amazon.com/eks/latest/userguide/update-managed-node-group.html",
  addon: "https://docs.aws.amazon.com/eks/latest/userguide/updating-an-add-on.html",
  access: "https://docs.aws.amazon.com/eks/latest/userguide/grant-k8s-access.html",
  "control-plane-audit-logging": "https://docs.aws.amazon.com/eks/latest/userguide/control-plane-logs.html",
  "upgrade-insights": "https://docs.aws.amazon.com/eks/latest/userguide/cluster-insights.html",
  "extended-support-enrollment": "https://docs.aws.amazon.com/eks/latest/userguide/extended-support-control.html",
  "exemption-tag-valid": "https://docs.aws.amazon.com/eks/latest/userguide/eks-using-tags.html",
};

export function requirementsOf(frameworks: readonly string[]): { readonly requirements: string[]; readonly types: string[] } {
  const requirements: string[] = [];
  const types = new Set<string>();
  for (const framework of frameworks) {
    const known = FRAMEWORKS.find((candidate) => framework.startsWith(candidate.prefix));
    if (!known) continue;
    requirements.push(`${known.requirement} ${framework.slice(known.prefix.length)}`);
    types.add(known.type);
  }
  if (types.size === 0) types.add(DEFAULT_TYPE);
  return { requirements: requirements.slice(0, ASFF_LIMITS.relatedRequirements), types: [...types].slice(0, ASFF_LIMITS.types) };
}

/**
 * What Security Hub is told about a record: a rule that cannot decide (ERROR, now or since its last decision) is
 * WARNING, never PASSED; EXEMPT is still FAILED (the condition holds; the acceptance is in the description and
 * ProductFields, and suppressing it is a Workflow decision left to Security Hub's users); NOT_APPLICABLE is NOT_AVAILABLE.
 * ARCHIVED once the finding passes, does not apply, or its cluster is gone.
 */
export function complianceOf(record: Pick<StoredRuleState, "status" | "error" | "closed">): { readonly status: ComplianceStatus; readonly recordState: RecordState } {
  const undecided = record.status === "ERROR" || record.error !== undefined;
  const status: ComplianceStatus = undecided ? "WARNING" : COMPLIANCE[record.status];
  const archived = record.closed !== undefined || status === "PASSED" || status === "NOT_AVAILABLE";
  return { status, recordState: archived ? "ARCHIVED" : "ACTIVE" };
}

const COMPLIANCE: Readonly<Record<FindingStatus, ComplianceStatus>> = { PASS: "PASSED", FAIL: "FAILED", EXEMPT: "FAILED", NOT_APPLICABLE: "NOT_AVAILABLE", ERROR: "WARNING" };

/** One line, cut to `max`; Security Hub refuses an empty string, so `fallback` stands in for nothing left. */
function field(value: unknown, max: number, fallback: string): string {
  const text = oneLine(value ?? "", max);
  return text === "" ? fallback : text;
}

function descriptionOf(record: StoredRuleState, rule: Rule | undefined, status: ComplianceStatus): string {
  const parts: string[] = [];
  if (record.closed) parts.push("The cluster no longer exists; this finding is archived.");
  if (status === "WARNING") parts.push(`EKS Warden could not decide this rule: ${oneLine(record.error?.message ?? record.message, 300)}`);
  if (record.status !== "ERROR") parts.push(oneLine(record.message, 400));
  if (record.status === "EXEMPT" && record.exemption) {
    parts.push(`Exempt until ${oneLine(record.exemption.until, 40)} (${record.exemption.source}): ${oneLine(record.exemption.reason, 200)}`);
  }
  if (rule) parts.push(oneLine(rule.risk, 1024));
  return field(parts.join(" "), ASFF_LIMITS.description, `Rule ${record.ruleId}.`);
}

function recommendationOf(record: StoredRuleState, rule: Rule | undefined, cluster: ClusterIdentity): AsffFinding["Remediation"] {
  const url = DOCUMENTATION[record.ruleId] ?? (rule ? DOCUMENTATION[rule.area] : undefined);
  let text = `See the EKS Warden rule ${record.ruleId}.`;
  if (rule) {
    try {
      const remediation = rule.remediation(cluster);
      text = `${oneLine(remediation.text, 1024)} Command: ${oneLine(remediation.command, 1024)}`;
    } catch {
      // A rule's remediation text is metadata; one that throws leaves the generic pointer, not a lost finding.
    }
  }
  return { Recommendation: { Text: field(text, ASFF_LIMITS.recommendationText, `See the EKS Warden rule ${record.ruleId}.`), ...(url ? { Url: url } : {}) } };
}

/** The cluster a record names, from its ARN (the identity); the record's own ARN is kept when it does not parse. */
function clusterOf(record: StoredRuleState, cluster?: ClusterIdentity): ClusterIdentity & { partition: string } {
  const parsed = parseClusterArn(record.clusterArn);
  if (parsed) return parsed;
  const region = cluster?.region ?? "us-east-1";
  return { arn: record.clusterArn, account: cluster?.account ?? "", region, name: cluster?.name ?? record.clusterArn, partition: partitionOfRegion(region) };
}

/** The finding Security Hub is given for a stored record; `rule` absent (a rule since removed) still gives one. */
export function asffFinding(record: StoredRuleState, rule: Rule | undefined, product: SecurityHubProduct, knownCluster?: ClusterIdentity): AsffFinding {
  const cluster = clusterOf(record, knownCluster);
  const { status, recordState } = complianceOf(record);
  const { requirements, types } = requirementsOf(rule?.frameworks ?? []);
  const severityOf = rule?.severity ?? record.severity;
  // A passing or inapplicable check is informational (Security Hub's own controls do the same); a rule that cannot
  // decide keeps the rule's severity, so an unknown is not ranked below what it might hide.
  const severity = { Label: status === "PASSED" || status === "NOT_AVAILABLE" ? ("INFORMATIONAL" as const) : SEVERITY_LABEL[status === "WARNING" ? severityOf : record.severity], Original: record.severity };
  const name = field(cluster.name, 100, "unnamed");
  const productFields: Record<string, string> = {
    "eks-warden/RuleId": record.ruleId,
    "eks-warden/Status": record.status,
    ...(record.error ? { "eks-warden/Undecided": "true" } : {}),
    ...(record.exemption ? { "eks-warden/ExemptUntil": oneLine(record.exemption.until, 40) } : {}),
  };
  return {
    SchemaVersion: ASFF_SCHEMA_VERSION,
    Id: bound(`${record.clusterArn}/${record.ruleId}`, ASFF_LIMITS.id),
    ProductArn: productArnOf(product),
    ProductName: "EKS Warden",
    GeneratorId: bound(record.ruleId, ASFF_LIMITS.generatorId),
    AwsAccountId: product.account,
    Types: types,
    FirstObservedAt: record.since,
    LastObservedAt: record.observedAt,
    CreatedAt: record.since,
    UpdatedAt: record.updatedAt,
    Severity: severity,
    Title: field(`${rule ? rule.title : record.ruleId} (cluster ${name}, ${cluster.region})`, ASFF_LIMITS.title, record.ruleId),
    Description: descriptionOf(record, rule, status),
    Remediation: recommendationOf(record, rule, cluster),
    ProductFields: productFields,
    Resources: [{ Type: "AwsEksCluster", Id: record.clusterArn, Partition: cluster.partition, Region: cluster.region, Details: { AwsEksCluster: { Arn: record.clusterArn, Name: name } } }],
    Compliance: { Status: status, ...(requirements.length > 0 ? { RelatedRequirements: requirements } : {}) },
    RecordState: recordState,
    FindingProviderFields: { Severity: severity, Types: types },
  };
}

/** What a finding says, less when it was said: two findings with the same content need no second import. */
export function contentOf(finding: AsffFinding): string {
  const { UpdatedAt: _updated, LastObservedAt: _observed, ...content } = finding;
  return JSON.stringify(content);
}

/**
 * A finding of a one-off evaluation (`eks-warden scan`) as the record the monitor would store, so that it maps to
 * the same ASFF finding (the same Id: an import from a scan updates the monitor's own finding, and the reverse).
 */
export function recordOfEvaluation(finding: Finding, at: Date): StoredRuleState {
  const time = at.toISOString();
  return {
    clusterArn: finding.clusterArn,
    ruleId: finding.ruleId,
    status: finding.status,
    severity: finding.severity,
    message: finding.message,
    evidence: finding.evidence,
    ...(finding.exemption ? { exemption: finding.exemption } : {}),
    ...(finding.status === "ERROR" ? { error: { message: finding.message, since: time, count: 1 } } : {}),
    version: 1,
    since: time,
    observedAt: time,
    updatedAt: time,
  };
}
