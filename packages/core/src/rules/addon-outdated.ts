import type { AddonSnapshot, AddonVersionInfo, ClusterIdentity, Remediation, Rule } from "../model.ts";
import { clusterLabel, notApplicableForLifecycle, shellWord, undecided, unread } from "./lib/finding.ts";
import { clause, count, summariseItems, type ItemVerdict, itemsHeadline } from "./lib/items.ts";
import { reading } from "./lib/reads.ts";

function updateAddon(cluster: ClusterIdentity, addon = "<addon-name>", version = "<default-version>"): Remediation {
  return {
    text:
      "Update each add-on behind to the default version EKS lists for the cluster's Kubernetes version (aws eks describe-addon-versions); " +
      "PRESERVE keeps configuration values you changed, and the update fails rather than overwrite them.",
    command: `aws eks update-addon --region ${shellWord(cluster.region)} --cluster-name ${shellWord(cluster.name)} --addon-name ${shellWord(addon)} --addon-version ${shellWord(version)} --resolve-conflicts PRESERVE`,
  };
}

/** "v1.19.2-eksbuild.1" -> [1, 19, 2, 1]; undefined when not of that form. */
function versionParts(version: string): number[] | undefined {
  const match = /^v?(\d+)\.(\d+)\.(\d+)(?:-eksbuild\.(\d+))?$/.exec(version.trim());
  return match === null ? undefined : [Number(match[1]), Number(match[2]), Number(match[3]), Number(match[4] ?? 0)];
}

/** True when `version` is older than `reference`; a version of an unknown form counts as older unless it is the same. */
function olderThan(version: string, reference: string): boolean {
  const mine = versionParts(version);
  const theirs = versionParts(reference);
  if (mine === undefined || theirs === undefined) return version !== reference;
  const index = mine.findIndex((part, position) => part !== theirs[position]);
  return index >= 0 && (mine[index] as number) < (theirs[index] as number);
}

function verdict(cluster: ClusterIdentity, addon: AddonSnapshot, kubernetesVersion: string, catalogue: readonly AddonVersionInfo[]): ItemVerdict {
  const issues = addon.healthIssues.map((issue) => clause([issue.code, issue.message].filter(Boolean).join(": ")));
  const health = issues.length > 0 ? `; ${count(issues.length, "health issue")}: ${issues.join("; ")}` : "";
  const info = catalogue.find((entry) => entry.addonName === addon.name && entry.kubernetesVersion === kubernetesVersion);
  const evidence = { addon: addon.name, version: addon.version, status: addon.status ?? null, healthIssues: addon.healthIssues.map((issue) => ({ ...issue })) };
  if (info === undefined) {
    return { state: "unknown", summary: `${addon.name} (${addon.version}, which EKS lists no versions of for Kubernetes ${kubernetesVersion}${health})`, evidence };
  }
  const withCatalogue = { ...evidence, defaultVersion: info.defaultVersion ?? null, compatible: info.compatibleVersions.includes(addon.version) };
  const target = info.defaultVersion ?? info.compatibleVersions[0];
  if (!withCatalogue.compatible) {
    return {
      state: "behind",
      severity: "HIGH",
      summary: `${addon.name} (${addon.version}, not compatible with Kubernetes ${kubernetesVersion}${target ? `, default ${target}` : ""}${health})`,
      evidence: withCatalogue,
      remediation: updateAddon(cluster, addon.name, target),
    };
  }
  if (info.defaultVersion !== undefined && olderThan(addon.version, info.defaultVersion)) {
    return {
      state: "behind",
      severity: "LOW",
      summary: `${addon.name} (${addon.version}, behind the default ${info.defaultVersion}${health})`,
      evidence: withCatalogue,
      remediation: updateAddon(cluster, addon.name, info.defaultVersion),
    };
  }
  return { state: "current", summary: `${addon.name} (${addon.version}${health})`, evidence: withCatalogue };
}

export const rule: Rule = {
  id: "addon-outdated",
  area: "addon",
  title: "EKS add-ons on the default version for the cluster's Kubernetes version",
  headline: itemsHeadline("add-on", "behind or incompatible"),
  severity: "LOW",
  frameworks: [],
  ...reading("cluster", "addons", "addonVersions"),
  risk:
    "An add-on behind its default version misses the fixes EKS validated for the cluster's Kubernetes version; one that is not " +
    "compatible with that version at all (typically left behind by a control plane upgrade) can break pod networking, DNS or " +
    "kube-proxy rules for every workload of the cluster.",
  remediation: (cluster) => updateAddon(cluster),
  evaluate(snapshot, _policy, context) {
    const notApplicable = notApplicableForLifecycle(rule, snapshot);
    if (notApplicable) return [notApplicable];
    const label = clusterLabel(snapshot);
    const { addons, version } = snapshot;
    if (addons === undefined) {
      return [unread(rule, snapshot, "its add-ons (eks:ListAddons, eks:DescribeAddon)", "addons")];
    }
    if (addons.length > 0 && (version === undefined || context.addonVersions === undefined)) {
      const missing = version === undefined ? "its record has no Kubernetes version" : "the add-on catalogue (eks:DescribeAddonVersions) was not available";
      return [undecided(rule, snapshot, `EKS cluster ${label} could not be checked because ${missing}.`, { version: version ?? null, addonVersions: context.addonVersions === undefined ? "unavailable" : "read" })];
    }
    const verdicts = addons.map((addon) => verdict(snapshot, addon, version as string, context.addonVersions ?? []));
    return [
      summariseItems(
        rule,
        snapshot,
        verdicts,
        {
          behind: (list) => `has EKS add-ons behind the default version for Kubernetes ${version}: ${list}`,
          unknown: (list) => `could not be checked because EKS lists no versions for these add-ons: ${list}`,
          current: (number, list) => `has ${count(number, "EKS add-on")} on the default version for Kubernetes ${version} or newer: ${list}`,
          none: "has no EKS add-ons",
        },
        { kubernetesVersion: version ?? null },
      ),
    ];
  },
};
