// AWS identifiers and EKS ARNs: the one place that knows their shapes. The snapshot normaliser, the CloudTrail
// event parser, the policy schema, the CLI and the stack all read them from here.

import type { ClusterIdentity } from "./model.ts";

/** A 12-digit AWS account id. */
export const ACCOUNT_ID = /^\d{12}$/;
/** An AWS region name, such as eu-west-1 or us-gov-west-1. */
export const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;
/** EKS's own rule for cluster names. */
export const CLUSTER_NAME = /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/;

const CLUSTER_ARN = /^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-[a-z]|aws-eusc):eks:([a-z]{2}(?:-[a-z]+)+-\d{1,2}):(\d{12}):cluster\/(.+)$/;
const RESOURCE_ARN = /^arn:(aws[a-z-]*):eks:([a-z0-9-]+):(\d{12}):([a-z-]+)\/([0-9A-Za-z][A-Za-z0-9\-_]{0,99})(\/.*)?$/;
const ENDPOINT_REGION = /\.([a-z]{2}(?:-[a-z]+)+-\d{1,2})\.eks\.amazonaws\.com(?:\.cn)?$/;

/** EKS resource types whose ARN names the cluster first: `<type>/<cluster>/...`. */
const CLUSTER_SCOPED = ["cluster", "nodegroup", "addon", "fargateprofile", "identityproviderconfig", "podidentityassociation", "access-entry"];

/** The partition a region belongs to (aws, aws-cn, aws-us-gov). */
export function partitionOfRegion(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}

export function clusterArnOf(partition: string, region: string, account: string, name: string): string {
  return `arn:${partition}:eks:${region}:${account}:cluster/${name}`;
}

/** A cluster ARN's parts; undefined for anything that is not the ARN of a validly named EKS cluster. */
export function parseClusterArn(arn: string): (ClusterIdentity & { partition: string }) | undefined {
  const match = CLUSTER_ARN.exec(arn);
  if (!match) return undefined;
  const [, partition, region, account, name] = match as unknown as [string, string, string, string, string];
  return CLUSTER_NAME.test(name) ? { arn, partition, region, account, name } : undefined;
}

/**
 * The cluster an EKS resource ARN belongs to: cluster/<name>, nodegroup/<cluster>/..., addon/<cluster>/...,
 * fargateprofile/<cluster>/..., and the other cluster-scoped resources, which all name the cluster first.
 */
export function clusterOfResourceArn(arn: string): { partition: string; region: string; account: string; name: string } | undefined {
  const match = RESOURCE_ARN.exec(arn);
  if (!match) return undefined;
  const [, partition, region, account, resourceType, name] = match as unknown as [string, string, string, string, string, string];
  if (!CLUSTER_SCOPED.includes(resourceType)) return undefined;
  return { partition, region, account, name };
}

/** The region of a cluster API endpoint URL (`https://<id>.<x>.<region>.eks.amazonaws.com`), if it has one. */
export function regionOfEndpoint(endpoint: string): string | undefined {
  return ENDPOINT_REGION.exec(endpoint.replace(/\/+$/, ""))?.[1];
}
