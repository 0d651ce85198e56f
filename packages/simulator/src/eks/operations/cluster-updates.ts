// UpdateClusterConfig and UpdateClusterVersion: EKS's checks, then an asynchronous cluster update.

import type { JsonObject } from "../../fleet.ts";
import { invalidParameter } from "../errors.ts";
import type { UpdateRecord } from "../store.ts";
import { checkCidrs, checkEndpointFlags, effectiveEndpoint, enabledLogTypes, mergeLogging, type EndpointState } from "./cluster-config.ts";
import { clone, isObject, requireCluster, type OperationHandler } from "./context.ts";
import { blockingUpdateError, rememberToken, replayedUpdate, startClusterUpdate } from "./updates.ts";
import { checkSupportedVersion } from "./versions.ts";

/** The kinds of change an UpdateClusterConfig call carries; EKS accepts exactly one per call. */
const CONFIG_UPDATE_TYPES: Readonly<Record<string, { type: string; param: string }>> = {
  logging: { type: "LoggingUpdate", param: "ClusterLogging" },
  accessConfig: { type: "AccessConfigUpdate", param: "AuthenticationMode" },
  upgradePolicy: { type: "UpgradePolicyUpdate", param: "UpgradePolicy" },
  zonalShiftConfig: { type: "ZonalShiftConfigUpdate", param: "ZonalShiftConfig" },
  computeConfig: { type: "AutoModeUpdate", param: "ComputeConfig" },
  storageConfig: { type: "AutoModeUpdate", param: "StorageConfig" },
  kubernetesNetworkConfig: { type: "AutoModeUpdate", param: "KubernetesNetworkConfig" },
  remoteNetworkConfig: { type: "RemoteNetworkConfigUpdate", param: "RemoteNetworkConfig" },
  deletionProtection: { type: "DeletionProtectionUpdate", param: "DeletionProtection" },
  controlPlaneScalingConfig: { type: "ControlPlaneScalingConfigUpdate", param: "UpdatedTier" },
};

export const updateClusterConfig: OperationHandler = (context, input) => {
  const cluster = requireCluster(context, input["name"]);
  const replay = replayedUpdate(cluster, input);
  if (replay) return { update: clone(replay.data) };
  const vpc = isObject(input["resourcesVpcConfig"]) ? input["resourcesVpcConfig"] : undefined;
  const kinds = new Set<string>();
  if (vpc) kinds.add(vpc["subnetIds"] !== undefined || vpc["securityGroupIds"] !== undefined ? "VpcConfigUpdate" : "EndpointAccessUpdate");
  for (const [field, kind] of Object.entries(CONFIG_UPDATE_TYPES)) if (input[field] !== undefined) kinds.add(kind.type);
  if (kinds.size > 1) throw invalidParameter("Only one type of update can be allowed.", { clusterName: cluster.name });
  const [kind] = [...kinds];
  if (!kind) throw invalidParameter("No changes were requested: set one of resourcesVpcConfig, logging, accessConfig, upgradePolicy or another configuration.", { clusterName: cluster.name });
  // EKS refuses every update while another is in progress (or the cluster is not ACTIVE), before it compares the
  // request with the configuration: asking for the current one is ResourceInUseException too.
  const blocked = blockingUpdateError(kind, cluster);
  if (blocked) throw blocked;

  let update: UpdateRecord;
  if (kind === "EndpointAccessUpdate" || kind === "VpcConfigUpdate") {
    const current = effectiveEndpoint(cluster.data["resourcesVpcConfig"]);
    const requestedCidrs = checkCidrs(vpc!["publicAccessCidrs"]);
    const desired: EndpointState = {
      publicAccess: typeof vpc!["endpointPublicAccess"] === "boolean" ? (vpc!["endpointPublicAccess"] as boolean) : current.publicAccess,
      privateAccess: typeof vpc!["endpointPrivateAccess"] === "boolean" ? (vpc!["endpointPrivateAccess"] as boolean) : current.privateAccess,
      publicAccessCidrs: requestedCidrs ?? current.publicAccessCidrs,
    };
    checkEndpointFlags(desired.publicAccess, desired.privateAccess);
    const sameCidrs = JSON.stringify([...desired.publicAccessCidrs].sort()) === JSON.stringify([...current.publicAccessCidrs].sort());
    const actualCurrent = cluster.data["resourcesVpcConfig"] as JsonObject | undefined;
    const currentCidrsShown = Array.isArray(actualCurrent?.["publicAccessCidrs"]) ? (actualCurrent!["publicAccessCidrs"] as string[]) : current.publicAccessCidrs;
    if (kind === "EndpointAccessUpdate" && desired.publicAccess === current.publicAccess && desired.privateAccess === current.privateAccess && (sameCidrs || !desired.publicAccess)) {
      throw invalidParameter(
        `Cluster is already at the desired configuration with endpointPrivateAccess: ${current.privateAccess} , endpointPublicAccess: ${current.publicAccess}, and Public Endpoint Restrictions: [${currentCidrsShown.join(", ")}]`,
        { clusterName: cluster.name },
      );
    }
    const params = [
      { type: "EndpointPublicAccess", value: String(desired.publicAccess) },
      { type: "EndpointPrivateAccess", value: String(desired.privateAccess) },
      { type: "PublicAccessCidrs", value: JSON.stringify(desired.publicAccessCidrs) },
      ...(kind === "VpcConfigUpdate" && vpc!["subnetIds"] !== undefined ? [{ type: "Subnets", value: JSON.stringify(vpc!["subnetIds"]) }] : []),
      ...(kind === "VpcConfigUpdate" && vpc!["securityGroupIds"] !== undefined ? [{ type: "SecurityGroups", value: JSON.stringify(vpc!["securityGroupIds"]) }] : []),
    ];
    update = startClusterUpdate(context, cluster, kind, params, "EndpointAccessUpdate", () => {
      const config = (cluster.data["resourcesVpcConfig"] ??= {}) as JsonObject;
      config["endpointPublicAccess"] = desired.publicAccess;
      config["endpointPrivateAccess"] = desired.privateAccess;
      config["publicAccessCidrs"] = desired.publicAccess ? [...desired.publicAccessCidrs] : [];
      if (vpc!["subnetIds"] !== undefined) config["subnetIds"] = vpc!["subnetIds"];
      if (vpc!["securityGroupIds"] !== undefined) config["securityGroupIds"] = vpc!["securityGroupIds"];
    });
  } else if (kind === "LoggingUpdate") {
    const logging = input["logging"] as JsonObject;
    const before = enabledLogTypes(cluster);
    const after = mergeLogging(before, logging["clusterLogging"]);
    const afterEnabled = after.filter((setup) => setup["enabled"] === true).flatMap((setup) => setup["types"] as string[]);
    if (JSON.stringify([...before].sort()) === JSON.stringify([...afterEnabled].sort())) {
      throw invalidParameter("No changes needed for the logging config provided", { clusterName: cluster.name });
    }
    update = startClusterUpdate(context, cluster, kind, [{ type: "ClusterLogging", value: JSON.stringify(logging["clusterLogging"]) }], "LoggingUpdate", () => {
      cluster.data["logging"] = { clusterLogging: after };
    });
  } else {
    if (kind === "AccessConfigUpdate") checkAuthenticationModeChange(cluster.data["accessConfig"], input["accessConfig"], cluster.name);
    const fields = Object.keys(CONFIG_UPDATE_TYPES).filter((field) => input[field] !== undefined && CONFIG_UPDATE_TYPES[field]!.type === kind);
    const params = fields.map((field) => {
      const value = input[field];
      const shown = field === "accessConfig" && isObject(value) && typeof value["authenticationMode"] === "string" ? value["authenticationMode"] : typeof value === "string" ? value : JSON.stringify(value);
      return { type: CONFIG_UPDATE_TYPES[field]!.param, value: shown };
    });
    update = startClusterUpdate(context, cluster, kind, params, "ConfigUpdate", () => {
      for (const field of fields) {
        const value = input[field];
        cluster.data[field] = isObject(value) && isObject(cluster.data[field]) ? { ...(cluster.data[field] as JsonObject), ...value } : value;
      }
    });
  }
  rememberToken(cluster, input, update);
  return { update: clone(update.data) };
};

