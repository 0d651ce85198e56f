// Judging a declared cluster: the same rules, policy and engine as a live scan, over the snapshot the live collector
// would build (./snapshot.ts). Two things only a desired state has are handled here, outside the rules (which stay
// pure and unaware of files):
// - a setting left unknown until deployment: the cluster is judged as AWS's default would make it, and once more with
//   the other end of the setting; a rule whose verdict differs between the two depends on the unknown value, and its
//   finding becomes ERROR (never PASS) saying what is unknown, what AWS does by default and the verdict under it;
// - the fix in the file's own language (HCL, CloudFormation, eksctl) beside the AWS CLI command, at the line to change.

import { evaluate } from "../engine.ts";
import type { ClusterSnapshot, DataKind, EvaluationContext, Finding, Policy, Remediation, Rule } from "../model.ts";
import type { DesiredCluster, DesiredFormat, UnknownField, UnknownValue } from "./model.ts";
import { desiredSnapshot, OTHER_END, type DescribeRecordParts, type DesiredIdentity } from "./snapshot.ts";

/** What AWS does when the setting is absent: what a live cluster gets if the unknown value turns out not to be set. */
export const AWS_DEFAULT: Readonly<Record<UnknownField, string>> = {
  endpointPublicAccess: "EKS turns the public endpoint on when endpointPublicAccess is not set",
  endpointPrivateAccess: "EKS leaves the private endpoint off when endpointPrivateAccess is not set",
  publicAccessCidrs: "EKS opens a public endpoint to 0.0.0.0/0 when no publicAccessCidrs are set",
  version: "EKS creates the cluster on its default Kubernetes version when none is set",
  logging: "EKS sends no control plane log type to CloudWatch Logs when none is set",
  authenticationMode: "EKS uses CONFIG_MAP (the aws-auth ConfigMap) when the EKS API or CloudFormation creates the cluster without one",
  bootstrapClusterCreatorAdminPermissions: "EKS gives the creating principal cluster-admin (bootstrapClusterCreatorAdminPermissions true) unless refused",
  accessEntries: "EKS grants the principal whatever the access entry and its policies declare",
  supportType: "EKS enrols the cluster in extended support (EXTENDED) when no upgrade policy is set",
};

/** A finding of a declared cluster: the remediation also says what to write in the file, and where. */
export interface DesiredFinding extends Finding {
  readonly remediation: Remediation & { readonly inFile?: { readonly line: number; readonly change: string } };
}

export interface CheckedCluster {
  readonly cluster: DesiredCluster;
  readonly snapshot: ClusterSnapshot;
  readonly findings: readonly DesiredFinding[];
}

const outcome = (findings: readonly Finding[]): string => findings.map((finding) => `${finding.status}/${finding.severity}`).join(",");

function dependsOnUnknown(finding: Finding, unknown: readonly UnknownValue[], otherEnd: readonly Finding[]): Finding {
  const settings = unknown.map((value) => `${value.why} (line ${value.line})`).join("; ");
  const defaults = [...new Set(unknown.map((value) => AWS_DEFAULT[value.field]))].join("; ");
  const verdict = finding.status === "PASS" || finding.status === "NOT_APPLICABLE" ? finding.status : `${finding.status} ${finding.severity}`;
  const worst = [finding, ...otherEnd].find((candidate) => candidate.status === "FAIL") ?? finding;
  return {
    ...finding,
    status: "ERROR",
    severity: worst.severity,
    message: `${finding.message.replace(/\.$/, "")}, judged with AWS's defaults; but the verdict cannot be known before deployment: ${settings}. ${defaults}, which gives ${verdict}.`,
    evidence: {
      ...finding.evidence,
      unknownUntilDeployment: unknown.map((value) => ({ setting: value.why, line: value.line, column: value.column, awsDefault: AWS_DEFAULT[value.field] })),
      verdictWithAwsDefaults: { status: finding.status, severity: finding.severity },
      verdictOtherwise: otherEnd.map((candidate) => ({ status: candidate.status, severity: candidate.severity })),
    },
  };
}

/** Settings as the format writes them: HCL attributes grouped in their block, dotted YAML/JSON paths otherwise. */
const SYNTAX: Readonly<Record<DesiredFormat, (settings: readonly (readonly [readonly string[], string])[]) => string>> = {
  "terraform-plan": (settings) => {
    const blocks = new Map<string, string[]>();
    for (const [path, value] of settings) {
      const block = path.slice(0, -1).join(" { ");
      blocks.set(block, [...(blocks.get(block) ?? []), `${path.at(-1)} = ${value}`]);
    }
    return [...blocks].map(([block, lines]) => (block === "" ? lines.join("\n") : `${block} {\n${lines.map((line) => `  ${line}`).join("\n")}\n}`)).join("\n");
  },
  cloudformation: (settings) => settings.map(([path, value]) => `${path.join(".")}: ${value}`).join("\n"),
  eksctl: (settings) => settings.map(([path, value]) => `${path.join(".")}: ${value}`).join("\n"),
};

