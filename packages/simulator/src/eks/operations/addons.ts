// Add-ons: CreateAddon, DescribeAddon, ListAddons, UpdateAddon, and the DescribeAddonVersions catalogue.

import type { JsonObject } from "../../fleet.ts";
import { clusterPartArn } from "../arns.ts";
import { invalidParameter, invalidRequest, resourceInUse, resourceNotFound } from "../errors.ts";
import type { AddonRecord, ClusterRecord } from "../store.ts";
import { clone, paginate, requireCluster, seconds, withToken, type OperationContext, type OperationHandler } from "./context.ts";
import { rememberToken, replayedUpdate, startChildUpdate } from "./updates.ts";

function requireAddon(cluster: ClusterRecord, name: unknown): AddonRecord {
  const addon = cluster.addons.get(String(name));
  if (!addon) throw resourceNotFound(`No addon: ${String(name)} found in cluster: ${cluster.name}`, { clusterName: cluster.name, addonName: String(name) });
  return addon;
}

/** Versions of an add-on compatible with a Kubernetes version, default first; undefined when the catalogue lacks the add-on. */
function compatibleAddonVersions(context: OperationContext, addonName: string, kubernetesVersion: string): { versions: string[]; defaultVersion?: string } | undefined {
  const info = context.store.addonVersions.find((entry) => entry["addonName"] === addonName);
  if (!info) return undefined;
  const versions: string[] = [];
  let defaultVersion: string | undefined;
  for (const version of (info["addonVersions"] as JsonObject[]) ?? []) {
    const compatibility = ((version["compatibilities"] as JsonObject[] | undefined) ?? []).find((entry) => entry["clusterVersion"] === kubernetesVersion);
    if (!compatibility) continue;
    versions.push(String(version["addonVersion"]));
    if (compatibility["defaultVersion"] === true) defaultVersion = String(version["addonVersion"]);
  }
  return { versions, ...(defaultVersion ? { defaultVersion } : {}) };
}

function chooseAddonVersion(context: OperationContext, cluster: ClusterRecord, addonName: string, requested: unknown): string {
  const kubernetesVersion = String(cluster.data["version"]);
  const compatible = compatibleAddonVersions(context, addonName, kubernetesVersion);
  const fields = { clusterName: cluster.name, addonName };
  if (!compatible || compatible.versions.length === 0) throw invalidParameter(`Addon ${addonName} specified is not supported in ${kubernetesVersion} kubernetes version`, fields);
  if (typeof requested === "string") {
    if (!compatible.versions.includes(requested)) throw invalidParameter(`Addon version specified is not supported`, fields);
    return requested;
  }
  return compatible.defaultVersion ?? compatible.versions[0]!;
}

export const createAddon: OperationHandler = (context, input) => {
  const cluster = requireCluster(context, input["clusterName"]);
  const addonName = String(input["addonName"]);
  const fields = { clusterName: cluster.name, addonName };
  if (cluster.addons.has(addonName)) throw resourceInUse("Addon already exists.", fields);
  if (cluster.data["status"] !== "ACTIVE" && cluster.data["status"] !== "UPDATING") throw invalidRequest(`Cluster '${cluster.name}' is not in ACTIVE status`, fields);
  const addonVersion = chooseAddonVersion(context, cluster, addonName, input["addonVersion"]);
  const now = seconds(context.clock.now());
  const data: JsonObject = {
    addonName,
    clusterName: cluster.name,
    status: "CREATING",
    addonVersion,
    health: { issues: [] },
    addonArn: clusterPartArn("addon", context.account, context.region, cluster.name, addonName),
    createdAt: now,
    modifiedAt: now,
    ...(input["serviceAccountRoleArn"] !== undefined ? { serviceAccountRoleArn: input["serviceAccountRoleArn"] } : {}),
    tags: input["tags"] ?? {},
    ...(input["configurationValues"] !== undefined ? { configurationValues: input["configurationValues"] } : {}),
  };
  cluster.addons.set(addonName, { data });
  context.clock.schedule(context.durations.CreateAddon, () => {
    if (data["status"] === "CREATING") data["status"] = "ACTIVE";
  });
  return { addon: clone(data) };
};

