// Clusters: CreateCluster, DescribeCluster, ListClusters, DeleteCluster, and the cluster's upgrade insights
// (ListInsights: the summaries; DescribeInsight: one insight in full, with its recommendation).

import type { JsonObject } from "../../fleet.ts";
import { invalidParameter, invalidRequest, resourceInUse, resourceNotFound } from "../errors.ts";
import { clusterArn } from "../arns.ts";
import { accessPolicyArn, PRINCIPAL_ARN } from "../access-policies.ts";
import { newClusterRecord, type ClusterRecord } from "../store.ts";
import { newAccessEntry } from "./access.ts";
import { checkCidrs, checkEndpointFlags, LOG_TYPES, mergeLogging } from "./cluster-config.ts";
import { clone, hex, isObject, paginate, requireCluster, seconds, withToken, type OperationContext, type OperationHandler } from "./context.ts";
import { takeFailure } from "./updates.ts";
import { checkSupportedVersion, defaultVersion } from "./versions.ts";

export const createCluster: OperationHandler = (context, input) => {
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
    arn: clusterArn(context.account, context.region, name),
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
  bootstrapCreatorAdmin(context, record);
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

/**
 * EKS gives the cluster's creator an access entry with AmazonEKSClusterAdminPolicy at cluster scope, unless the
 * creation refused it (bootstrapClusterCreatorAdminPermissions false) or the cluster has no access entries (CONFIG_MAP).
 */
function bootstrapCreatorAdmin(context: OperationContext, record: ClusterRecord): void {
  const access = record.data["accessConfig"] as JsonObject;
  const mode = access["authenticationMode"];
  if (access["bootstrapClusterCreatorAdminPermissions"] === false || (mode !== "API" && mode !== "API_AND_CONFIG_MAP") || !context.callerPrincipal) return;
  if (!PRINCIPAL_ARN.test(context.callerPrincipal)) return;
  const now = context.clock.now();
  const data = newAccessEntry(context.account, context.region, record.name, { principalArn: context.callerPrincipal }, now);
  const policyArn = accessPolicyArn("AmazonEKSClusterAdminPolicy");
  record.accessEntries.set(context.callerPrincipal, { data, policies: new Map([[policyArn, { policyArn, accessScope: { type: "cluster", namespaces: [] }, associatedAt: seconds(now), modifiedAt: seconds(now) }]]) });
}

export const describeCluster: OperationHandler = (context, input) => ({ cluster: clone(requireCluster(context, input["name"]).data) });

export const listClusters: OperationHandler = (context, input) => {
  const { page, nextToken } = paginate(context.store.names(context.account, context.region), input, "ListClusters");
  return withToken({ clusters: page }, nextToken);
};

export const deleteCluster: OperationHandler = (context, input) => {
  const cluster = requireCluster(context, input["name"]);
  if (cluster.activeUpdate) throw resourceInUse(`Cannot delete because cluster ${cluster.name} currently has update ${cluster.activeUpdate.data.id} in progress`, { clusterName: cluster.name });
  if (cluster.nodegroups.size > 0) throw resourceInUse(`Cluster has nodegroups attached`, { clusterName: cluster.name });
  if (cluster.data["deletionProtection"] === true) throw invalidRequest(`Cannot delete cluster ${cluster.name} because deletion protection is enabled.`, { clusterName: cluster.name });
  if (cluster.data["status"] === "DELETING") throw resourceInUse(`Cluster ${cluster.name} is already being deleted.`, { clusterName: cluster.name });
  cluster.data["status"] = "DELETING";
  context.clock.schedule(context.durations.DeleteCluster, () => context.store.remove(cluster));
  return { cluster: clone(cluster.data) };
};

export const listInsights: OperationHandler = (context, input) => {
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
  const { page, nextToken } = paginate(insights.map(insightSummary), input, "ListInsights");
  return withToken({ insights: page }, nextToken);
};

/** The members of an InsightSummary: what ListInsights shows of an insight. The rest is DescribeInsight's. */
const INSIGHT_SUMMARY_MEMBERS = ["id", "name", "category", "kubernetesVersion", "lastRefreshTime", "lastTransitionTime", "description", "insightStatus"] as const;

function insightSummary(insight: JsonObject): JsonObject {
  return Object.fromEntries(INSIGHT_SUMMARY_MEMBERS.filter((member) => insight[member] !== undefined).map((member) => [member, clone(insight[member])]));
}

export const describeInsight: OperationHandler = (context, input) => {
  const cluster = requireCluster(context, input["clusterName"]);
  const id = String(input["id"]);
  const insight = cluster.insights.find((candidate) => candidate["id"] === id);
  if (!insight) throw resourceNotFound(`No insight found for id: ${id}.`, { clusterName: cluster.name });
  return { insight: clone(insight) };
};