/** The order EKS lets a cluster move through: never back towards CONFIG_MAP, and not to the mode it has. */
const AUTHENTICATION_MODE_ORDER = ["CONFIG_MAP", "API_AND_CONFIG_MAP", "API"];

function checkAuthenticationModeChange(current: unknown, requested: unknown, clusterName: string): void {
  const fields = { clusterName };
  if (!isObject(requested)) throw invalidParameter("accessConfig must be an object.", fields);
  if (requested["bootstrapClusterCreatorAdminPermissions"] !== undefined) throw invalidParameter("bootstrapClusterCreatorAdminPermissions can only be set when the cluster is created.", fields);
  const from = String((isObject(current) ? current["authenticationMode"] : undefined) ?? "CONFIG_MAP");
  const to = requested["authenticationMode"];
  if (typeof to !== "string" || !AUTHENTICATION_MODE_ORDER.includes(to)) throw invalidParameter(`Invalid authenticationMode: ${String(to)}. Valid modes: ${AUTHENTICATION_MODE_ORDER.join(", ")}.`, fields);
  if (to === from) throw invalidParameter(`Cluster is already at the desired configuration with authenticationMode: ${from}`, fields);
  if (AUTHENTICATION_MODE_ORDER.indexOf(to) < AUTHENTICATION_MODE_ORDER.indexOf(from)) throw invalidParameter(`Unsupported authentication mode update from ${from} to ${to}`, fields);
}

export const updateClusterVersion: OperationHandler = (context, input) => {
  const cluster = requireCluster(context, input["name"]);
  const replay = replayedUpdate(cluster, input);
  if (replay) return { update: clone(replay.data) };
  const target = String(input["version"]);
  const current = String(cluster.data["version"]);
  const fields = { clusterName: cluster.name };
  if (!/^\d+\.\d+$/.test(target)) throw invalidParameter(`Invalid Kubernetes version: ${target}. Use a version such as 1.31.`, fields);
  const blocked = blockingUpdateError("VersionUpdate", cluster);
  if (blocked) throw blocked;
  if (target === current) throw invalidParameter(`Cluster is already at version ${current}`, fields);
  const [major, minor] = current.split(".").map(Number) as [number, number];
  if (target !== `${major}.${minor + 1}`) throw invalidParameter(`Unsupported Kubernetes minor version update from ${current} to ${target}`, fields);
  const entry = checkSupportedVersion(context, target, fields);
  const platformVersion = String(entry?.["defaultPlatformVersion"] ?? "eks.1");
  const update = startClusterUpdate(context, cluster, "VersionUpdate", [{ type: "Version", value: target }, { type: "PlatformVersion", value: platformVersion }], "VersionUpdate", () => {
    cluster.data["version"] = target;
    cluster.data["platformVersion"] = platformVersion;
  });
  rememberToken(cluster, input, update);
  return { update: clone(update.data) };
};
