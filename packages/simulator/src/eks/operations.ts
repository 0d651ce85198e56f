// The EKS operations, behaving as EKS does: asynchronous changes on the virtual clock, the old
// configuration visible until a change ends, one cluster update at a time, and EKS's refusals.

import { createHash, randomUUID } from "node:crypto";
import type { VirtualClock } from "../clock.ts";
import { isValidCidr, type DurationKey, type JsonObject } from "../fleet.ts";
import { badRequest, invalidParameter, invalidRequest, notFound, resourceInUse, resourceNotFound } from "./errors.ts";
import { newClusterRecord, type AddonRecord, type ClusterRecord, type EksStore, type NodegroupRecord, type UpdateRecord } from "./store.ts";

/** A planned failure: the next update matching it ends Failed with this error and changes nothing. */
export interface UpdateFailurePlan {
  /** Update type (EndpointAccessUpdate, VersionUpdate, ...) or "*"; default "*". */
  readonly type?: string;
  /** Cluster name; default any. */
  readonly cluster?: string;
  readonly errorCode?: string;
  readonly errorMessage?: string;
}

export interface OperationContext {
  readonly account: string;
  readonly region: string;
  readonly clock: VirtualClock;
  readonly store: EksStore;
  readonly durations: Readonly<Record<DurationKey, number>>;
  readonly ssmParameters: ReadonlyMap<string, string>;
  /** Pending failure plans; the operation removes the one it uses. */
  readonly updateFailures: UpdateFailurePlan[];
}

export type Input = Record<string, unknown>;
export type OperationHandler = (context: OperationContext, input: Input) => JsonObject;

const seconds = (date: Date) => date.getTime() / 1000;
const isObject = (value: unknown): value is JsonObject => typeof value === "object" && value !== null && !Array.isArray(value);
const clone = <T>(value: T): T => structuredClone(value);

function hex(seed: string, length: number): string {
  return createHash("sha256").update(seed).digest("hex").slice(0, length);
}

function clusterArn(context: OperationContext, name: string): string {
  return `arn:aws:eks:${context.region}:${context.account}:cluster/${name}`;
}

function requireCluster(context: OperationContext, name: unknown): ClusterRecord {
  const record = context.store.get(context.account, context.region, String(name));
  if (!record) throw resourceNotFound(`No cluster found for name: ${String(name)}.`, { clusterName: String(name) });
  return record;
}

// ---- pagination ---------------------------------------------------------------------------------

function paginate<T>(items: readonly T[], input: Input, operation: string): { page: T[]; nextToken?: string } {
  const maxResults = typeof input["maxResults"] === "number" ? input["maxResults"] : 100;
  let offset = 0;
  if (typeof input["nextToken"] === "string") {
    try {
      const token = JSON.parse(Buffer.from(input["nextToken"], "base64url").toString("utf8")) as { op?: string; offset?: number };
      if (token.op !== operation || typeof token.offset !== "number" || token.offset < 0) throw new Error("foreign token");
      offset = token.offset;
    } catch {
      throw invalidParameter("The nextToken provided is invalid.");
    }
  }
  const page = items.slice(offset, offset + maxResults);
  const next = offset + page.length;
  return next < items.length ? { page, nextToken: Buffer.from(JSON.stringify({ op: operation, offset: next })).toString("base64url") } : { page };
}

function withToken(body: JsonObject, nextToken: string | undefined): JsonObject {
  return nextToken ? { ...body, nextToken } : body;
}

// ---- updates --------------------------------------------------------------------------------------

function takeFailure(context: OperationContext, type: string, clusterName: string): UpdateFailurePlan | undefined {
  const index = context.updateFailures.findIndex((plan) => {
    const typeMatches = plan.type === undefined || plan.type === "*" || plan.type === type;
    const clusterMatches = plan.cluster === undefined || plan.cluster === clusterName;
    return typeMatches && clusterMatches;
  });
  if (index < 0) return undefined;
  return context.updateFailures.splice(index, 1)[0];
}

/**
 * Starts an asynchronous update: recorded InProgress now, finished by the virtual clock after `durationMs`,
 * when `apply` makes the change visible (unless a failure was planned, which leaves everything as it was).
 */