const NAMES: Readonly<Record<DesiredFormat, Readonly<Record<string, readonly string[]>>>> = {
  "terraform-plan": {
    public: ["vpc_config", "endpoint_public_access"],
    private: ["vpc_config", "endpoint_private_access"],
    cidrs: ["vpc_config", "public_access_cidrs"],
    logs: ["enabled_cluster_log_types"],
    version: ["version"],
    support: ["upgrade_policy", "support_type"],
  },
  cloudformation: {
    public: ["ResourcesVpcConfig", "EndpointPublicAccess"],
    private: ["ResourcesVpcConfig", "EndpointPrivateAccess"],
    cidrs: ["ResourcesVpcConfig", "PublicAccessCidrs"],
    logs: ["Logging", "ClusterLogging", "EnabledTypes"],
    version: ["Version"],
    support: ["UpgradePolicy", "SupportType"],
  },
  eksctl: {
    public: ["vpc", "clusterEndpoints", "publicAccess"],
    private: ["vpc", "clusterEndpoints", "privateAccess"],
    cidrs: ["vpc", "publicAccessCIDRs"],
    logs: ["cloudWatch", "clusterLogging", "enableTypes"],
    version: ["metadata", "version"],
    support: [],
  },
};

const quoted = (items: readonly string[]): string => `[${items.map((item) => JSON.stringify(item)).join(", ")}]`;

/** The change to the file that the finding's AWS CLI command makes live, or undefined for a rule with no file setting. */
function fileChange(finding: Finding, cluster: DesiredCluster, snapshot: ClusterSnapshot): { line: number; change: string } | undefined {
  const format = cluster.source.format;
  const names = NAMES[format];
  const write = SYNTAX[format];
  const at = (field: UnknownField) => cluster.declaredAt[field]?.line ?? cluster.source.line;
  const command = finding.remediation.command;
  switch (finding.ruleId) {
    case "endpoint-public-access": {
      const cidrs = /publicAccessCidrs=(\S+)/.exec(command)?.[1]?.split(",");
      const settings: [readonly string[], string][] = cidrs
        ? [[names.public!, "true"], [names.private!, "true"], [names.cidrs!, quoted(cidrs)]]
        : [[names.public!, "false"], [names.private!, "true"]];
      return { line: at("endpointPublicAccess"), change: write(settings) };
    }
    case "endpoint-private-access":
      return { line: at("endpointPrivateAccess"), change: write([[names.private!, "true"]]) };
    case "control-plane-audit-logging": {
      const types = [...new Set([...snapshot.logging.enabledTypes, "audit"])];
      return { line: at("logging"), change: write([[names.logs!, format === "cloudformation" ? `[${types.map((type) => `{Type: ${type}}`).join(", ")}]` : quoted(types)]]) };
    }
    default: {
      const version = /--kubernetes-version (\d+\.\d+)/.exec(command)?.[1];
      if (version !== undefined) return { line: at("version"), change: write([[names.version!, JSON.stringify(version)]]) };
      const support = /supportType=(STANDARD|EXTENDED)/.exec(command)?.[1];
      if (support !== undefined && names.support!.length > 0) return { line: at("supportType"), change: write([[names.support!, format === "terraform-plan" ? JSON.stringify(support) : support]]) };
      return undefined;
    }
  }
}

/**
 * What check does not read from a desired-state file: the rules that read it cannot judge a file. Identity providers
 * (aws_eks_identity_provider_config, AWS::EKS::IdentityProviderConfig, eksctl identityProviders) are not read yet;
 * judged as "none", a file associating an untrusted issuer would PASS, so access-identity-providers runs live only.
 */
const NOT_DECLARED: ReadonlySet<DataKind> = new Set<DataKind>(["nodegroups", "addons", "addonVersions", "amiReleases", "insights", "identityProviders"]);

/** Whether a rule can judge a declared cluster: it reads the cluster record, the catalogue, or the access data only. */
export function judgesDesiredState(rule: Pick<Rule, "reads">): boolean {
  return rule.reads.every((kind) => !NOT_DECLARED.has(kind));
}

export interface CheckOptions {
  readonly identity: DesiredIdentity;
  readonly policy: Policy;
  readonly context: EvaluationContext;
  readonly rules: readonly Rule[];
}

/** A declared cluster judged by `rules` as scan would judge it once deployed. Pure. */
export function checkDesiredCluster(cluster: DesiredCluster, options: CheckOptions): CheckedCluster {
  const snapshot = desiredSnapshot(cluster, options.identity);
  let findings: Finding[] = evaluate(snapshot, options.policy, options.context, options.rules);
  if (cluster.unknown.length > 0) {
    const otherParts: DescribeRecordParts = Object.assign({}, ...cluster.unknown.map((value) => OTHER_END[value.field](cluster)));
    const other = evaluate(desiredSnapshot(cluster, options.identity, otherParts), options.policy, options.context, options.rules);
    findings = options.rules.flatMap((rule) => {
      const mine = findings.filter((finding) => finding.ruleId === rule.id);
      const theirs = other.filter((finding) => finding.ruleId === rule.id);
      if (outcome(mine) === outcome(theirs)) return mine;
      return mine.map((finding) => dependsOnUnknown(finding, cluster.unknown, theirs));
    });
  }
  return {
    cluster,
    snapshot,
    findings: findings.map((finding) => {
      if (finding.status !== "FAIL") return finding;
      const inFile = fileChange(finding, cluster, snapshot);
      return inFile === undefined ? finding : { ...finding, remediation: { ...finding.remediation, inFile } };
    }),
  };
}
