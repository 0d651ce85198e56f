import type { ClusterIdentity, ClusterSnapshot, NodegroupSnapshot, Remediation, Rule, Severity } from "../model.ts";
import { clusterLabel, notApplicableForLifecycle, shellWord, undecided, unread } from "./lib/finding.ts";
import { count, summariseItems, type ItemVerdict, itemsHeadline } from "./lib/items.ts";
import { reading } from "./lib/reads.ts";
import { parseMinorVersion } from "./lib/versions.ts";

/** Minor versions behind the control plane -> severity: 1 LOW, 2 MEDIUM, 3 or more (or another major) HIGH. */
export const SKEW_SEVERITY: readonly Severity[] = ["LOW", "MEDIUM", "HIGH"];

function upgradeNodegroup(cluster: ClusterIdentity & { readonly version?: string }, nodegroup = "<nodegroup-name>"): Remediation {
  return {
    text:
      "Upgrade each node group behind to the control plane's Kubernetes version (managed node groups roll their nodes, respecting " +
      "pod disruption budgets); do it before the next control plane upgrade, which EKS refuses while nodes would fall further behind.",
    command: `aws eks update-nodegroup-version --region ${shellWord(cluster.region)} --cluster-name ${shellWord(cluster.name)} --nodegroup-name ${shellWord(nodegroup)}${cluster.version ? ` --kubernetes-version ${cluster.version}` : ""}`,
  };
}

function verdict(cluster: ClusterSnapshot, group: NodegroupSnapshot, control: { major: number; minor: number }): ItemVerdict {
  const base = { nodegroup: group.name, version: group.version ?? null };
  const parsed = group.version === undefined ? undefined : parseMinorVersion(group.version);
  if (parsed === undefined) {
    return { state: "unknown", summary: `${group.name} (no readable Kubernetes version in its record)`, evidence: base };
  }
  const behind = parsed.major === control.major ? control.minor - parsed.minor : parsed.major < control.major ? Number.POSITIVE_INFINITY : 0;
  if (behind <= 0) return { state: "current", summary: `${group.name} (${group.version})`, evidence: { ...base, minorVersionsBehind: 0 } };
  const severity = SKEW_SEVERITY[Math.min(behind, SKEW_SEVERITY.length) - 1] as Severity;
  const distance = Number.isFinite(behind) ? `${count(behind, "minor version")} behind` : "an older major version";
  return {
    state: "behind",
    severity,
    summary: `${group.name} (${group.version}, ${distance})`,
    evidence: { ...base, minorVersionsBehind: Number.isFinite(behind) ? behind : null },
    remediation: upgradeNodegroup(cluster, group.name),
  };
}

export const rule: Rule = {
  id: "nodegroup-version-skew",
  area: "nodegroup",
  title: "Managed node groups on the control plane's Kubernetes version",
  headline: itemsHeadline("node group", "behind the control plane"),
  severity: "MEDIUM",
  frameworks: [],
  ...reading("cluster", "nodegroups"),
  risk:
    "Nodes behind the control plane run an older kubelet: they miss its fixes, drift from what the cluster was tested with, and " +
    "block the next control plane upgrade once the skew reaches what Kubernetes supports; the further behind, the larger and " +
    "riskier the eventual node rollout.",
  remediation: (cluster) => upgradeNodegroup(cluster),
  evaluate(snapshot: ClusterSnapshot) {
    const notApplicable = notApplicableForLifecycle(rule, snapshot);
    if (notApplicable) return [notApplicable];
    const label = clusterLabel(snapshot);
    if (snapshot.nodegroups === undefined) {
      return [unread(rule, snapshot, "its node groups (eks:ListNodegroups, eks:DescribeNodegroup)", "nodegroups")];
    }
    const control = snapshot.version === undefined ? undefined : parseMinorVersion(snapshot.version);
    if (snapshot.version === undefined || control === undefined) {
      return [undecided(rule, snapshot, `EKS cluster ${label} could not be checked because its record has no readable Kubernetes version.`, { version: snapshot.version ?? null })];
    }
    const verdicts = snapshot.nodegroups.map((group) => verdict(snapshot, group, control));
    const version = snapshot.version;
    return [summariseItems(rule, snapshot, verdicts, {
      behind: (groups) => `runs Kubernetes ${version} with managed node groups behind it: ${groups}`,
      unknown: (groups) => `could not be checked because these node groups have no readable version: ${groups}`,
      current: (groups) => `has ${count(groups, "managed node group")}, all on the control plane's Kubernetes ${version}`,
      none: "has no managed node groups",
    }, { controlPlaneVersion: version })];
  },
};