function startUpdate(
  context: OperationContext,
  cluster: ClusterRecord,
  options: { type: string; params: { type: string; value: string }[]; durationMs: number; nodegroup?: NodegroupRecord; addon?: AddonRecord; apply: () => void; onEnd: () => void },
): UpdateRecord {
  const update: UpdateRecord = {
    data: { id: randomUUID(), status: "InProgress", type: options.type, params: options.params, createdAt: seconds(context.clock.now()), errors: [] },
    ...(options.nodegroup ? { nodegroupName: String(options.nodegroup.data["nodegroupName"]) } : {}),
    ...(options.addon ? { addonName: String(options.addon.data["addonName"]) } : {}),
  };
  cluster.updates.push(update);
  const failure = takeFailure(context, options.type, cluster.name);
  context.clock.schedule(options.durationMs, () => {
    if (failure) {
      update.data.status = "Failed";
      update.data["errors"] = [{ errorCode: failure.errorCode ?? "Unknown", errorMessage: failure.errorMessage ?? "The update failed.", resourceIds: [cluster.name] }];
    } else {
      options.apply();
      update.data.status = "Successful";
    }
    options.onEnd();
  });
  return update;
}

function blockingUpdateError(kind: string, cluster: ClusterRecord): Error | undefined {
  if (cluster.activeUpdate) {
    return resourceInUse(`Cannot ${kind} because cluster ${cluster.name} currently has update ${cluster.activeUpdate.data.id} in progress`, { clusterName: cluster.name });
  }
  const status = String(cluster.data["status"]);
  if (status !== "ACTIVE") return resourceInUse(`Cannot ${kind} because cluster ${cluster.name} is in ${status} state`, { clusterName: cluster.name });
  return undefined;
}

function startClusterUpdate(context: OperationContext, cluster: ClusterRecord, type: string, params: { type: string; value: string }[], durationKey: DurationKey, apply: () => void): UpdateRecord {
  cluster.data["status"] = "UPDATING";
  const update = startUpdate(context, cluster, {
    type,
    params,
    durationMs: context.durations[durationKey],
    apply,
    onEnd: () => {
      cluster.activeUpdate = undefined;
      if (cluster.data["status"] === "UPDATING") cluster.data["status"] = "ACTIVE";
    },
  });
  cluster.activeUpdate = update;
  return update;
}

/** Same clientRequestToken on the same cluster: EKS returns the update it already started (SDK retries reuse the token). */
function replayedUpdate(cluster: ClusterRecord, input: Input): UpdateRecord | undefined {
  const token = input["clientRequestToken"];
  if (typeof token !== "string") return undefined;
  const id = cluster.requestTokens.get(token);
  return id ? cluster.updates.find((update) => update.data.id === id) : undefined;
}

function rememberToken(cluster: ClusterRecord, input: Input, update: UpdateRecord): void {
  if (typeof input["clientRequestToken"] === "string") cluster.requestTokens.set(input["clientRequestToken"], update.data.id);
}

// ---- clusters -------------------------------------------------------------------------------------

interface EndpointState {
  readonly publicAccess: boolean;
  readonly privateAccess: boolean;
  readonly publicAccessCidrs: readonly string[];
}

/** AWS's meaning of missing fields: no flags is public only, no CIDR list is the whole internet. */
function effectiveEndpoint(vpc: unknown): EndpointState {
  const config = isObject(vpc) ? vpc : {};
  const cidrs = Array.isArray(config["publicAccessCidrs"]) ? (config["publicAccessCidrs"] as string[]) : [];
  return {
    publicAccess: config["endpointPublicAccess"] !== false,
    privateAccess: config["endpointPrivateAccess"] === true,
    publicAccessCidrs: cidrs.length > 0 ? cidrs : ["0.0.0.0/0"],
  };
}

function checkCidrs(cidrs: unknown): string[] | undefined {
  if (cidrs === undefined) return undefined;
  if (!Array.isArray(cidrs) || cidrs.some((cidr) => typeof cidr !== "string")) throw invalidParameter("publicAccessCidrs must be a list of CIDR blocks.");
  const invalid = (cidrs as string[]).filter((cidr) => !isValidCidr(cidr));
  if (invalid.length > 0) throw invalidParameter(`The following CIDRs are invalid in publicAccessCidrs: [${invalid.join(", ")}]`);
  if (cidrs.length > 40) throw invalidParameter("publicAccessCidrs can contain at most 40 CIDR blocks.");
  return cidrs as string[];
}

