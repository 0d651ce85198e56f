// Cluster access: access entries and their associated access policies (synchronous, as in EKS), the access policy
// catalogue, and OIDC identity providers (associated and disassociated by an asynchronous cluster update).

import type { JsonObject } from "../../fleet.ts";
import { invalidParameter, invalidRequest, resourceInUse, resourceNotFound } from "../errors.ts";
import type { AccessEntryRecord, ClusterRecord } from "../store.ts";
import { clone, hex, isObject, paginate, requireCluster, seconds, withToken, type OperationContext, type OperationHandler } from "./context.ts";
import { blockingUpdateError, rememberToken, startClusterUpdate } from "./updates.ts";
import { ACCESS_POLICY_NAMES, accessPolicyArn, accessScopeProblem, isKnownAccessPolicy, PRINCIPAL_ARN } from "../access-policies.ts";

const ACCESS_ENTRY_TYPES = new Set(["STANDARD", "EC2_LINUX", "EC2_WINDOWS", "FARGATE_LINUX", "EC2", "HYBRID_LINUX", "HYPERPOD_LINUX"]);
const NOT_IN_API_MODE = "The cluster's authentication mode must be set to one of [API, API_AND_CONFIG_MAP] to perform this operation.";

/** The cluster, if its authentication mode lets access entries be used (EKS refuses them under CONFIG_MAP). */
function accessCluster(context: OperationContext, name: unknown): ClusterRecord {
  const cluster = requireCluster(context, name);
  const mode = isObject(cluster.data["accessConfig"]) ? cluster.data["accessConfig"]["authenticationMode"] : undefined;
  if (mode !== "API" && mode !== "API_AND_CONFIG_MAP") throw invalidRequest(NOT_IN_API_MODE, { clusterName: cluster.name });
  return cluster;
}

function requireEntry(cluster: ClusterRecord, principalArn: unknown): AccessEntryRecord {
  const entry = cluster.accessEntries.get(String(principalArn));
  if (!entry) throw resourceNotFound(`The specified access entry resource could not be found. principalArn: ${String(principalArn)}`, { clusterName: cluster.name });
  return entry;
}

function checkGroups(value: unknown, cluster: ClusterRecord): string[] | undefined {
  if (value === undefined) return undefined;
  const groups = value as unknown[];
  if (groups.some((group) => typeof group !== "string" || group.length === 0)) throw invalidParameter("kubernetesGroups must be a list of non-empty group names.", { clusterName: cluster.name });
  return groups as string[];
}

/** A new access entry in wire shape, as CreateAccessEntry and the fleet file both make it. */
export function newAccessEntry(account: string, region: string, clusterName: string, input: JsonObject, now: Date): JsonObject {
  const principalArn = String(input["principalArn"]);
  const match = PRINCIPAL_ARN.exec(principalArn);
  const kind = match?.[2] ?? "role";
  const type = typeof input["type"] === "string" ? input["type"] : "STANDARD";
  const username = typeof input["username"] === "string" ? input["username"] : kind === "role" ? `arn:aws:sts::${match?.[1] ?? account}:assumed-role/${match?.[3] ?? "role"}/{{SessionName}}` : principalArn;
  return {
    clusterName,
    principalArn,
    kubernetesGroups: Array.isArray(input["kubernetesGroups"]) ? input["kubernetesGroups"] : [],
    accessEntryArn: `arn:aws:eks:${region}:${account}:access-entry/${clusterName}/${kind}/${match?.[1] ?? account}/${match?.[3] ?? "principal"}/${hex(`${clusterName}${principalArn}`, 8)}-${hex(principalArn, 4)}`,
    createdAt: typeof input["createdAt"] === "number" ? input["createdAt"] : seconds(now),
    modifiedAt: typeof input["modifiedAt"] === "number" ? input["modifiedAt"] : typeof input["createdAt"] === "number" ? input["createdAt"] : seconds(now),
    tags: isObject(input["tags"]) ? input["tags"] : {},
    username,
    type,
  };
}

