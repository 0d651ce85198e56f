// SARIF 2.1.0 for `eks-warden scan --format sarif`, shaped for GitHub code scanning (upload-sarif):
// - tool.driver.rules: every rule of the registry, with its title, risk, remediation (help) and, in properties, the
//   frameworks as tags and a `security-severity` GitHub uses to rank security alerts;
// - one result per FAIL, ERROR and EXEMPT finding (EXEMPT carries a suppression, so it is closed, not lost);
// - a location per result: GitHub requires a physicalLocation. A cluster is not a file in the repository, so the
//   artifact URI is a stable pseudo-path, eks/<account>/<region>/<cluster>, with a logicalLocation holding the ARN;
// - partialFingerprints from rule id + cluster ARN: the same finding on the next scan is the same alert.
import { createHash } from "node:crypto";
import { SEVERITY_RANK, type ClusterIdentity, type Finding, type Rule, type Severity } from "@eks-warden/core";
import { StreamedArray } from "./json-stream.ts";

export const SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";
export const FINGERPRINT_KEY = "eksWardenFinding/v1";

type SarifLevel = "error" | "warning" | "note" | "none";

/** CRITICAL and HIGH block (error), MEDIUM warns, LOW and INFO are notes. */
export function sarifLevel(severity: Severity): SarifLevel {
  return SEVERITY_RANK[severity] >= SEVERITY_RANK.HIGH ? "error" : severity === "MEDIUM" ? "warning" : "note";
}

/** GitHub's scale: over 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low. */
export const SECURITY_SEVERITY: Readonly<Record<Severity, string>> = { CRITICAL: "9.5", HIGH: "8.0", MEDIUM: "5.5", LOW: "3.0", INFO: "0.0" };

/** endpoint-public-access -> EndpointPublicAccess: SARIF's `name` is an identifier-like form of the id. */
function pascalCase(id: string): string {
  return id
    .split("-")
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join("");
}

/** The pseudo-path a cluster's results point at; documented in docs/cli.md ("eks-warden scan"). */
export function clusterArtifactUri(cluster: Pick<ClusterIdentity, "account" | "region" | "name">): string {
  return `eks/${cluster.account}/${cluster.region}/${encodeURIComponent(cluster.name)}`;
}

export function findingFingerprint(finding: Pick<Finding, "ruleId" | "clusterArn">): string {
  return createHash("sha256").update(`${finding.ruleId}|${finding.clusterArn}`).digest("hex").slice(0, 32);
}

const PLACEHOLDER_CLUSTER: ClusterIdentity = { arn: "arn:aws:eks:<region>:<account>:cluster/<cluster>", account: "<account>", region: "<region>", name: "<cluster>" };

function sarifRule(rule: Rule) {
  const remediation = rule.remediation(PLACEHOLDER_CLUSTER);
  const frameworks = rule.frameworks.length > 0 ? `\n\nFrameworks: ${rule.frameworks.join(", ")}.` : "";
  return {
    id: rule.id,
    name: pascalCase(rule.id),
    shortDescription: { text: rule.title },
    fullDescription: { text: rule.risk },
    help: {
      text: `${rule.risk}\n\nFix: ${remediation.text}\n  ${remediation.command}${frameworks}`,
      markdown: `${rule.risk}\n\n**Fix:** ${remediation.text}\n\n\`\`\`sh\n${remediation.command}\n\`\`\`${frameworks}`,
    },
    defaultConfiguration: { level: sarifLevel(rule.severity) },
    properties: {
      tags: ["security", "eks", ...rule.frameworks],
      precision: "very-high",
      "security-severity": SECURITY_SEVERITY[rule.severity],
      permissions: rule.permissions,
    },
  };
}

export interface ScannedCluster {
  readonly cluster: ClusterIdentity;
  readonly findings: readonly Finding[];
  /**
   * Where a declared cluster is written (`eks-warden check`): its results point at that file and line (a finding's
   * own line, where it has one: the setting to change), not at the pseudo-path of a live cluster.
   */
  readonly source?: { readonly uri: string; readonly line: number; readonly column: number; readonly lineOf?: (finding: Finding) => number | undefined };
}

