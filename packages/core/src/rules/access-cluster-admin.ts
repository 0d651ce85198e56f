import { SEVERITY_RANK, type ClusterIdentity, type Remediation, type Rule, type Severity } from "../model.ts";
import { CLUSTER_ADMIN_POLICY, grantEvidence, holdsClusterAdmin, isAllowlistedAdmin, ownAccounts, principalFacts, shortPrincipal, undoAdmin } from "./lib/access.ts";
import { clusterLabel, evidenceText, finding, notApplicableForLifecycle, shellWord, unread } from "./lib/finding.ts";
import { count } from "./lib/items.ts";
import { reading } from "./lib/reads.ts";

function listAdmins(cluster: ClusterIdentity): Remediation {
  return {
    text:
      "List who holds cluster admin, remove every grant that is not an intended administrator (disassociate the policy, or delete the access entry), " +
      "and add the intended ones to policy.access.admins. Prefer roles assumed through SSO over IAM users.",
    command: `aws eks list-access-entries --region ${shellWord(cluster.region)} --cluster-name ${shellWord(cluster.name)} --associated-policy-arn arn:aws:eks::aws:cluster-access-policy/${CLUSTER_ADMIN_POLICY}`,
  };
}

export const rule: Rule = {
  id: "access-cluster-admin",
  area: "access",
  title: "Cluster admin held only by allowlisted IAM roles",
  severity: "HIGH",
  frameworks: ["CIS-EKS 4.1.1"],
  ...reading("cluster", "accessEntries"),
  risk:
    "Cluster admin is every power over the Kubernetes API: read every Secret, run any workload on any node, change RBAC and admission. " +
    "A grant to a principal outside the organisation, or to an unexpected one, is the step after a leaked credential or an open endpoint that turns access into control; " +
    "an IAM user holding it has long-lived keys that can leak.",
  remediation: listAdmins,
  headline: ({ evidence }) => {
    const first = evidenceText(evidence.firstFailingPrincipal);
    return first === undefined ? undefined : `cluster admin: ${shortPrincipal(first)}`;
  },
  evaluate(snapshot, policy, context) {
    const notApplicable = notApplicableForLifecycle(rule, snapshot);
    if (notApplicable) return [notApplicable];
    if (snapshot.accessEntries === undefined) return [unread(rule, snapshot, "its access entries (eks:ListAccessEntries)", "accessEntries")];
    const label = clusterLabel(snapshot);
    const own = ownAccounts(snapshot, policy, context);
    const holders = snapshot.accessEntries.filter((entry) => entry.unreadable === undefined && holdsClusterAdmin(entry));
    const unreadable = snapshot.accessEntries.filter((entry) => entry.unreadable !== undefined);
    const judged = holders.map((entry) => {
      const facts = principalFacts(entry.principalArn);
      const allowlisted = isAllowlistedAdmin(policy, entry.principalArn);
      const outside = facts.account === undefined || !own.has(facts.account);
      const severity: Severity | undefined = !allowlisted ? (outside ? "CRITICAL" : "HIGH") : facts.kind !== "role" ? "HIGH" : undefined;
      const why = !allowlisted ? (outside ? "outside the organisation's accounts and not allowlisted" : "not allowlisted") : facts.kind === "user" ? "an IAM user (long-lived keys), allowlisted" : "allowlisted";
      return { entry, severity, why, evidence: { ...grantEvidence(entry), allowlisted, outsideOwnAccounts: outside, ...(severity && { severity }) } };
    });
    const failing = judged.filter((item) => item.severity !== undefined).sort((a, b) => SEVERITY_RANK[b.severity!] - SEVERITY_RANK[a.severity!]);
    const evidence = {
      authenticationMode: snapshot.accessConfig?.authenticationMode ?? null,
      admins: judged.map((item) => item.evidence),
      unreadable: unreadable.map((entry) => ({ principalArn: entry.principalArn, reason: entry.unreadable })),
      ...(failing[0] && { firstFailingPrincipal: failing[0].entry.principalArn }),
    };
    if (failing.length > 0) {
      const worst = failing[0]!;
      const who = failing.map((item) => `${item.entry.principalArn} (${item.why})`).join(", ");
      return [
        finding(rule, snapshot, {
          status: "FAIL",
          severity: worst.severity!,
          message: `EKS cluster ${label} gives cluster admin to ${count(failing.length, "principal")} it should not: ${who}.`,
          evidence,
          remediation: undoAdmin(
            snapshot,
            worst.entry,
            `Take cluster admin away from ${worst.entry.principalArn} (${worst.why}); if the grant is intended for a role, add it to policy.access.admins. ` +
              `Check the other principals in the evidence the same way.`,
          ),
        }),
      ];
    }
    if (unreadable.length > 0) {
      return [
        finding(rule, snapshot, {
          status: "ERROR",
          severity: rule.severity,
          message: `EKS cluster ${label} could not be checked for cluster admins: ${count(unreadable.length, "access entry")} could not be read (${unreadable.map((entry) => entry.principalArn).join(", ")}).`,
          evidence,
        }),
      ];
    }
    const held = judged.length === 0 ? "no access entry holds cluster admin" : `cluster admin is held only by allowlisted roles (${judged.map((item) => item.entry.principalArn).join(", ")})`;
    return [finding(rule, snapshot, { status: "PASS", severity: rule.severity, message: `EKS cluster ${label}: ${held}.`, evidence })];
  },
};