export const createAccessEntry: OperationHandler = (context, input) => {
  const cluster = accessCluster(context, input["clusterName"]);
  const principalArn = String(input["principalArn"]);
  const fields = { clusterName: cluster.name };
  if (!PRINCIPAL_ARN.test(principalArn)) throw invalidParameter(`The specified principalArn is invalid: ${principalArn}. Expected the ARN of an IAM role or user.`, fields);
  if (input["type"] !== undefined && !ACCESS_ENTRY_TYPES.has(String(input["type"]))) throw invalidParameter(`The type ${String(input["type"])} is invalid. Valid types: ${[...ACCESS_ENTRY_TYPES].join(", ")}.`, fields);
  checkGroups(input["kubernetesGroups"], cluster);
  if (cluster.accessEntries.has(principalArn)) throw resourceInUse("The specified access entry resource is already in use on this cluster.", fields);
  const data = newAccessEntry(context.account, context.region, cluster.name, input, context.clock.now());
  cluster.accessEntries.set(principalArn, { data, policies: new Map() });
  return { accessEntry: clone(data) };
};

export const describeAccessEntry: OperationHandler = (context, input) => {
  const cluster = accessCluster(context, input["clusterName"]);
  return { accessEntry: clone(requireEntry(cluster, input["principalArn"]).data) };
};

export const updateAccessEntry: OperationHandler = (context, input) => {
  const cluster = accessCluster(context, input["clusterName"]);
  const entry = requireEntry(cluster, input["principalArn"]);
  const groups = checkGroups(input["kubernetesGroups"], cluster);
  entry.data = {
    ...entry.data,
    ...(groups !== undefined && { kubernetesGroups: groups }),
    ...(typeof input["username"] === "string" && { username: input["username"] }),
    modifiedAt: seconds(context.clock.now()),
  };
  return { accessEntry: clone(entry.data) };
};

export const deleteAccessEntry: OperationHandler = (context, input) => {
  const cluster = accessCluster(context, input["clusterName"]);
  requireEntry(cluster, input["principalArn"]);
  cluster.accessEntries.delete(String(input["principalArn"]));
  return {};
};

export const listAccessEntries: OperationHandler = (context, input) => {
  const cluster = accessCluster(context, input["clusterName"]);
  const filter = typeof input["associatedPolicyArn"] === "string" ? input["associatedPolicyArn"] : undefined;
  if (filter !== undefined && !isKnownAccessPolicy(filter)) throw invalidParameter(`The specified associatedPolicyArn is invalid: ${filter}`, { clusterName: cluster.name });
  const principals = [...cluster.accessEntries.entries()].filter(([, entry]) => filter === undefined || entry.policies.has(filter)).map(([principal]) => principal);
  const { page, nextToken } = paginate(principals, input, "ListAccessEntries");
  return withToken({ accessEntries: page }, nextToken);
};

export const associateAccessPolicy: OperationHandler = (context, input) => {
  const cluster = accessCluster(context, input["clusterName"]);
  const entry = requireEntry(cluster, input["principalArn"]);
  const policyArn = String(input["policyArn"]);
  const fields = { clusterName: cluster.name };
  if (!isKnownAccessPolicy(policyArn)) throw invalidParameter(`The specified policyArn is invalid: ${policyArn}. List the access policies with 'list-access-policies'.`, fields);
  const problem = accessScopeProblem(input["accessScope"]);
  if (problem) throw invalidParameter(problem, fields);
  const scope = input["accessScope"] as JsonObject;
  const now = seconds(context.clock.now());
  const previous = entry.policies.get(policyArn);
  const association: JsonObject = {
    policyArn,
    accessScope: { type: scope["type"], namespaces: Array.isArray(scope["namespaces"]) ? scope["namespaces"] : [] },
    associatedAt: previous?.["associatedAt"] ?? now,
    modifiedAt: now,
  };
  entry.policies.set(policyArn, association);
  return { clusterName: cluster.name, principalArn: entry.data["principalArn"], associatedAccessPolicy: clone(association) };
};

export const disassociateAccessPolicy: OperationHandler = (context, input) => {
  const cluster = accessCluster(context, input["clusterName"]);
  const entry = requireEntry(cluster, input["principalArn"]);
  const policyArn = String(input["policyArn"]);
  if (!entry.policies.delete(policyArn)) throw resourceNotFound(`The specified access policy ${policyArn} is not associated with principalArn ${String(input["principalArn"])}.`, { clusterName: cluster.name });
  return {};
};

export const listAssociatedAccessPolicies: OperationHandler = (context, input) => {
  const cluster = accessCluster(context, input["clusterName"]);
  const entry = requireEntry(cluster, input["principalArn"]);
  const { page, nextToken } = paginate([...entry.policies.values()].map(clone), input, "ListAssociatedAccessPolicies");
  return withToken({ clusterName: cluster.name, principalArn: entry.data["principalArn"], associatedAccessPolicies: page }, nextToken);
};

