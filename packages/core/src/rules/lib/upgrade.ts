import type { ClusterIdentity, Remediation } from "../../model.ts";
import { clusterArguments } from "./finding.ts";
import { nextMinorVersion } from "./versions.ts";

/** Upgrade by one minor version (all EKS allows per step); the target is filled in when the cluster's version is known. */
export function upgradeControlPlane(cluster: ClusterIdentity & { readonly version?: string }): Remediation {
  const target = cluster.version === undefined ? undefined : nextMinorVersion(cluster.version);
  return {
    text:
      "Upgrade the control plane one minor version at a time until it is in standard support, after checking the upgrade insights " +
      "(aws eks list-insights) for deprecated APIs and add-on compatibility; then upgrade node groups and add-ons to match.",
    command: `aws eks update-cluster-version ${clusterArguments(cluster)} --kubernetes-version ${target ?? "<next-minor-version>"}`,
  };
}