export interface ScanProblem {
  /**
   * region, or region/cluster; of a member account, prefixed with its id (account/region[/cluster]); a member account
   * whose role cannot be assumed: "account <id> (every region)".
   */
  readonly scope: string;
  readonly message: string;
}

export interface SarifInput {
  readonly rules: readonly Rule[];
  readonly clusters: readonly ScannedCluster[];
  readonly problems: readonly ScanProblem[];
  readonly toolVersion: string;
  readonly startedAt: Date;
  readonly endedAt: Date;
  /** The automation category GitHub keeps alerts apart by: "scan" (live clusters) unless given, "check" for files. */
  readonly category?: string;
}

function result(finding: Finding, { cluster, source }: ScannedCluster, ruleIndex: number) {
  const isError = finding.status === "ERROR";
  const level: SarifLevel = isError ? "warning" : sarifLevel(finding.severity);
  const fix = finding.status === "FAIL" ? ` Fix: ${finding.remediation.command}` : "";
  return {
    ruleId: finding.ruleId,
    ...(ruleIndex >= 0 && { ruleIndex }),
    kind: "fail",
    level,
    message: { text: `${isError ? "Could not evaluate: " : ""}${finding.message}${fix}` },
    locations: [
      {
        physicalLocation:
          source === undefined
            ? { artifactLocation: { uri: clusterArtifactUri(cluster) }, region: { startLine: 1 } }
            : { artifactLocation: { uri: source.uri }, region: sourceRegion(source, finding) },
        logicalLocations: [{ name: cluster.name, fullyQualifiedName: cluster.arn, kind: "resource" }],
      },
    ],
    partialFingerprints: { [FINGERPRINT_KEY]: findingFingerprint(finding) },
    ...(finding.status === "EXEMPT" &&
      finding.exemption && {
        suppressions: [{ kind: "external", status: "accepted", justification: `exempt until ${finding.exemption.until} (${finding.exemption.source}): ${finding.exemption.reason}` }],
      }),
    properties: { status: finding.status, severity: finding.severity, account: cluster.account, region: cluster.region, cluster: cluster.name, evidence: finding.evidence },
  };
}

function sourceRegion(source: NonNullable<ScannedCluster["source"]>, finding: Finding) {
  const line = source.lineOf?.(finding);
  return line === undefined || line === source.line ? { startLine: source.line, startColumn: source.column } : { startLine: line };
}

/** The SARIF log of one scan. */
export function toSarif(input: SarifInput) {
  return sarifLog(input, [...sarifResults(input)]);
}

/** toSarif's log with its results made as they are written (jsonChunks): what `scan --format sarif` prints. */
export function streamedSarif(input: SarifInput) {
  return sarifLog(input, new StreamedArray(sarifResults(input)));
}

function* sarifResults(input: SarifInput) {
  const ruleIndex = new Map(input.rules.map((rule, index) => [rule.id, index]));
  for (const scanned of input.clusters) {
    for (const finding of scanned.findings) {
      if (finding.status === "FAIL" || finding.status === "ERROR" || finding.status === "EXEMPT") yield result(finding, scanned, ruleIndex.get(finding.ruleId) ?? -1);
    }
  }
}

function sarifLog<Results>(input: SarifInput, results: Results) {
  return {
    $schema: SARIF_SCHEMA,
    version: "2.1.0",
    runs: [
      {
        tool: { driver: { name: "EKS Warden", semanticVersion: input.toolVersion, version: input.toolVersion, rules: input.rules.map(sarifRule) } },
        automationDetails: { id: `eks-warden/${input.category ?? "scan"}/` },
        invocations: [
          {
            executionSuccessful: input.problems.length === 0,
            startTimeUtc: input.startedAt.toISOString(),
            endTimeUtc: input.endedAt.toISOString(),
            toolExecutionNotifications: input.problems.map((problem) => ({ level: "error", message: { text: `${problem.scope}: ${problem.message}` } })),
          },
        ],
        results,
      },
    ],
  };
}