export const listAccessPolicies: OperationHandler = (_context, input) => {
  const { page, nextToken } = paginate(ACCESS_POLICY_NAMES.map((name) => ({ name, arn: accessPolicyArn(name) })), input, "ListAccessPolicies");
  return withToken({ accessPolicies: page }, nextToken);
};

/** An OIDC identity provider configuration in wire shape, as the association and the fleet file make it. */
export function newIdentityProvider(account: string, region: string, clusterName: string, oidc: JsonObject, status: string): JsonObject {
  const name = String(oidc["identityProviderConfigName"]);
  return {
    ...clone(oidc),
    identityProviderConfigName: name,
    identityProviderConfigArn: `arn:aws:eks:${region}:${account}:identityproviderconfig/${clusterName}/oidc/${name}/${hex(`${clusterName}/${name}`, 8)}`,
    clusterName,
    tags: isObject(oidc["tags"]) ? oidc["tags"] : {},
    status,
  };
}

export const associateIdentityProviderConfig: OperationHandler = (context, input) => {
  const cluster = requireCluster(context, input["clusterName"]);
  const fields = { clusterName: cluster.name };
  const oidc = input["oidc"] as JsonObject;
  const name = oidc["identityProviderConfigName"];
  if (typeof name !== "string" || name.length === 0) throw invalidParameter("oidc.identityProviderConfigName is required.", fields);
  if (typeof oidc["issuerUrl"] !== "string" || !/^https:\/\/\S+$/.test(oidc["issuerUrl"])) throw invalidParameter("The issuerUrl must be an https URL.", fields);
  if (typeof oidc["clientId"] !== "string" || oidc["clientId"].length === 0) throw invalidParameter("oidc.clientId is required.", fields);
  if (cluster.identityProviders.has(name)) throw resourceInUse(`Identity provider config ${name} is already associated with cluster ${cluster.name}.`, fields);
  const blocked = blockingUpdateError("AssociateIdentityProviderConfig", cluster);
  if (blocked) throw blocked;
  const config = newIdentityProvider(context.account, context.region, cluster.name, { ...oidc, ...(isObject(input["tags"]) && { tags: input["tags"] }) }, "CREATING");
  cluster.identityProviders.set(name, config);
  const update = startClusterUpdate(context, cluster, "AssociateIdentityProviderConfig", [{ type: "IdentityProviderConfig", value: JSON.stringify([{ type: "oidc", name }]) }], "ConfigUpdate", () => {
    config["status"] = "ACTIVE";
  });
  rememberToken(cluster, input, update);
  return { update: clone(update.data), tags: clone(config["tags"]) };
};

function requireProvider(cluster: ClusterRecord, reference: unknown): JsonObject {
  const ref = isObject(reference) ? reference : {};
  const provider = ref["type"] === "oidc" ? cluster.identityProviders.get(String(ref["name"])) : undefined;
  if (!provider) throw resourceNotFound(`No identity provider config found for type ${String(ref["type"])} and name ${String(ref["name"])}.`, { clusterName: cluster.name });
  return provider;
}

export const disassociateIdentityProviderConfig: OperationHandler = (context, input) => {
  const cluster = requireCluster(context, input["clusterName"]);
  const provider = requireProvider(cluster, input["identityProviderConfig"]);
  const name = String(provider["identityProviderConfigName"]);
  const blocked = blockingUpdateError("DisassociateIdentityProviderConfig", cluster);
  if (blocked) throw blocked;
  provider["status"] = "DELETING";
  const update = startClusterUpdate(context, cluster, "DisassociateIdentityProviderConfig", [{ type: "IdentityProviderConfig", value: JSON.stringify([{ type: "oidc", name }]) }], "ConfigUpdate", () => {
    cluster.identityProviders.delete(name);
  });
  rememberToken(cluster, input, update);
  return { update: clone(update.data) };
};

export const listIdentityProviderConfigs: OperationHandler = (context, input) => {
  const cluster = requireCluster(context, input["clusterName"]);
  const { page, nextToken } = paginate([...cluster.identityProviders.keys()].map((name) => ({ type: "oidc", name })), input, "ListIdentityProviderConfigs");
  return withToken({ identityProviderConfigs: page }, nextToken);
};

export const describeIdentityProviderConfig: OperationHandler = (context, input) => {
  const cluster = requireCluster(context, input["clusterName"]);
  return { identityProviderConfig: { oidc: clone(requireProvider(cluster, input["identityProviderConfig"])) } };
};
