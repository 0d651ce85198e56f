// What the access rules share: which grants amount to cluster-wide admin power, who a principal is, and the undo
// commands of a grant (aws eks disassociate-access-policy / delete-access-entry).

import type { AccessEntrySnapshot, AccessPolicyAssociation, ClusterIdentity, ClusterSnapshot, EvaluationContext, Policy, Remediation } from "../../model.ts";
import { principalMatches } from "../../exemptions.ts";
import { shellWord } from "./finding.ts";

export const CLUSTER_ADMIN_POLICY = "AmazonEKSClusterAdminPolicy";
/** Admin at any scope; the two others are cluster-wide power only at cluster scope. */
const ADMIN_AT_CLUSTER_SCOPE = new Set(["AmazonEKSAdminPolicy", "AmazonEKSAdminViewPolicy"]);
/** The Kubernetes group bound to cluster-admin by default: membership is unrestricted power over the API. */
export const MASTERS_GROUP = "system:masters";

/** "AmazonEKSClusterAdminPolicy" of arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy. */
export function accessPolicyName(policyArn: string): string {
  return policyArn.slice(policyArn.lastIndexOf("/") + 1);
}

/** The policies of an entry that give cluster-wide admin power. */
export function adminPolicies(entry: AccessEntrySnapshot): AccessPolicyAssociation[] {
  return entry.accessPolicies.filter((policy) => {
    const name = accessPolicyName(policy.policyArn);
    return name === CLUSTER_ADMIN_POLICY || (ADMIN_AT_CLUSTER_SCOPE.has(name) && policy.accessScope.type === "cluster");
  });
}

export function holdsClusterAdmin(entry: AccessEntrySnapshot): boolean {
  return adminPolicies(entry).length > 0 || entry.kubernetesGroups.includes(MASTERS_GROUP);
}

/** The account of an IAM principal ARN, and whether it is a user (long-lived keys) or a role. */
export function principalFacts(principalArn: string): { readonly account?: string; readonly kind: "user" | "role" | "other" } {
  const match = /^arn:[\w-]+:(?:iam|sts)::(\d{12}):(user|role|assumed-role)\//.exec(principalArn);
  const kind = match?.[2] === "user" ? "user" : match?.[2] === "role" || match?.[2] === "assumed-role" ? "role" : "other";
  return { ...(match?.[1] !== undefined && { account: match[1] }), kind };
}

/** The accounts whose principals are the organisation's own: the cluster's, the deployment's, the member accounts. */
export function ownAccounts(snapshot: ClusterSnapshot, policy: Policy, context: EvaluationContext): Set<string> {
  return new Set([snapshot.account, ...policy.accounts.map((account) => account.id), ...(context.deploymentAccount !== undefined ? [context.deploymentAccount] : [])]);
}

export function isAllowlistedAdmin(policy: Policy, principalArn: string): boolean {
  return policy.access.admins.some((pattern) => principalMatches(pattern, principalArn));
}

function clusterNameOptions(cluster: ClusterIdentity): string {
  return `--region ${shellWord(cluster.region)} --cluster-name ${shellWord(cluster.name)}`;
}

/** Undoes one policy association. */
export function disassociateCommand(cluster: ClusterIdentity, principalArn: string, policyArn: string): string {
  return `aws eks disassociate-access-policy ${clusterNameOptions(cluster)} --principal-arn ${shellWord(principalArn)} --policy-arn ${shellWord(policyArn)}`;
}

/** Removes the whole entry (its groups and every policy with it). */
export function deleteEntryCommand(cluster: ClusterIdentity, principalArn: string): string {
  return `aws eks delete-access-entry ${clusterNameOptions(cluster)} --principal-arn ${shellWord(principalArn)}`;
}

/** The undo of a principal's admin power: disassociate the one admin policy, else delete the entry (groups, several grants). */
export function undoAdmin(cluster: ClusterIdentity, entry: AccessEntrySnapshot, text: string): Remediation {
  const policies = adminPolicies(entry);
  if (policies.length === 1 && !entry.kubernetesGroups.includes(MASTERS_GROUP)) return { text, command: disassociateCommand(cluster, entry.principalArn, policies[0]!.policyArn) };
  return { text, command: deleteEntryCommand(cluster, entry.principalArn) };
}

/** Who holds what, for evidence: each admin policy with its scope, and the masters group. */
export function grantEvidence(entry: AccessEntrySnapshot): Record<string, unknown> {
  const facts = principalFacts(entry.principalArn);
  return {
    principalArn: entry.principalArn,
    principalType: facts.kind,
    account: facts.account ?? null,
    policies: adminPolicies(entry).map((policy) => ({
      policyArn: policy.policyArn,
      policy: accessPolicyName(policy.policyArn),
      scope: policy.accessScope.type,
      namespaces: [...policy.accessScope.namespaces],
      associatedAt: policy.associatedAt?.toISOString() ?? null,
    })),
    kubernetesGroups: entry.kubernetesGroups.filter((group) => group === MASTERS_GROUP),
    createdAt: entry.createdAt?.toISOString() ?? null,
  };
}

/** The newest time the entry gained admin power: its newest admin association, else the entry's creation. */
export function grantedAt(entry: AccessEntrySnapshot): Date | undefined {
  const times = adminPolicies(entry).flatMap((policy) => (policy.associatedAt ? [policy.associatedAt] : []));
  if (entry.kubernetesGroups.includes(MASTERS_GROUP) && entry.createdAt) times.push(entry.createdAt);
  return times.sort((a, b) => b.getTime() - a.getTime())[0] ?? entry.createdAt;
}

/** A principal in a few words for an alert subject: "role ci-deployer (111122223333)", clipped. */
export function shortPrincipal(principalArn: string, withAccount = true): string {
  const match = /^arn:[\w-]+:iam::(\d{12}):(role|user)\/(?:.*\/)?([^/]+)$/.exec(principalArn);
  const text = match ? `${match[2]} ${match[3]}${withAccount ? ` (${match[1]})` : ""}` : principalArn;
  return text.length > 36 ? `${text.slice(0, 33)}...` : text;
}