function checkEndpointFlags(publicAccess: boolean, privateAccess: boolean): void {
  if (!publicAccess && !privateAccess) throw invalidParameter("Both private and public endpoint access cannot be false");
}

function catalogueEntry(context: OperationContext, version: string): JsonObject | undefined {
  return context.store.clusterVersions.find((entry) => entry["clusterVersion"] === version);
}

function defaultVersion(context: OperationContext): string {
  const catalogue = context.store.clusterVersions;
  const chosen = catalogue.find((entry) => entry["defaultVersion"] === true) ?? [...catalogue].sort((a, b) => compareVersions(String(b["clusterVersion"]), String(a["clusterVersion"])))[0];
  return chosen ? String(chosen["clusterVersion"]) : "1.33";
}

export function compareVersions(left: string, right: string): number {
  const [leftMajor = 0, leftMinor = 0] = left.split(".").map(Number);
  const [rightMajor = 0, rightMinor = 0] = right.split(".").map(Number);
  return leftMajor - rightMajor || leftMinor - rightMinor;
}

function checkSupportedVersion(context: OperationContext, version: string, fields: Record<string, string>): JsonObject | undefined {
  if (context.store.clusterVersions.length === 0) return undefined;
  const entry = catalogueEntry(context, version);
  if (!entry || entry["versionStatus"] === "UNSUPPORTED") throw invalidParameter(`unsupported Kubernetes version ${version}`, fields);
  return entry;
}

const createCluster: OperationHandler = (context, input) => {
  const name = String(input["name"]);
  const existing = context.store.get(context.account, context.region, name);
  if (existing) {
    // A retry of the same CreateCluster (same clientRequestToken) gets the cluster back rather than a conflict.
    const token = input["clientRequestToken"];
    if (typeof token === "string" && existing.data["clientRequestToken"] === token) return { cluster: clone(existing.data) };
    throw resourceInUse(`Cluster already exists with name: ${name}`, { clusterName: name });
  }
  const vpcRequest = input["resourcesVpcConfig"] as JsonObject;
  const subnetIds = vpcRequest["subnetIds"];
  if (!Array.isArray(subnetIds) || subnetIds.length < 2) throw invalidParameter("Subnets specified must be in at least two different AZs", { clusterName: name });
  const publicAccess = vpcRequest["endpointPublicAccess"] !== false;
  const privateAccess = vpcRequest["endpointPrivateAccess"] === true;
  checkEndpointFlags(publicAccess, privateAccess);
  const cidrs = checkCidrs(vpcRequest["publicAccessCidrs"]) ?? ["0.0.0.0/0"];
  const version = typeof input["version"] === "string" ? input["version"] : defaultVersion(context);
  const versionEntry = checkSupportedVersion(context, version, { clusterName: name });
  const now = context.clock.now();
  const data: JsonObject = {
    name,
    arn: clusterArn(context, name),
    createdAt: seconds(now),
    version,
    roleArn: input["roleArn"],
    resourcesVpcConfig: {
      subnetIds,
      securityGroupIds: Array.isArray(vpcRequest["securityGroupIds"]) ? vpcRequest["securityGroupIds"] : [],
      vpcId: `vpc-${hex(`${context.account}${subnetIds.join()}`, 17)}`,
      endpointPublicAccess: publicAccess,
      endpointPrivateAccess: privateAccess,
      publicAccessCidrs: publicAccess ? cidrs : [],
    },
    kubernetesNetworkConfig: { serviceIpv4Cidr: "10.100.0.0/16", ipFamily: "ipv4", ...(isObject(input["kubernetesNetworkConfig"]) ? input["kubernetesNetworkConfig"] : {}) },
    logging: isObject(input["logging"]) ? { clusterLogging: mergeLogging([], (input["logging"] as JsonObject)["clusterLogging"]) } : { clusterLogging: [{ types: [...LOG_TYPES], enabled: false }] },
    status: "CREATING",
    certificateAuthority: {},
    platformVersion: versionEntry?.["defaultPlatformVersion"] ?? "eks.1",
    tags: isObject(input["tags"]) ? input["tags"] : {},
    accessConfig: { bootstrapClusterCreatorAdminPermissions: true, authenticationMode: "API_AND_CONFIG_MAP", ...(isObject(input["accessConfig"]) ? input["accessConfig"] : {}) },
    upgradePolicy: isObject(input["upgradePolicy"]) ? input["upgradePolicy"] : { supportType: "EXTENDED" },
    deletionProtection: input["deletionProtection"] === true,
    ...(typeof input["clientRequestToken"] === "string" ? { clientRequestToken: input["clientRequestToken"] } : {}),
  };
  const record = newClusterRecord(context.account, context.region, data);
  context.store.add(record);
  const failure = takeFailure(context, "CreateCluster", name);
  context.clock.schedule(context.durations.CreateCluster, () => {
    if (record.data["status"] !== "CREATING") return;
    if (failure) {
      record.data["status"] = "FAILED";
      return;
    }
    const id = hex(record.data["arn"] as string, 32).toUpperCase();
    record.data["status"] = "ACTIVE";
    record.data["endpoint"] = `https://${id}.gr7.${context.region}.eks.amazonaws.com`;
    record.data["certificateAuthority"] = { data: Buffer.from(`-----BEGIN CERTIFICATE-----\nsimulated ${id}\n-----END CERTIFICATE-----\n`).toString("base64") };
    record.data["identity"] = { oidc: { issuer: `https://oidc.eks.${context.region}.amazonaws.com/id/${id}` } };
    (record.data["resourcesVpcConfig"] as JsonObject)["clusterSecurityGroupId"] = `sg-${hex(id, 17)}`;
  });
  return { cluster: clone(data) };
};

