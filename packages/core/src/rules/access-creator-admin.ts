import type { AccessEntrySnapshot, ClusterSnapshot, Rule } from "../model.ts";
import { adminPolicies, CLUSTER_ADMIN_POLICY, accessPolicyName, deleteEntryCommand, isAllowlistedAdmin, shortPrincipal } from "./lib/access.ts";
import { clusterLabel, evidenceText, finding, notApplicableForLifecycle, shellWord, unread } from "./lib/finding.ts";
import { reading } from "./lib/reads.ts";

const DAY_MS = 24 * 60 * 60 * 1000;
/**
 * EKS makes the bootstrap entry while it creates the cluster: an entry with cluster admin at cluster scope created
 * within this long after the cluster is taken to be the creator's.
 */
const BOOTSTRAP_WINDOW_MS = 60 * 60 * 1000;

function isBootstrapEntry(snapshot: ClusterSnapshot, entry: AccessEntrySnapshot): boolean {
  if (snapshot.createdAt === undefined || entry.createdAt === undefined) return false;
  const lag = entry.createdAt.getTime() - snapshot.createdAt.getTime();
  return lag >= -BOOTSTRAP_WINDOW_MS && lag <= BOOTSTRAP_WINDOW_MS && adminPolicies(entry).some((policy) => accessPolicyName(policy.policyArn) === CLUSTER_ADMIN_POLICY && policy.accessScope.type === "cluster");
}

export const rule: Rule = {
  id: "access-creator-admin",
  area: "access",
  title: "Cluster creator's bootstrap admin removed after set-up",
  severity: "LOW",
  frameworks: ["CIS-EKS 4.1.1"],
  ...reading("cluster", "accessEntries"),
  risk:
    "EKS gives whoever created the cluster (often a CI role or a person's session) permanent cluster admin. Left in place, it is an admin grant nobody decided on, " +
    "held by a principal whose other permissions were chosen for creating infrastructure, not for running the cluster.",
  remediation: (cluster) => ({
    text: "Grant cluster admin explicitly to the intended roles (policy.access.admins), then delete the creator's bootstrap access entry. Create clusters with bootstrapClusterCreatorAdminPermissions false.",
    command: `aws eks list-access-entries --region ${shellWord(cluster.region)} --cluster-name ${shellWord(cluster.name)}`,
  }),
  headline: ({ evidence }) => {
    const principal = evidenceText(evidence.creatorPrincipal);
    return principal === undefined ? undefined : `creator still admin: ${shortPrincipal(principal, false)}`;
  },
  evaluate(snapshot, policy, context) {
    const notApplicable = notApplicableForLifecycle(rule, snapshot);
    if (notApplicable) return [notApplicable];
    if (snapshot.accessEntries === undefined) return [unread(rule, snapshot, "its access entries (eks:ListAccessEntries)", "accessEntries")];
    const label = clusterLabel(snapshot);
    const maxDays = policy.access.creatorAdminMaxDays;
    const deadline = snapshot.createdAt ? new Date(snapshot.createdAt.getTime() + maxDays * DAY_MS) : undefined;
    const bootstrap = snapshot.accessEntries.filter((entry) => entry.unreadable === undefined && isBootstrapEntry(snapshot, entry) && !isAllowlistedAdmin(policy, entry.principalArn));
    const unreadable = snapshot.accessEntries.filter((entry) => entry.unreadable !== undefined);
    const evidence = {
      bootstrapClusterCreatorAdminPermissions: snapshot.accessConfig?.bootstrapClusterCreatorAdminPermissions ?? null,
      clusterCreatedAt: snapshot.createdAt?.toISOString() ?? null,
      creatorAdminMaxDays: maxDays,
      removeBy: deadline?.toISOString() ?? null,
      bootstrapEntries: bootstrap.map((entry) => ({ principalArn: entry.principalArn, createdAt: entry.createdAt?.toISOString() ?? null })),
      unreadable: unreadable.map((entry) => ({ principalArn: entry.principalArn, reason: entry.unreadable })),
      ...(bootstrap[0] && { creatorPrincipal: bootstrap[0].principalArn }),
    };
    const first = bootstrap[0];
    if (first && deadline && context.now.getTime() > deadline.getTime()) {
      return [
        finding(rule, snapshot, {
          status: "FAIL",
          severity: "LOW",
          message: `EKS cluster ${label} still gives its creator ${first.principalArn} the bootstrap cluster admin, more than ${maxDays} days after the cluster was created.`,
          evidence,
          remediation: {
            text: `Grant cluster admin explicitly to the intended roles, then delete the bootstrap entry of ${first.principalArn}.`,
            command: deleteEntryCommand(snapshot, first.principalArn),
          },
        }),
      ];
    }
    if (unreadable.length > 0) {
      return [finding(rule, snapshot, { status: "ERROR", severity: rule.severity, message: `EKS cluster ${label} could not be checked: ${unreadable.length} access entries could not be read (${unreadable.map((entry) => entry.principalArn).join(", ")}).`, evidence })];
    }
    const message = first
      ? `EKS cluster ${label} gives its creator ${first.principalArn} bootstrap cluster admin, within the ${maxDays} days allowed after creation (until ${deadline?.toISOString().slice(0, 10) ?? "unknown"}).`
      : `EKS cluster ${label} has no bootstrap cluster admin of its creator left.`;
    return [finding(rule, snapshot, { status: "PASS", severity: rule.severity, message, evidence })];
  },
};
