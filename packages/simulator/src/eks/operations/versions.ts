// The Kubernetes version catalogue: which versions a cluster may run, and DescribeClusterVersions.

import type { JsonObject } from "../../fleet.ts";
import { invalidParameter } from "../errors.ts";
import { clone, paginate, withToken, type OperationContext, type OperationHandler } from "./context.ts";

function catalogueEntry(context: OperationContext, version: string): JsonObject | undefined {
  return context.store.clusterVersions.find((entry) => entry["clusterVersion"] === version);
}

export function defaultVersion(context: OperationContext): string {
  const catalogue = context.store.clusterVersions;
  const chosen = catalogue.find((entry) => entry["defaultVersion"] === true) ?? [...catalogue].sort((a, b) => compareVersions(String(b["clusterVersion"]), String(a["clusterVersion"])))[0];
  return chosen ? String(chosen["clusterVersion"]) : "1.33";
}

export function compareVersions(left: string, right: string): number {
  const [leftMajor = 0, leftMinor = 0] = left.split(".").map(Number);
  const [rightMajor = 0, rightMinor = 0] = right.split(".").map(Number);
  return leftMajor - rightMajor || leftMinor - rightMinor;
}

export function checkSupportedVersion(context: OperationContext, version: string, fields: Record<string, string>): JsonObject | undefined {
  if (context.store.clusterVersions.length === 0) return undefined;
  const entry = catalogueEntry(context, version);
  if (!entry || entry["versionStatus"] === "UNSUPPORTED") throw invalidParameter(`unsupported Kubernetes version ${version}`, fields);
  return entry;
}

const STATUS_ALIASES: Readonly<Record<string, string>> = { unsupported: "UNSUPPORTED", "standard-support": "STANDARD_SUPPORT", "extended-support": "EXTENDED_SUPPORT" };

export const describeClusterVersions: OperationHandler = (context, input) => {
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
