// The ARNs the simulator gives the resources it seeds and creates, in the partition of their region.

import { randomUUID } from "node:crypto";
import { clusterArnOf, partitionOfRegion } from "@eks-warden/core";

export function clusterArn(account: string, region: string, name: string): string {
  return clusterArnOf(partitionOfRegion(region), region, account, name);
}

/** A node group's or add-on's ARN: EKS ends it with a random id. */
export function clusterPartArn(kind: "nodegroup" | "addon", account: string, region: string, cluster: string, name: string): string {
  return `arn:${partitionOfRegion(region)}:eks:${region}:${account}:${kind}/${cluster}/${name}/${randomUUID()}`;
}
