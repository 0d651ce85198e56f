// A declared cluster -> the ClusterSnapshot the live collector would build once it is deployed. The declared settings
// are written as the DescribeCluster record EKS would return and go through the live normaliser (normaliseCluster),
// so an omitted setting takes AWS's default exactly as it does live (public access on, 0.0.0.0/0, logs off), with
// the same `defaulted` flags. The access data, which the normaliser does not read, is attached beside it.

import type { AccessEntrySnapshot, ClusterSnapshot } from "../model.ts";
import { normaliseCluster } from "../snapshot/cluster.ts";
import type { DesiredCluster, UnknownField } from "./model.ts";

/** Where the cluster would live: the file's region when it has one, else this. */
export interface DesiredIdentity {
  readonly account: string;
  readonly region: string;
}

/**
 * A value to use, instead of AWS's default, for a setting the file leaves unknown: the other end of what deployment
 * could decide. Judging both ends tells whether the unknown value changes a rule's verdict (checker.ts).
 */
export const OTHER_END: Readonly<Record<UnknownField, (cluster: DesiredCluster) => Partial<DescribeRecordParts>>> = {
  endpointPublicAccess: () => ({ endpointPublicAccess: false }),
  endpointPrivateAccess: () => ({ endpointPrivateAccess: true }),
  // TEST-NET-1 (RFC 5737): a narrow public block, as opposed to AWS's 0.0.0.0/0.
  publicAccessCidrs: () => ({ publicAccessCidrs: ["192.0.2.0/24"] }),
  version: () => ({}),
  logging: () => ({ enabledLogTypes: ["api", "audit", "authenticator", "controllerManager", "scheduler"] }),
  authenticationMode: () => ({ authenticationMode: "API" }),
  bootstrapClusterCreatorAdminPermissions: () => ({ bootstrapClusterCreatorAdminPermissions: false }),
  accessEntries: () => ({ accessEntries: [] }),
  supportType: () => ({ supportType: "STANDARD" }),
};

/** The parts of the record a variant may replace. */
export interface DescribeRecordParts {
  readonly endpointPublicAccess?: boolean;
  readonly endpointPrivateAccess?: boolean;
  readonly publicAccessCidrs?: readonly string[];
  readonly enabledLogTypes?: readonly string[];
  readonly authenticationMode?: string;
  readonly bootstrapClusterCreatorAdminPermissions?: boolean;
  readonly accessEntries?: DesiredCluster["accessEntries"];
  readonly supportType?: "STANDARD" | "EXTENDED";
}

/** The DescribeCluster record EKS would return for the declared cluster (what it omits, EKS's defaults fill in). */
export function describeClusterRecord(cluster: DesiredCluster, region: string, parts: DescribeRecordParts = {}): Record<string, unknown> {
  const endpointPublicAccess = "endpointPublicAccess" in parts ? parts.endpointPublicAccess : cluster.endpoint.publicAccess;
  const endpointPrivateAccess = "endpointPrivateAccess" in parts ? parts.endpointPrivateAccess : cluster.endpoint.privateAccess;
  const publicAccessCidrs = "publicAccessCidrs" in parts ? parts.publicAccessCidrs : cluster.endpoint.publicAccessCidrs;
  const enabledLogTypes = "enabledLogTypes" in parts ? parts.enabledLogTypes : cluster.enabledLogTypes;
  const supportType = "supportType" in parts ? parts.supportType : cluster.supportType;
  const vpc = {
    ...(endpointPublicAccess !== undefined && { endpointPublicAccess }),
    ...(endpointPrivateAccess !== undefined && { endpointPrivateAccess }),
    ...(publicAccessCidrs !== undefined && { publicAccessCidrs: [...publicAccessCidrs] }),
  };
  return {
    name: cluster.name,
    // The state it is judged in is the one it is declared for: created and running.
    status: "ACTIVE",
    ...(cluster.version !== undefined && { version: cluster.version }),
    endpoint: `https://desired.${region}.eks.amazonaws.com`,
    resourcesVpcConfig: vpc,
    ...(enabledLogTypes !== undefined && { logging: { clusterLogging: [{ types: [...enabledLogTypes], enabled: true }] } }),
    ...(supportType !== undefined && { upgradePolicy: { supportType } }),
    tags: { ...cluster.tags },
  };
}

/** Whether the file says anything about who may act on the cluster's API: an access configuration or an access entry. */
export function declaresAccess(cluster: DesiredCluster): boolean {
  return cluster.accessConfig !== undefined || cluster.accessEntries.length > 0;
}

/** The declared cluster as the live collector would see it once deployed; `parts` replaces settings (see OTHER_END). */
export function desiredSnapshot(cluster: DesiredCluster, identity: DesiredIdentity, parts: DescribeRecordParts = {}): ClusterSnapshot {
  const region = cluster.region ?? identity.region;
  const snapshot = normaliseCluster(describeClusterRecord(cluster, region, parts), { identity: { account: identity.account, region } });
  const authenticationMode = "authenticationMode" in parts ? parts.authenticationMode : cluster.accessConfig?.authenticationMode;
  const bootstrap = "bootstrapClusterCreatorAdminPermissions" in parts ? parts.bootstrapClusterCreatorAdminPermissions : cluster.accessConfig?.bootstrapClusterCreatorAdminPermissions;
  const declaresAccess = cluster.accessConfig !== undefined || authenticationMode !== undefined || bootstrap !== undefined;
  const entries = parts.accessEntries ?? cluster.accessEntries;
  const accessEntries: AccessEntrySnapshot[] = entries.map((entry) => ({
    principalArn: entry.principalArn,
    ...(entry.type !== undefined && { type: entry.type }),
    ...(entry.username !== undefined && { username: entry.username }),
    kubernetesGroups: [...entry.kubernetesGroups],
    accessPolicies: entry.accessPolicies.map((policy) => ({ policyArn: policy.policyArn, accessScope: { type: policy.accessScope.type, namespaces: [...policy.accessScope.namespaces] } })),
  }));
  return {
    ...snapshot,
    ...(declaresAccess && {
      accessConfig: {
        ...(authenticationMode !== undefined && { authenticationMode }),
        ...(bootstrap !== undefined && { bootstrapClusterCreatorAdminPermissions: bootstrap }),
      },
    }),
    accessEntries,
  };
}
