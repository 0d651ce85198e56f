// The EKS operations, behaving as EKS does: asynchronous changes on the virtual clock, the old
// configuration visible until a change ends, one cluster update at a time, and EKS's refusals.
// This is the routing table; each resource's operations live in operations/.

import {
  associateAccessPolicy,
  associateIdentityProviderConfig,
  createAccessEntry,
  deleteAccessEntry,
  describeAccessEntry,
  describeIdentityProviderConfig,
  disassociateAccessPolicy,
  disassociateIdentityProviderConfig,
  listAccessEntries,
  listAccessPolicies,
  listAssociatedAccessPolicies,
  listIdentityProviderConfigs,
  updateAccessEntry,
} from "./operations/access.ts";
import { createAddon, describeAddon, describeAddonVersions, listAddons, updateAddon } from "./operations/addons.ts";
import { updateClusterConfig, updateClusterVersion } from "./operations/cluster-updates.ts";
import { createCluster, deleteCluster, describeCluster, describeInsight, listClusters, listInsights } from "./operations/clusters.ts";
import type { OperationHandler } from "./operations/context.ts";
import { createNodegroup, describeNodegroup, listNodegroups, updateNodegroupVersion } from "./operations/nodegroups.ts";
import { listTagsForResource, tagResource, untagResource } from "./operations/tags.ts";
import { describeUpdate, listUpdates } from "./operations/updates.ts";
import { describeClusterVersions } from "./operations/versions.ts";

export type { Input, OperationContext, OperationHandler } from "./operations/context.ts";
export { accessPolicyArn, ACCESS_POLICY_NAMES } from "./access-policies.ts";
export { amiReleaseParameter } from "./operations/nodegroups.ts";
export type { UpdateFailurePlan } from "./operations/context.ts";
export { compareVersions } from "./operations/versions.ts";

export const EKS_HANDLERS: Readonly<Record<string, OperationHandler>> = {
  ListClusters: listClusters,
  DescribeCluster: describeCluster,
  CreateCluster: createCluster,
  DeleteCluster: deleteCluster,
  UpdateClusterConfig: updateClusterConfig,
  UpdateClusterVersion: updateClusterVersion,
  DescribeUpdate: describeUpdate,
  ListUpdates: listUpdates,
  ListNodegroups: listNodegroups,
  DescribeNodegroup: describeNodegroup,
  CreateNodegroup: createNodegroup,
  UpdateNodegroupVersion: updateNodegroupVersion,
  ListAddons: listAddons,
  DescribeAddon: describeAddon,
  CreateAddon: createAddon,
  UpdateAddon: updateAddon,
  DescribeAddonVersions: describeAddonVersions,
  DescribeClusterVersions: describeClusterVersions,
  ListInsights: listInsights,
  DescribeInsight: describeInsight,
  TagResource: tagResource,
  UntagResource: untagResource,
  ListTagsForResource: listTagsForResource,
  CreateAccessEntry: createAccessEntry,
  DescribeAccessEntry: describeAccessEntry,
  UpdateAccessEntry: updateAccessEntry,
  DeleteAccessEntry: deleteAccessEntry,
  ListAccessEntries: listAccessEntries,
  AssociateAccessPolicy: associateAccessPolicy,
  DisassociateAccessPolicy: disassociateAccessPolicy,
  ListAssociatedAccessPolicies: listAssociatedAccessPolicies,
  ListAccessPolicies: listAccessPolicies,
  AssociateIdentityProviderConfig: associateIdentityProviderConfig,
  DisassociateIdentityProviderConfig: disassociateIdentityProviderConfig,
  ListIdentityProviderConfigs: listIdentityProviderConfigs,
  DescribeIdentityProviderConfig: describeIdentityProviderConfig,
};

/** Operations that change something: these, and only these, reach EventBridge as CloudTrail events. */
export const MUTATING_OPERATIONS: ReadonlySet<string> = new Set([
  "CreateCluster",
  "DeleteCluster",
  "UpdateClusterConfig",
  "UpdateClusterVersion",
  "CreateNodegroup",
  "UpdateNodegroupVersion",
  "CreateAddon",
  "UpdateAddon",
  "TagResource",
  "UntagResource",
  "CreateAccessEntry",
  "UpdateAccessEntry",
  "DeleteAccessEntry",
  "AssociateAccessPolicy",
  "DisassociateAccessPolicy",
  "AssociateIdentityProviderConfig",
  "DisassociateIdentityProviderConfig",
]);