const describeCluster: OperationHandler = (context, input) => ({ cluster: clone(requireCluster(context, input["name"]).data) });

const listClusters: OperationHandler = (context, input) => {
  const { page, nextToken } = paginate(context.store.names(context.account, context.region), input, "ListClusters");
  return withToken({ clusters: page }, nextToken);
};

const deleteCluster: OperationHandler = (context, input) => {
  const cluster = requireCluster(context, input["name"]);
  if (cluster.activeUpdate) throw resourceInUse(`Cannot delete because cluster ${cluster.name} currently has update ${cluster.activeUpdate.data.id} in progress`, { clusterName: cluster.name });
  if (cluster.nodegroups.size > 0) throw resourceInUse(`Cluster has nodegroups attached`, { clusterName: cluster.name });
  if (cluster.data["deletionProtection"] === true) throw invalidRequest(`Cannot delete cluster ${cluster.name} because deletion protection is enabled.`, { clusterName: cluster.name });
  if (cluster.data["status"] === "DELETING") throw resourceInUse(`Cluster ${cluster.name} is already being deleted.`, { clusterName: cluster.name });
  cluster.data["status"] = "DELETING";
  context.clock.schedule(context.durations.DeleteCluster, () => context.store.remove(cluster));
  return { cluster: clone(cluster.data) };
};

const LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"] as const;

/** Applies LogSetup entries to the currently enabled types and returns EKS's two-group form. */
function mergeLogging(currentlyEnabled: readonly string[], setups: unknown): JsonObject[] {
  const enabled = new Set(currentlyEnabled);
  for (const setup of Array.isArray(setups) ? setups : []) {
    if (!isObject(setup)) continue;
    for (const type of Array.isArray(setup["types"]) ? (setup["types"] as string[]) : []) {
      if (!(LOG_TYPES as readonly string[]).includes(type)) throw invalidParameter(`Invalid log type: ${type}. Valid types are ${LOG_TYPES.join(", ")}.`);
      if (setup["enabled"] === true) enabled.add(type);
      else enabled.delete(type);
    }
  }
  const on = LOG_TYPES.filter((type) => enabled.has(type));
  const off = LOG_TYPES.filter((type) => !enabled.has(type));
  return [...(on.length ? [{ types: on, enabled: true }] : []), ...(off.length ? [{ types: off, enabled: false }] : [])];
}

function enabledLogTypes(cluster: ClusterRecord): string[] {
  const logging = cluster.data["logging"];
  const setups = isObject(logging) && Array.isArray(logging["clusterLogging"]) ? (logging["clusterLogging"] as JsonObject[]) : [];
  return setups.filter((setup) => setup["enabled"] === true).flatMap((setup) => (setup["types"] as string[] | undefined) ?? []);
}

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

