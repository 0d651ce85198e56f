import type { ClusterIdentity, Remediation, Rule } from "../model.ts";
import { clusterArguments, clusterLabel, evidenceText, finding, notApplicableForLifecycle, undecided } from "./lib/finding.ts";
import { reading } from "./lib/reads.ts";

/** EKS moves a cluster one step at a time towards API, never back. */
function nextMode(mode: string): "API_AND_CONFIG_MAP" | "API" {
  return mode === "CONFIG_MAP" ? "API_AND_CONFIG_MAP" : "API";
}

function switchMode(cluster: ClusterIdentity, mode = "CONFIG_MAP"): Remediation {
  const next = nextMode(mode);
  return {
    text:
      next === "API_AND_CONFIG_MAP"
        ? "Switch the cluster to API_AND_CONFIG_MAP (one way: EKS never goes back), recreate each aws-auth ConfigMap mapping as an access entry, then switch to API."
        : "Recreate the aws-auth ConfigMap's remaining mappings as access entries, then switch the cluster to API (one way: EKS never goes back).",
    command: `aws eks update-cluster-config ${clusterArguments(cluster)} --access-config authenticationMode=${next}`,
  };
}

export const rule: Rule = {
  id: "access-authentication-mode",
  area: "access",
  title: "Cluster access granted through access entries only (authentication mode API)",
  severity: "MEDIUM",
  frameworks: [],
  ...reading("cluster"),
  risk:
    "Grants in the aws-auth ConfigMap live inside the cluster: AWS-side audit (CloudTrail, IAM Access Analyzer, EKS Warden) cannot see who holds what, " +
    "anyone who can edit one ConfigMap can grant themselves system:masters, and a typo in it can lock every administrator out.",
  remediation: (cluster) => switchMode(cluster),
  headline: ({ evidence }) => {
    const mode = evidenceText(evidence.authenticationMode);
    return mode === undefined || mode === "API" ? undefined : `${mode.slice(0, 20)} mode: grants in aws-auth ConfigMap`;
  },
  evaluate(snapshot) {
    const notApplicable = notApplicableForLifecycle(rule, snapshot);
    if (notApplicable) return [notApplicable];
    const label = clusterLabel(snapshot);
    // A cluster older than access entries has no accessConfig: it authenticates through the ConfigMap only.
    const mode = snapshot.accessConfig?.authenticationMode ?? "CONFIG_MAP";
    const evidence = { authenticationMode: mode, defaulted: snapshot.accessConfig?.authenticationMode === undefined };
    if (mode === "API") return [finding(rule, snapshot, { status: "PASS", severity: rule.severity, message: `EKS cluster ${label} grants access through access entries only (authentication mode API).`, evidence })];
    if (mode === "CONFIG_MAP") {
      return [finding(rule, snapshot, { status: "FAIL", severity: "MEDIUM", message: `EKS cluster ${label} grants access only through the aws-auth ConfigMap (authentication mode CONFIG_MAP), invisible to AWS-side audit.`, evidence, remediation: switchMode(snapshot, mode) })];
    }
    if (mode === "API_AND_CONFIG_MAP") {
      return [finding(rule, snapshot, { status: "FAIL", severity: "LOW", message: `EKS cluster ${label} still honours the aws-auth ConfigMap beside access entries (authentication mode API_AND_CONFIG_MAP).`, evidence, remediation: switchMode(snapshot, mode) })];
    }
    return [undecided(rule, snapshot, `EKS cluster ${label} has an authentication mode EKS Warden does not know (${JSON.stringify(mode.slice(0, 40))}), so its grants could not be judged.`, evidence)];
  },
};
