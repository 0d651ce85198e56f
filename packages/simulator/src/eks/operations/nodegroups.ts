// Managed node groups: CreateNodegroup, DescribeNodegroup, ListNodegroups, UpdateNodegroupVersion.

import type { JsonObject } from "../../fleet.ts";
import { clusterPartArn } from "../arns.ts";
import { invalidParameter, invalidRequest, resourceInUse, resourceNotFound } from "../errors.ts";
import type { ClusterRecord, NodegroupRecord } from "../store.ts";
import { clone, hex, paginate, requireCluster, seconds, withToken, type OperationContext, type OperationHandler } from "./context.ts";
import { rememberToken, replayedUpdate, startChildUpdate } from "./updates.ts";
import { compareVersions } from "./versions.ts";

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

export const createNodegroup: OperationHandler = (context, input) => {
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
    nodegroupArn: clusterPartArn("nodegroup", context.account, context.region, cluster.name, name),
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

export const describeNodegroup: OperationHandler = (context, input) => {
  const cluster = requireCluster(context, input["clusterName"]);
  return { nodegroup: clone(requireNodegroup(cluster, input["nodegroupName"]).data) };
};

export const listNodegroups: OperationHandler = (context, input) => {
  const cluster = requireCluster(context, input["clusterName"]);
  const { page, nextToken } = paginate([...cluster.nodegroups.keys()].sort(), input, "ListNodegroups");
  return withToken({ nodegroups: page }, nextToken);
};

export const updateNodegroupVersion: OperationHandler = (context, input) => {
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
  const update = startChildUpdate(context, cluster, { nodegroup }, {
    type: "VersionUpdate",
    params: [{ type: "Version", value: version }, { type: "ReleaseVersion", value: releaseVersion }],
    durationKey: "NodegroupVersionUpdate",
    apply: () => {
      nodegroup.data["version"] = version;
      nodegroup.data["releaseVersion"] = releaseVersion;
    },
  });
  rememberToken(cluster, input, update);
  return { update: clone(update.data) };
};
