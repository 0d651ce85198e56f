// eksctl ClusterConfig (apiVersion eksctl.io/v1alpha5, kind ClusterConfig) -> the cluster it creates, after eksctl's
// config file schema: metadata.name / region / version / tags, vpc.clusterEndpoints.publicAccess / privateAccess,
// vpc.publicAccessCIDRs, cloudWatch.clusterLogging.enableTypes ("*" or "all" for every type), accessConfig
// (authenticationMode, bootstrapClusterCreatorAdminPermissions, accessEntries with their accessPolicies).
// eksctl's own default differs from the EKS API's in one place: an omitted authenticationMode is API_AND_CONFIG_MAP.

import { show } from "../snapshot/forms.ts";
import { CLUSTER_LOG_TYPES } from "../snapshot/cluster.ts";
import type { ParsedDocument } from "./document.ts";
import type { DeclaredAt, DesiredAccessEntry, DesiredState } from "./model.ts";
import { isRecord, Reader } from "./values.ts";

/** eksctl's default authentication mode for a new cluster (eksctl's access entries documentation). */
export const EKSCTL_DEFAULT_AUTHENTICATION_MODE = "API_AND_CONFIG_MAP";

export function looksLikeEksctl(value: unknown): boolean {
  return isRecord(value) && typeof value.apiVersion === "string" && value.apiVersion.startsWith("eksctl.io/") && value.kind === "ClusterConfig";
}

export function readEksctl(document: ParsedDocument): DesiredState {
  const reader = new Reader(document);
  const config = document.value;
  if (!isRecord(config)) return reader.fail(config, undefined, "expected an eksctl ClusterConfig object");
  const metadata = reader.object(config, "metadata", "metadata") ?? reader.fail(config, undefined, "metadata: missing; expected metadata.name and metadata.region");
  const name = reader.string(metadata, "name", "metadata.name") ?? reader.fail(metadata, undefined, "metadata.name: missing; expected the cluster's name");
  const region = reader.string(metadata, "region", "metadata.region");
  const version = reader.string(metadata, "version", "metadata.version") ?? (typeof metadata.version === "number" ? String(metadata.version) : undefined);
  const declaredAt: DeclaredAt = {};
  const note = (field: keyof DeclaredAt, parent: Record<string, unknown> | undefined, key: string) => {
    if (parent !== undefined && parent[key] !== undefined && parent[key] !== null) declaredAt[field] = reader.at(parent, key);
  };
  note("version", metadata, "version");

  const vpc = reader.object(config, "vpc", "vpc");
  const endpoints = vpc === undefined ? undefined : reader.object(vpc, "clusterEndpoints", "vpc.clusterEndpoints");
  const publicAccess = endpoints === undefined ? undefined : reader.boolean(endpoints, "publicAccess", "vpc.clusterEndpoints.publicAccess");
  const privateAccess = endpoints === undefined ? undefined : reader.boolean(endpoints, "privateAccess", "vpc.clusterEndpoints.privateAccess");
  const cidrs = vpc === undefined ? undefined : reader.strings(vpc, "publicAccessCIDRs", "vpc.publicAccessCIDRs");
  note("endpointPublicAccess", endpoints, "publicAccess");
  note("endpointPrivateAccess", endpoints, "privateAccess");
  note("publicAccessCidrs", vpc, "publicAccessCIDRs");

  const cloudWatch = reader.object(config, "cloudWatch", "cloudWatch");
  const clusterLogging = cloudWatch === undefined ? undefined : reader.object(cloudWatch, "clusterLogging", "cloudWatch.clusterLogging");
  const enableTypes = clusterLogging === undefined ? undefined : reader.strings(clusterLogging, "enableTypes", "cloudWatch.clusterLogging.enableTypes");
  note("logging", clusterLogging, "enableTypes");
  const enabledLogTypes = enableTypes?.some((type) => type === "*" || type === "all") ? [...CLUSTER_LOG_TYPES] : enableTypes;

  const access = reader.object(config, "accessConfig", "accessConfig");
  const authenticationMode = (access === undefined ? undefined : reader.string(access, "authenticationMode", "accessConfig.authenticationMode")) ?? EKSCTL_DEFAULT_AUTHENTICATION_MODE;
  const bootstrap = access === undefined ? undefined : reader.boolean(access, "bootstrapClusterCreatorAdminPermissions", "accessConfig.bootstrapClusterCreatorAdminPermissions");
  note("authenticationMode", access, "authenticationMode");
  note("bootstrapClusterCreatorAdminPermissions", access, "bootstrapClusterCreatorAdminPermissions");
  const entries = access === undefined ? [] : (reader.array(access, "accessEntries", "accessConfig.accessEntries") ?? []);
  const accessEntries: DesiredAccessEntry[] = entries.map((entry, index) => {
    const at = `accessConfig.accessEntries[${index}]`;
    if (!isRecord(entry)) return reader.fail(entries, index, `${at}: expected an object with principalARN, got ${show(entry)}`);
    const principalArn = reader.string(entry, "principalARN", `${at}.principalARN`) ?? reader.fail(entry, undefined, `${at}.principalARN: missing; expected the IAM principal's ARN`);
    const type = reader.string(entry, "type", `${at}.type`);
    const username = reader.string(entry, "kubernetesUsername", `${at}.kubernetesUsername`);
    const policies = reader.array(entry, "accessPolicies", `${at}.accessPolicies`) ?? [];
    return {
      principalArn,
      ...(type !== undefined && { type }),
      ...(username !== undefined && { username }),
      kubernetesGroups: reader.strings(entry, "kubernetesGroups", `${at}.kubernetesGroups`) ?? [],
      accessPolicies: policies.map((policy, policyIndex) => {
        const where = `${at}.accessPolicies[${policyIndex}]`;
        if (!isRecord(policy)) return reader.fail(policies, policyIndex, `${where}: expected {policyARN, accessScope}, got ${show(policy)}`);
        const policyArn = reader.string(policy, "policyARN", `${where}.policyARN`) ?? reader.fail(policy, undefined, `${where}.policyARN: missing`);
        const scope = reader.object(policy, "accessScope", `${where}.accessScope`) ?? {};
        const scopeType = reader.string(scope, "type", `${where}.accessScope.type`) ?? "cluster";
        if (scopeType !== "cluster" && scopeType !== "namespace") return reader.fail(scope, "type", `${where}.accessScope.type: expected cluster or namespace, got ${show(scopeType)}`);
        return { policyArn, accessScope: { type: scopeType, namespaces: reader.strings(scope, "namespaces", `${where}.accessScope.namespaces`) ?? [] } };
      }),
      line: reader.at(entries, index).line,
    };
  });
  const tags = isRecord(metadata.tags) ? Object.fromEntries(Object.entries(metadata.tags).filter((entry): entry is [string, string] => typeof entry[1] === "string")) : {};

  return {
    file: document.file,
    format: "eksctl",
    clusters: [
      {
        name,
        source: { file: document.file, format: "eksctl", resource: name, ...reader.at(config, "metadata") },
        ...(region !== undefined && { region }),
        ...(version !== undefined && { version }),
        endpoint: { ...(publicAccess !== undefined && { publicAccess }), ...(privateAccess !== undefined && { privateAccess }), ...(cidrs !== undefined && { publicAccessCidrs: cidrs }) },
        ...(enabledLogTypes !== undefined && { enabledLogTypes }),
        accessConfig: { authenticationMode, ...(bootstrap !== undefined && { bootstrapClusterCreatorAdminPermissions: bootstrap }) },
        accessEntries,
        tags,
        unknown: [],
        declaredAt,
      },
    ],
  };
}
