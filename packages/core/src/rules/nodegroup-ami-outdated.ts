import { amiReleaseSource, compareRelease, type ReleaseComparison } from "../ami.ts";
import type { AmiReleases, ClusterIdentity, NodegroupSnapshot, Remediation, Rule, Severity } from "../model.ts";
import { clusterLabel, notApplicableForLifecycle, shellWord, undecided, unread } from "./lib/finding.ts";
import { count, summariseItems, type ItemVerdict, itemsHeadline } from "./lib/items.ts";
import { reading } from "./lib/reads.ts";

/**
 * Severity of an AMI behind the latest release. EKS-optimised AMIs (AL2, AL2023), by how much older the node group's
 * build is than the latest: under LOW_BELOW_DAYS LOW, under MEDIUM_BELOW_DAYS MEDIUM, beyond HIGH. Bottlerocket, by
 * version (it publishes a minor release every few weeks): patches only LOW, 1-2 minor versions MEDIUM, 3 or more or
 * another major version HIGH.
 */
export const AMI_AGE_SEVERITY = { LOW_BELOW_DAYS: 30, MEDIUM_BELOW_DAYS: 90, HIGH_FROM_MINOR_VERSIONS: 3 } as const;

function updateAmi(cluster: ClusterIdentity, nodegroup = "<nodegroup-name>"): Remediation {
  return {
    text:
      "Update each node group behind to the latest AMI release of its Kubernetes version: without a version argument, EKS rolls " +
      "the nodes onto the newest release, respecting pod disruption budgets.",
    command: `aws eks update-nodegroup-version --region ${shellWord(cluster.region)} --cluster-name ${shellWord(cluster.name)} --nodegroup-name ${shellWord(nodegroup)}`,
  };
}

function severityOf(comparison: Extract<ReleaseComparison, { kind: "behind-days" | "behind-versions" }>): Severity {
  if (comparison.kind === "behind-days") {
    if (comparison.days < AMI_AGE_SEVERITY.LOW_BELOW_DAYS) return "LOW";
    return comparison.days < AMI_AGE_SEVERITY.MEDIUM_BELOW_DAYS ? "MEDIUM" : "HIGH";
  }
  if (comparison.majors > 0 || comparison.minors >= AMI_AGE_SEVERITY.HIGH_FROM_MINOR_VERSIONS) return "HIGH";
  return comparison.minors > 0 ? "MEDIUM" : "LOW";
}

function distance(comparison: Extract<ReleaseComparison, { kind: "behind-days" | "behind-versions" }>, latest: string): string {
  if (comparison.kind === "behind-days") return `built ${comparison.releaseDate}, ${count(comparison.days, "day")} older than the latest ${latest} of ${comparison.latestReleaseDate}`;
  const behind = comparison.majors > 0 ? count(comparison.majors, "major version") : comparison.minors > 0 ? count(comparison.minors, "minor version") : count(comparison.patches, "patch release");
  return `${behind} behind the latest ${latest}`;
}

function verdict(cluster: ClusterIdentity, group: NodegroupSnapshot, releases: AmiReleases): ItemVerdict {
  const source = amiReleaseSource(group.amiType, group.version);
  const base = { nodegroup: group.name, amiType: group.amiType ?? null, version: group.version ?? null, releaseVersion: group.releaseVersion ?? null };
  if (source.kind !== "parameter") return { state: source.kind, summary: `${group.name} (${source.reason})`, evidence: { ...base, reason: source.reason } };
  const evidence = { ...base, parameter: source.parameter };
  const latest = releases[source.parameter];
  const unknown = (reason: string): ItemVerdict => ({ state: "unknown", summary: `${group.name} (${reason})`, evidence: { ...evidence, reason } });
  if (latest === undefined) return unknown(`the latest release (${source.parameter}) was not read`);
  if (latest === null) return unknown(`AWS publishes no ${source.parameter}`);
  if (group.releaseVersion === undefined) return unknown("its record has no AMI release version");
  const comparison = compareRelease(source.family, group.releaseVersion, latest);
  const withLatest = { ...evidence, latestReleaseVersion: latest };
  if (comparison.kind === "incomparable") return unknown(comparison.reason);
  if (comparison.kind === "current") return { state: "current", summary: `${group.name} (${group.releaseVersion})`, evidence: withLatest };
  const { kind: _kind, ...gap } = comparison;
  return {
    state: "behind",
    severity: severityOf(comparison),
    summary: `${group.name} (${group.releaseVersion}, ${distance(comparison, latest)})`,
    evidence: { ...withLatest, ...gap },
    remediation: updateAmi(cluster, group.name),
  };
}

export const rule: Rule = {
  id: "nodegroup-ami-outdated",
  area: "nodegroup",
  title: "Managed node groups on the latest AMI release",
  headline: itemsHeadline("node group", "on an outdated AMI release"),
  severity: "MEDIUM",
  frameworks: [],
  ...reading("cluster", "nodegroups", "amiReleases"),
  risk:
    "Each AMI release carries the kernel, container runtime and OS package fixes published since the previous one: nodes on an " +
    "older release keep known vulnerabilities that are already fixed, on the hosts where every workload of the cluster runs.",
  remediation: (cluster) => updateAmi(cluster),
  evaluate(snapshot, _policy, context) {
    const notApplicable = notApplicableForLifecycle(rule, snapshot);
    if (notApplicable) return [notApplicable];
    const label = clusterLabel(snapshot);
    if (snapshot.nodegroups === undefined) {
      return [unread(rule, snapshot, "its node groups (eks:ListNodegroups, eks:DescribeNodegroup)", "nodegroups")];
    }
    const releases = context.amiReleases;
    if (releases === undefined && snapshot.nodegroups.length > 0) {
      return [undecided(rule, snapshot, `EKS cluster ${label} could not be checked because the latest AMI releases (ssm:GetParameters on the public AMI parameters) were not available.`, { amiReleases: "unavailable" })];
    }
    const verdicts = snapshot.nodegroups.map((group) => verdict(snapshot, group, releases ?? {}));
    return [summariseItems(rule, snapshot, verdicts, {
      behind: (groups) => `has managed node groups behind the latest AMI release: ${groups}`,
      unknown: (groups) => `could not be checked because the AMI release of these node groups cannot be compared: ${groups}`,
      current: (groups) => `has ${count(groups, "managed node group")} checked, all on the latest AMI release`,
      notApplicable: (groups) => `has no node group on an AMI whose releases AWS publishes: ${groups}`,
      none: "has no managed node groups",
    })];
  },
};
