// Which resources each EKS/SSM read may touch. The actions come from the rules (permissionsFor) and the adapters;
// this table only scopes them. An action missing here stops the synth: a new permission needs a deliberate scope,
// never a silent "*".

export type ResourceKind = "cluster" | "nodegroup" | "addon" | "amiParameters" | "unscoped" | "accessEntry" | "identityProviderConfig";

/**
 * IAM resource types per action, from the Service Authorization Reference (Amazon EKS, AWS Systems Manager).
 * "unscoped": the action supports no resource-level permissions, so the only valid resource is "*".
 */
export const ACTION_SCOPES: Readonly<Record<string, readonly ResourceKind[]>> = {
  "eks:DescribeCluster": ["cluster"],
  "eks:ListNodegroups": ["cluster"],
  "eks:ListAddons": ["cluster"],
  "eks:DescribeUpdate": ["cluster", "nodegroup", "addon"],
  "eks:DescribeNodegroup": ["nodegroup"],
  "eks:DescribeAddon": ["addon"],
  "eks:UpdateClusterConfig": ["cluster"],
  "eks:DescribeClusterVersions": ["unscoped"],
  // No resource type in the Service Authorization Reference: the add-on catalogue is public, not a resource of the account.
  "eks:DescribeAddonVersions": ["unscoped"],
  // Resource type cluster (required): the insights are the cluster's.
  "eks:ListInsights": ["cluster"],
  "eks:DescribeInsight": ["cluster"],
  "eks:ListClusters": ["unscoped"],
  // Access entries are listed on the cluster; an entry and its associated policies are the access-entry resource.
  "eks:ListAccessEntries": ["cluster"],
  "eks:DescribeAccessEntry": ["accessEntry"],
  "eks:ListAssociatedAccessPolicies": ["accessEntry"],
  // Identity providers are listed on the cluster; one provider is the identityproviderconfig resource.
  "eks:ListIdentityProviderConfigs": ["cluster"],
  "eks:DescribeIdentityProviderConfig": ["identityProviderConfig"],
  "ssm:GetParameter": ["amiParameters"],
  "ssm:GetParameters": ["amiParameters"],
};

/** The one EKS write, declared beside the adapter that sends it. */
export { EKS_REMEDIATION_ACTIONS as REMEDIATION_ACTIONS } from "@eks-warden/core";

export interface ScopeContext {
  readonly partition: string;
  readonly account: string;
  /** Every region the monitor reads (the policy's regions, else the deployment region). */
  readonly regions: readonly string[];
}

function arnsFor(kind: ResourceKind, context: ScopeContext): string[] {
  const { partition, account, regions } = context;
  switch (kind) {
    case "cluster":
      return regions.map((region) => `arn:${partition}:eks:${region}:${account}:cluster/*`);
    case "nodegroup":
      return regions.map((region) => `arn:${partition}:eks:${region}:${account}:nodegroup/*/*/*`);
    case "addon":
      return regions.map((region) => `arn:${partition}:eks:${region}:${account}:addon/*/*/*`);
    case "accessEntry":
      return regions.map((region) => `arn:${partition}:eks:${region}:${account}:access-entry/*/*/*/*/*`);
    case "identityProviderConfig":
      return regions.map((region) => `arn:${partition}:eks:${region}:${account}:identityproviderconfig/*/*/*/*`);
    case "amiParameters":
      // The public parameters that publish the latest EKS-optimised and Bottlerocket AMI releases (TOOLCHAIN.md).
      return regions.flatMap((region) => [
        `arn:${partition}:ssm:${region}::parameter/aws/service/eks/optimized-ami/*`,
        `arn:${partition}:ssm:${region}::parameter/aws/service/bottlerocket/*`,
      ]);
    case "unscoped":
      return ["*"];
  }
}

export interface ScopedGrant {
  readonly actions: readonly string[];
  readonly resources: readonly string[];
}

/**
 * Groups actions by the resources they may touch, one grant per distinct resource set. Throws for an action with
 * no known scope, and for any wildcard action.
 */
export function scopeActions(actions: readonly string[], context: ScopeContext): ScopedGrant[] {
  const grants = new Map<string, { actions: Set<string>; resources: string[] }>();
  for (const action of [...new Set(actions)].sort()) {
    if (action.includes("*")) throw new Error(`IAM action "${action}": wildcard actions are not allowed; name each action`);
    const kinds = ACTION_SCOPES[action];
    if (!kinds) {
      throw new Error(`IAM action "${action}" has no resource scope in stacks/permissions.ts ACTION_SCOPES; add the resource types it supports (Service Authorization Reference)`);
    }
    const resources = kinds.flatMap((kind) => arnsFor(kind, context));
    const key = resources.join("|");
    const grant = grants.get(key) ?? { actions: new Set<string>(), resources };
    grant.actions.add(action);
    grants.set(key, grant);
  }
  return [...grants.values()].map((grant) => ({ actions: [...grant.actions].sort(), resources: grant.resources }));
}