const updateClusterConfig: OperationHandler = (context, input) => {
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
    const blocked = blockingUpdateError(kind, cluster);
    if (blocked) throw blocked;
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
    const blocked = blockingUpdateError(kind, cluster);
    if (blocked) throw blocked;
    update = startClusterUpdate(context, cluster, kind, [{ type: "ClusterLogging", value: JSON.stringify(logging["clusterLogging"]) }], "LoggingUpdate", () => {
      cluster.data["logging"] = { clusterLogging: after };
    });
  } else {
    const fields = Object.keys(CONFIG_UPDATE_TYPES).filter((field) => input[field] !== undefined && CONFIG_UPDATE_TYPES[field]!.type === kind);
    const blocked = blockingUpdateError(kind, cluster);
    if (blocked) throw blocked;
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

const updateClusterVersion: OperationHandler = (context, input) => {
  const cluster = requireCluster(context, input["name"]);
  const replay = replayedUpdate(cluster, input);
  if (replay) return { update: clone(replay.data) };
  const target = String(input["version"]);
  const current = String(cluster.data["version"]);
  const fields = { clusterName: cluster.name };
  if (!/^\d+\.\d+$/.test(target)) throw invalidParameter(`Invalid Kubernetes version: ${target}. Use a version such as 1.31.`, fields);
  if (target === current) throw invalidParameter(`Cluster is already at version ${current}`, fields);
  const [major, minor] = current.split(".").map(Number) as [number, number];
  if (target !== `${major}.${minor + 1}`) throw invalidParameter(`Unsupported Kubernetes minor version update from ${current} to ${target}`, fields);
  const entry = checkSupportedVersion(context, target, fields);
  const blocked = blockingUpdateError("VersionUpdate", cluster);
  if (blocked) throw blocked;
  const platformVersion = String(entry?.["defaultPlatformVersion"] ?? "eks.1");
  const update = startClusterUpdate(context, cluster, "VersionUpdate", [{ type: "Version", value: target }, { type: "PlatformVersion", value: platformVersion }], "VersionUpdate", () => {
    cluster.data["version"] = target;
    cluster.data["platformVersion"] = platformVersion;
  });
  rememberToken(cluster, input, update);
  return { update: clone(update.data) };
};

function updateScopeFilter(input: Input): (update: UpdateRecord) => boolean {
  const nodegroupName = input["nodegroupName"];
  const addonName = input["addonName"];
  return (update) => {
    if (typeof nodegroupName === "string") return update.nodegroupName === nodegroupName;
    if (typeof addonName === "string") return update.addonName === addonName;
    return update.nodegroupName === undefined && update.addonName === undefined;
  };
}

const describeUpdate: OperationHandler = (context, input) => {
  const cluster = requireCluster(context, input["name"]);
  const update = cluster.updates.find((candidate) => candidate.data.id === input["updateId"] && updateScopeFilter(input)(candidate));
  if (!update) throw resourceNotFound(`No update found for ID: ${String(input["updateId"])}`, { clusterName: cluster.name });
  return { update: clone(update.data) };
};

const listUpdates: OperationHandler = (context, input) => {
  const cluster = requireCluster(context, input["name"]);
  if (typeof input["nodegroupName"] === "string" && !cluster.nodegroups.has(input["nodegroupName"])) {
    throw resourceNotFound(`No node group found for name: ${input["nodegroupName"]}.`, { clusterName: cluster.name, nodegroupName: input["nodegroupName"] });
  }
  const ids = cluster.updates.filter(updateScopeFilter(input)).map((update) => update.data.id);
  const { page, nextToken } = paginate(ids, input, "ListUpdates");
  return withToken({ updateIds: page }, nextToken);
};

// ---- node groups -----------------------------------------------------------------------------------

function requireNodegroup(cluster: ClusterRecord, name: unknown): NodegroupRecord {
  const nodegroup = cluster.nodegroups.get(String(name));
  if (!nodegroup) throw resourceNotFound(`No node group found for name: ${String(name)}.`, { clusterName: cluster.name, nodegroupName: String(name) });
  return nodegroup;
}

/** The SSM parameter that publishes the latest AMI release of an AMI type, as TOOLCHAIN.md lists them. */
export function amiReleaseParameter(amiType: string, version: string): string | undefined {
  const al2: Record<string, string> = { AL2_x86_64: "amazon-linux-2", AL2_x86_64_GPU: "amazon-linux-2-gpu", AL2_ARM_64: "amazon-linux-2-arm64" };
  if (al2[amiType]) return `/aws/service/eks/optimized-ami/${version}/${al2[amiType]}/recommended/release_version`;
  const al2023 = /^AL2023_(x86_64|ARM_64)_STANDARD$/.exec(amiType);
  if (al2023) return `/aws/service/eks/optimized-ami/${version}/amazon-linux-2023/${al2023[1] === "ARM_64" ? "arm64" : "x86_64"}/standard/recommended/release_version`;
  const bottlerocket = /^BOTTLEROCKET_(x86_64|ARM_64)(_NVIDIA)?$/.exec(amiType);
  if (bottlerocket) return `/aws/service/bottlerocket/aws-k8s-${version}${bottlerocket[2] ? "-nvidia" : ""}/${bottlerocket[1] === "ARM_64" ? "arm64" : "x86_64"}/latest/image_version`;
  return undefined;
}

function latestRelease(context: OperationContext, amiType: string, version: string): string {
  const parameter = amiReleaseParameter(amiType, version);
  return (parameter && context.ssmParameters.get(parameter)) ?? `${version}.0-20261101`;
}

const createNodegroup: OperationHandler = (context, input) => {
  const cluster = requireCluster(context, input["clusterName"]);
  const name = String(input["nodegroupName"]);
  const fields = { clusterName: cluster.name, nodegroupName: name };
  if (cluster.nodegroups.has(name)) throw resourceInUse(`NodeGroup already exists with name ${name} and cluster name ${cluster.name}`, fields);
  if (cluster.data["status"] !== "ACTIVE" && cluster.data["status"] !== "UPDATING") throw invalidRequest(`Cluster '${cluster.name}' is not in ACTIVE status`, fields);
  const version = typeof input["version"] === "string" ? input["version"] : String(cluster.data["version"]);
  if (compareVersions(version, String(cluster.data["version"])) > 0) throw invalidParameter(`Nodegroup version ${version} cannot be newer than the cluster version ${String(cluster.data["version"])}`, fields);
  const amiType = typeof input["amiType"] === "string" ? input["amiType"] : compareVersions(version, "1.30") >= 0 ? "AL2023_x86_64_STANDARD" : "AL2_x86_64";
  const now = seconds(context.clock.now());
  const data: JsonObject = {
    nodegroupName: name,
    nodegroupArn: `arn:aws:eks:${context.region}:${context.account}:nodegroup/${cluster.name}/${name}/${randomUUID()}`,
    clusterName: cluster.name,
    version,
    releaseVersion: typeof input["releaseVersion"] === "string" ? input["releaseVersion"] : latestRelease(context, amiType, version),
    createdAt: now,
    modifiedAt: now,
    status: "CREATING",
    capacityType: input["capacityType"] ?? "ON_DEMAND",
    scalingConfig: input["scalingConfig"] ?? { minSize: 1, maxSize: 2, desiredSize: 2 },
    instanceTypes: input["instanceTypes"] ?? ["t3.medium"],
    subnets: input["subnets"],
    amiType,
    nodeRole: input["nodeRole"],
    labels: input["labels"] ?? {},
    resources: {},
    diskSize: input["diskSize"] ?? 20,
    health: { issues: [] },
    updateConfig: input["updateConfig"] ?? { maxUnavailable: 1 },
    ...(input["launchTemplate"] !== undefined ? { launchTemplate: input["launchTemplate"] } : {}),
    tags: input["tags"] ?? {},
  };
  const nodegroup: NodegroupRecord = { data };
  cluster.nodegroups.set(name, nodegroup);
  context.clock.schedule(context.durations.CreateNodegroup, () => {
    if (data["status"] === "CREATING") {
      data["status"] = "ACTIVE";
      data["resources"] = { autoScalingGroups: [{ name: `eks-${name}-${hex(String(data["nodegroupArn"]), 8)}` }] };
    }
  });
  return { nodegroup: clone(data) };
};

const describeNodegroup: OperationHandler = (context, input) => {
  const cluster = requireCluster(context, input["clusterName"]);
  return { nodegroup: clone(requireNodegroup(cluster, input["nodegroupName"]).data) };
};

const listNodegroups: OperationHandler = (context, input) => {
  const cluster = requireCluster(context, input["clusterName"]);
  const { page, nextToken } = paginate([...cluster.nodegroups.keys()].sort(), input, "ListNodegroups");
  return withToken({ nodegroups: page }, nextToken);
};

const updateNodegroupVersion: OperationHandler = (context, input) => {
  const cluster = requireCluster(context, input["clusterName"]);
  const nodegroup = requireNodegroup(cluster, input["nodegroupName"]);
  const replay = replayedUpdate(cluster, input);
  if (replay) return { update: clone(replay.data) };
  const name = String(nodegroup.data["nodegroupName"]);
  const fields = { clusterName: cluster.name, nodegroupName: name };
  if (nodegroup.activeUpdate) throw resourceInUse(`Nodegroup ${name} already has update ${nodegroup.activeUpdate.data.id} in progress`, fields);
  if (nodegroup.data["status"] !== "ACTIVE" && nodegroup.data["status"] !== "DEGRADED") throw resourceInUse(`Nodegroup ${name} is in ${String(nodegroup.data["status"])} state`, fields);
  const version = typeof input["version"] === "string" ? input["version"] : String(cluster.data["version"]);
  if (compareVersions(version, String(cluster.data["version"])) > 0) throw invalidParameter(`Requested Kubernetes version ${version} is newer than the cluster version ${String(cluster.data["version"])}`, fields);
  const releaseVersion = typeof input["releaseVersion"] === "string" ? input["releaseVersion"] : latestRelease(context, String(nodegroup.data["amiType"]), version);
  nodegroup.data["status"] = "UPDATING";
  const update = startUpdate(context, cluster, {
    type: "VersionUpdate",
    params: [{ type: "Version", value: version }, { type: "ReleaseVersion", value: releaseVersion }],
    durationMs: context.durations.NodegroupVersionUpdate,
    nodegroup,
    apply: () => {
      nodegroup.data["version"] = version;
      nodegroup.data["releaseVersion"] = releaseVersion;
    },
    onEnd: () => {
      nodegroup.activeUpdate = undefined;
      nodegroup.data["status"] = "ACTIVE";
      nodegroup.data["modifiedAt"] = seconds(context.clock.now());
    },
  });
  nodegroup.activeUpdate = update;
  rememberToken(cluster, input, update);
  return { update: clone(update.data) };
};

// ---- add-ons ---------------------------------------------------------------------------------------

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

const createAddon: OperationHandler = (context, input) => {
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
    addonArn: `arn:aws:eks:${context.region}:${context.account}:addon/${cluster.name}/${addonName}/${randomUUID()}`,
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

const describeAddon: OperationHandler = (context, input) => {
  const cluster = requireCluster(context, input["clusterName"]);
  return { addon: clone(requireAddon(cluster, input["addonName"]).data) };
};

const listAddons: OperationHandler = (context, input) => {
  const cluster = requireCluster(context, input["clusterName"]);
  const { page, nextToken } = paginate([...cluster.addons.keys()].sort(), input, "ListAddons");
  return withToken({ addons: page }, nextToken);
};

const updateAddon: OperationHandler = (context, input) => {
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
  addon.data["status"] = "UPDATING";
  const update = startUpdate(context, cluster, {
    type: "AddonUpdate",
    params,
    durationMs: context.durations.AddonUpdate,
    addon,
    apply: () => {
      if (addonVersion) addon.data["addonVersion"] = addonVersion;
      for (const field of ["serviceAccountRoleArn", "configurationValues"]) if (typeof input[field] === "string") addon.data[field] = input[field];
    },
    onEnd: () => {
      addon.activeUpdate = undefined;
      addon.data["status"] = "ACTIVE";
      addon.data["modifiedAt"] = seconds(context.clock.now());
    },
  });
  addon.activeUpdate = update;
  rememberToken(cluster, input, update);
  return { update: clone(update.data) };
};

const describeAddonVersions: OperationHandler = (context, input) => {
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

const STATUS_ALIASES: Readonly<Record<string, string>> = { unsupported: "UNSUPPORTED", "standard-support": "STANDARD_SUPPORT", "extended-support": "EXTENDED_SUPPORT" };

const describeClusterVersions: OperationHandler = (context, input) => {
  const wanted = Array.isArray(input["clusterVersions"]) && (input["clusterVersions"] as string[]).length > 0 ? (input["clusterVersions"] as string[]) : undefined;
  const status = typeof input["versionStatus"] === "string" ? input["versionStatus"] : typeof input["status"] === "string" ? STATUS_ALIASES[input["status"]] : undefined;
  const versions = [...context.store.clusterVersions]
    .sort((a, b) => compareVersions(String(b["clusterVersion"]), String(a["clusterVersion"])))
    .filter((entry) => input["clusterType"] === undefined || (entry["clusterType"] ?? "eks") === input["clusterType"])
    .filter((entry) => !wanted || wanted.includes(String(entry["clusterVersion"])))
    .filter((entry) => input["defaultOnly"] !== true || entry["defaultVersion"] === true)
    .filter((entry) => !status || entry["versionStatus"] === status)
    // No filter drops UNSUPPORTED versions by default: the real recording (fixtures/eks/DescribeClusterVersions.json)
    // lists them, so includeAll changes nothing here.
    .map((entry) => clone({ clusterType: "eks", status: entry["versionStatus"], ...entry }));
  const { page, nextToken } = paginate(versions, input, "DescribeClusterVersions");
  return withToken({ clusterVersions: page }, nextToken);
};

const listInsights: OperationHandler = (context, input) => {
  const cluster = requireCluster(context, input["clusterName"]);
  const filter = isObject(input["filter"]) ? input["filter"] : {};
  const list = (field: string) => (Array.isArray(filter[field]) && (filter[field] as string[]).length > 0 ? (filter[field] as string[]) : undefined);
  const categories = list("categories");
  const versions = list("kubernetesVersions");
  const statuses = list("statuses");
  const insights = cluster.insights
    .filter((insight) => !categories || categories.includes(String(insight["category"])))
    .filter((insight) => !versions || versions.includes(String(insight["kubernetesVersion"])))
    .filter((insight) => !statuses || statuses.includes(String((insight["insightStatus"] as JsonObject | undefined)?.["status"])));
  const { page, nextToken } = paginate(insights.map(clone), input, "ListInsights");
  return withToken({ insights: page }, nextToken);
};

// ---- tags ------------------------------------------------------------------------------------------

const RESOURCE_ARN = /^arn:aws[\w-]*:eks:([a-z0-9-]+):(\d{12}):(cluster|nodegroup|addon)\/([^/]+)(?:\/([^/]+))?(?:\/[^/]+)?$/;

/** The tags object of the resource an ARN names, in the caller's account and region. */
function taggable(context: OperationContext, arn: string): JsonObject {
  const match = RESOURCE_ARN.exec(arn);
  if (!match) throw badRequest(`${arn} is not a valid resource arn`);
  const [, region, account, kind, clusterName, childName] = match as unknown as [string, string, string, string, string, string | undefined];
  const missing = () => notFound(`Resource ${arn} was not found.`);
  if (region !== context.region || account !== context.account) throw missing();
  const cluster = context.store.get(account, region, clusterName);
  if (!cluster) throw missing();
  let data: JsonObject;
  if (kind === "cluster") data = cluster.data;
  else if (kind === "nodegroup") {
    const nodegroup = cluster.nodegroups.get(childName ?? "");
    if (!nodegroup || nodegroup.data["nodegroupArn"] !== arn) throw missing();
    data = nodegroup.data;
  } else {
    const addon = cluster.addons.get(childName ?? "");
    if (!addon || addon.data["addonArn"] !== arn) throw missing();
    data = addon.data;
  }
  if (!isObject(data["tags"])) data["tags"] = {};
  return data["tags"] as JsonObject;
}

function checkTagKey(key: string): void {
  if (key.length < 1 || key.length > 128) throw badRequest(`Tag key ${key} must be between 1 and 128 characters.`);
  if (key.toLowerCase().startsWith("aws:")) throw badRequest("Tag keys starting with aws: are reserved for AWS use.");
}

const tagResource: OperationHandler = (context, input) => {
  const tags = taggable(context, String(input["resourceArn"]));
  const additions = input["tags"] as JsonObject;
  for (const [key, value] of Object.entries(additions)) {
    checkTagKey(key);
    if (typeof value !== "string" || value.length > 256) throw badRequest(`Tag value for ${key} must be a string of at most 256 characters.`);
  }
  if (Object.keys({ ...tags, ...additions }).length > 50) throw badRequest("A resource can have at most 50 tags.");
  Object.assign(tags, additions);
  return {};
};

const untagResource: OperationHandler = (context, input) => {
  const tags = taggable(context, String(input["resourceArn"]));
  for (const key of input["tagKeys"] as string[]) delete tags[key];
  return {};
};

const listTagsForResource: OperationHandler = (context, input) => ({ tags: clone(taggable(context, String(input["resourceArn"]))) });

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
  TagResource: tagResource,
  UntagResource: untagResource,
  ListTagsForResource: listTagsForResource,
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
]);
