// The EKS calls the monitor handles, by CloudTrail eventName. The parsers' table (parsers.ts) must have exactly one
// row per name here (checked by the compiler), and the stack's event pattern lists these names.

export const HANDLED_CLUSTER_EVENTS = [
  "CreateCluster",
  "UpdateClusterConfig",
  "UpdateClusterVersion",
  "DeleteCluster",
  "TagResource",
  "UntagResource",
  "CreateNodegroup",
  "UpdateNodegroupVersion",
  "CreateAddon",
  "UpdateAddon",
  "CreateAccessEntry",
  "UpdateAccessEntry",
  "DeleteAccessEntry",
  "AssociateAccessPolicy",
  "DisassociateAccessPolicy",
  "AssociateIdentityProviderConfig",
  "DisassociateIdentityProviderConfig",
] as const;

export type ClusterEventName = (typeof HANDLED_CLUSTER_EVENTS)[number];

const HANDLED: ReadonlySet<string> = new Set(HANDLED_CLUSTER_EVENTS);

export function isHandled(name: string): name is ClusterEventName {
  return HANDLED.has(name);
}
