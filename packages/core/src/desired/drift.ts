// Drift: a live cluster that differs from the file that declares it (someone changed it outside Git, or the change in
// the file is not applied yet). Each differing setting is a FAIL naming the live value, the declared value and the
// file and line that declare it; a live cluster that matches gets one PASS. Pure: the live snapshot is read elsewhere.

import type { ClusterSnapshot, Finding, Severity } from "../model.ts";
import { clusterArguments, clusterLabel } from "../rules/lib/finding.ts";
import type { DesiredCluster, UnknownField } from "./model.ts";

export const DRIFT_RULE_ID = "desired-state-drift";

interface Setting {
  readonly field: UnknownField;
  readonly name: string;
  readonly severity: Severity;
  readonly desired: unknown;
  readonly live: unknown;
  /** The AWS CLI arguments that put the declared value back. */
  readonly restore: string;
}

const sorted = (values: readonly string[]): string[] => [...values].sort();
const same = (left: unknown, right: unknown): boolean => JSON.stringify(left) === JSON.stringify(right);

function accessGrants(snapshot: ClusterSnapshot): string[] | undefined {
  return snapshot.accessEntries?.map((entry) => `${entry.principalArn} ${sorted(entry.accessPolicies.map((policy) => `${policy.policyArn}@${policy.accessScope.type}${policy.accessScope.namespaces.length ? `:${sorted(policy.accessScope.namespaces).join(",")}` : ""}`)).join(" ")}`).sort();
}

/** The settings the file decides (not unknown until deployment), each with its declared and live value. */
function comparedSettings(cluster: DesiredCluster, desired: ClusterSnapshot, live: ClusterSnapshot): Setting[] {
  const unknown = new Set(cluster.unknown.map((value) => value.field));
  const settings: Setting[] = [
    { field: "endpointPublicAccess", name: "endpointPublicAccess", severity: "HIGH", desired: desired.endpoint.publicAccess, live: live.endpoint.publicAccess, restore: `--resources-vpc-config endpointPublicAccess=${desired.endpoint.publicAccess}` },
    { field: "endpointPrivateAccess", name: "endpointPrivateAccess", severity: "HIGH", desired: desired.endpoint.privateAccess, live: live.endpoint.privateAccess, restore: `--resources-vpc-config endpointPrivateAccess=${desired.endpoint.privateAccess}` },
    {
      field: "publicAccessCidrs",
      name: "publicAccessCidrs",
      severity: "HIGH",
      desired: sorted(desired.endpoint.publicAccessCidrs),
      live: sorted(live.endpoint.publicAccessCidrs),
      restore: `--resources-vpc-config publicAccessCidrs=${desired.endpoint.publicAccessCidrs.join(",")}`,
    },
    {
      field: "logging",
      name: "logging (enabled types)",
      severity: "MEDIUM",
      desired: sorted(desired.logging.enabledTypes),
      live: sorted(live.logging.enabledTypes),
      restore: `--logging '${JSON.stringify({ clusterLogging: [{ types: sorted(desired.logging.enabledTypes), enabled: true }] })}'`,
    },
  ];
  if (desired.version !== undefined) settings.push({ field: "version", name: "version", severity: "MEDIUM", desired: desired.version, live: live.version, restore: `--kubernetes-version ${desired.version}` });
  if (cluster.supportType !== undefined) settings.push({ field: "supportType", name: "upgradePolicy.supportType", severity: "LOW", desired: desired.supportType, live: live.supportType, restore: `--upgrade-policy supportType=${desired.supportType}` });
  const desiredMode = desired.accessConfig?.authenticationMode;
  if (desiredMode !== undefined && live.accessConfig?.authenticationMode !== undefined) {
    settings.push({ field: "authenticationMode", name: "accessConfig.authenticationMode", severity: "HIGH", desired: desiredMode, live: live.accessConfig.authenticationMode, restore: `--access-config authenticationMode=${desiredMode}` });
  }
  const desiredGrants = accessGrants(desired);
  const liveGrants = accessGrants(live);
  // Live access entries are compared only where they were read, and only when the file declares some (a file may
  // leave them to another tool).
  if (liveGrants !== undefined && desiredGrants !== undefined && cluster.accessEntries.length > 0) {
    settings.push({ field: "accessEntries", name: "access entries", severity: "HIGH", desired: desiredGrants, live: liveGrants, restore: "" });
  }
  return settings.filter((setting) => !unknown.has(setting.field));
}

/** The drift between a declared cluster (as judged: `desired`) and the live cluster of the same name. */
export function driftFindings(cluster: DesiredCluster, desired: ClusterSnapshot, live: ClusterSnapshot): Finding[] {
  const label = clusterLabel(live);
  // An undeclared CIDR list follows from the public access setting (AWS's default applies to it), so that line says it.
  const where = (field: UnknownField) =>
    cluster.declaredAt[field] ?? (field === "publicAccessCidrs" ? cluster.declaredAt.endpointPublicAccess : undefined) ?? { line: cluster.source.line, column: cluster.source.column };
  const differing = comparedSettings(cluster, desired, live).filter((setting) => !same(setting.desired, setting.live));
  const fix = (setting: Setting) => ({
    text: `Apply ${cluster.source.file} again to put the declared ${setting.name} back, or, if the live change is wanted, write it into the file so Git says what is deployed.`,
    command:
      setting.field === "version"
        ? `aws eks update-cluster-version ${clusterArguments(live)} ${setting.restore}`
        : setting.restore === ""
          ? `aws eks list-access-entries ${clusterArguments(live).replace("--name", "--cluster-name")}`
          : `aws eks update-cluster-config ${clusterArguments(live)} ${setting.restore}`,
  });
  if (differing.length === 0) {
    return [
      {
        ruleId: DRIFT_RULE_ID,
        clusterArn: live.arn,
        status: "PASS",
        severity: "HIGH",
        message: `EKS cluster ${label} is live as ${cluster.source.file}:${cluster.source.line} declares it.`,
        evidence: { file: cluster.source.file, line: cluster.source.line, resource: cluster.source.resource },
        remediation: { text: "Nothing to do.", command: `aws eks describe-cluster ${clusterArguments(live)}` },
      },
    ];
  }
  return differing.map((setting) => {
    const { line, column } = where(setting.field);
    return {
      ruleId: DRIFT_RULE_ID,
      clusterArn: live.arn,
      status: "FAIL",
      severity: setting.severity,
      message: `EKS cluster ${label} has ${setting.name} ${JSON.stringify(setting.live)} live, but ${cluster.source.file}:${line} declares ${JSON.stringify(setting.desired)}: changed outside Git, or not applied yet.`,
      evidence: { setting: setting.name, desired: setting.desired, live: setting.live, file: cluster.source.file, line, column, resource: cluster.source.resource },
      remediation: fix(setting),
    };
  });
}