export const describeAddon: OperationHandler = (context, input) => {
  const cluster = requireCluster(context, input["clusterName"]);
  return { addon: clone(requireAddon(cluster, input["addonName"]).data) };
};

export const listAddons: OperationHandler = (context, input) => {
  const cluster = requireCluster(context, input["clusterName"]);
  const { page, nextToken } = paginate([...cluster.addons.keys()].sort(), input, "ListAddons");
  return withToken({ addons: page }, nextToken);
};

export const updateAddon: OperationHandler = (context, input) => {
  const cluster = requireCluster(context, input["clusterName"]);
  const addon = requireAddon(cluster, input["addonName"]);
  const replay = replayedUpdate(cluster, input);
  if (replay) return { update: clone(replay.data) };
  const addonName = String(addon.data["addonName"]);
  if (addon.activeUpdate) throw resourceInUse(`Addon ${addonName} already has update ${addon.activeUpdate.data.id} in progress`, { clusterName: cluster.name, addonName });
  const addonVersion = input["addonVersion"] !== undefined ? chooseAddonVersion(context, cluster, addonName, input["addonVersion"]) : undefined;
  const params: { type: string; value: string }[] = [];
  if (addonVersion) params.push({ type: "AddonVersion", value: addonVersion });
  if (typeof input["resolveConflicts"] === "string") params.push({ type: "ResolveConflicts", value: input["resolveConflicts"] });
  if (typeof input["serviceAccountRoleArn"] === "string") params.push({ type: "ServiceAccountRoleArn", value: input["serviceAccountRoleArn"] });
  if (typeof input["configurationValues"] === "string") params.push({ type: "ConfigurationValues", value: input["configurationValues"] });
  const update = startChildUpdate(context, cluster, { addon }, {
    type: "AddonUpdate",
    params,
    durationKey: "AddonUpdate",
    apply: () => {
      if (addonVersion) addon.data["addonVersion"] = addonVersion;
      for (const field of ["serviceAccountRoleArn", "configurationValues"]) if (typeof input[field] === "string") addon.data[field] = input[field];
    },
  });
  rememberToken(cluster, input, update);
  return { update: clone(update.data) };
};

export const describeAddonVersions: OperationHandler = (context, input) => {
  const kubernetesVersion = input["kubernetesVersion"];
  const filterList = (field: string) => (Array.isArray(input[field]) && (input[field] as string[]).length > 0 ? (input[field] as string[]) : undefined);
  const types = filterList("types");
  const publishers = filterList("publishers");
  const owners = filterList("owners");
  const matching = context.store.addonVersions
    .filter((info) => input["addonName"] === undefined || info["addonName"] === input["addonName"])
    .filter((info) => !types || types.includes(String(info["type"])))
    .filter((info) => !publishers || publishers.includes(String(info["publisher"])))
    .filter((info) => !owners || owners.includes(String(info["owner"])))
    .map((info) => {
      if (typeof kubernetesVersion !== "string") return clone(info);
      const versions = ((info["addonVersions"] as JsonObject[]) ?? [])
        .map((version) => ({ ...version, compatibilities: ((version["compatibilities"] as JsonObject[]) ?? []).filter((entry) => entry["clusterVersion"] === kubernetesVersion) }))
        .filter((version) => version.compatibilities.length > 0);
      return clone({ ...info, addonVersions: versions });
    })
    .filter((info) => typeof kubernetesVersion !== "string" || (info["addonVersions"] as unknown[]).length > 0);
  const { page, nextToken } = paginate(matching, input, "DescribeAddonVersions");
  return withToken({ addons: page }, nextToken);
};
