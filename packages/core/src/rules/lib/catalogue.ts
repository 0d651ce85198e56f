// The checks every version rule makes before it can decide: a catalogue, a cluster version, and that version in it.

import type { ClusterIdentity, ClusterSnapshot, ClusterVersionInfo, EvaluationContext, Finding, Remediation, Rule, VersionCatalogue } from "../../model.ts";
import { clusterLabel, shellWord, undecided, type RuleHead as FindingRuleHead } from "./finding.ts";
import { compareMinorVersions, findVersion, parseMinorVersion, supportStatusAt, type MinorVersion, type SupportStatus } from "./versions.ts";

type RuleHead = FindingRuleHead & Pick<Rule, "severity">;

/** The remediation of a version rule that lacks a usable catalogue: how to give it one, never an upgrade. */
export function catalogueRemediation(cluster: ClusterIdentity): Remediation {
  return {
    text:
      "Give the rule a current version catalogue: for `eks-warden evaluate`, pass --versions with the output of " +
      "`aws eks describe-cluster-versions` (saved to a file); for the deployed monitor and `eks-warden scan`, grant " +
      "eks:DescribeClusterVersions to the identity that runs it. Then evaluate again.",
    command: `aws eks describe-cluster-versions --region ${shellWord(cluster.region)}`,
  };
}

export type Resolved<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly finding: Finding };

/** The catalogue and the cluster's parsed version, or the ERROR finding saying which is missing. */
export function clusterVersionAndCatalogue(
  rule: RuleHead,
  snapshot: ClusterSnapshot,
  context: EvaluationContext,
): Resolved<{ catalogue: VersionCatalogue; version: string; parsed: MinorVersion }> {
  const label = clusterLabel(snapshot);
  if (context.versions === undefined) {
    return {
      ok: false,
      finding: undecided(rule, snapshot, `EKS cluster ${label} could not be checked because the version catalogue (eks:DescribeClusterVersions) was not available.`, {
        version: snapshot.version ?? null,
        catalogue: "unavailable",
      }, catalogueRemediation(snapshot)),
    };
  }
  const version = snapshot.version;
  const parsed = version === undefined ? undefined : parseMinorVersion(version);
  if (version === undefined || parsed === undefined) {
    return {
      ok: false,
      finding: undecided(
        rule,
        snapshot,
        version === undefined
          ? `EKS cluster ${label} could not be checked because its record has no Kubernetes version.`
          : `EKS cluster ${label} could not be checked because its Kubernetes version ${JSON.stringify(version)} is not of the form <major>.<minor>.`,
        { version: version ?? null },
      ),
    };
  }
  return { ok: true, value: { catalogue: context.versions, version, parsed } };
}

/**
 * The catalogue entry of the cluster's version, or the ERROR finding naming the version the catalogue lacks.
 * A version older than the oldest listed one, when that one is already unsupported at `now`, is unsupported too:
 * EKS ends support in version order, and the catalogue stops listing versions long past their end.
 */
function catalogueEntry(
  rule: RuleHead,
  snapshot: ClusterSnapshot,
  catalogue: VersionCatalogue,
  version: string,
  parsed: MinorVersion,
  now: Date,
): Resolved<ClusterVersionInfo> {
  const info = findVersion(catalogue, parsed);
  if (info !== undefined) return { ok: true, value: info };
  const oldest = oldestListed(catalogue);
  if (oldest !== undefined && compareMinorVersions(parsed, oldest.parsed) < 0 && supportStatusAt(oldest.info, now) === "UNSUPPORTED") {
    return { ok: true, value: { version, status: "UNSUPPORTED" } };
  }
  return {
    ok: false,
    finding: undecided(
      rule,
      snapshot,
      `EKS cluster ${clusterLabel(snapshot)} runs Kubernetes ${version}, which the version catalogue (eks:DescribeClusterVersions) does not list.`,
      { version, catalogueVersions: catalogue.versions.map((entry) => entry.version) },
      catalogueRemediation(snapshot),
    ),
  };
}

function oldestListed(catalogue: VersionCatalogue): { info: ClusterVersionInfo; parsed: MinorVersion } | undefined {
  let oldest: { info: ClusterVersionInfo; parsed: MinorVersion } | undefined;
  for (const info of catalogue.versions) {
    const parsed = parseMinorVersion(info.version);
    if (parsed !== undefined && (oldest === undefined || compareMinorVersions(parsed, oldest.parsed) < 0)) oldest = { info, parsed };
  }
  return oldest;
}

/** The cluster's version, its catalogue entry and its support status at the evaluation clock, or the ERROR finding. */
export function clusterVersionSupport(
  rule: RuleHead,
  snapshot: ClusterSnapshot,
  context: EvaluationContext,
): Resolved<{ version: string; info: ClusterVersionInfo; versionStatus: SupportStatus }> {
  const resolved = clusterVersionAndCatalogue(rule, snapshot, context);
  if (!resolved.ok) return resolved;
  const { catalogue, version, parsed } = resolved.value;
  const entry = catalogueEntry(rule, snapshot, catalogue, version, parsed, context.now);
  if (!entry.ok) return entry;
  return { ok: true, value: { version, info: entry.value, versionStatus: supportStatusAt(entry.value, context.now) } };
}
