// A cluster's endpoint and logging configuration as CreateCluster and UpdateClusterConfig read and check it.

import { isValidCidr, type JsonObject } from "../../fleet.ts";
import { invalidParameter } from "../errors.ts";
import type { ClusterRecord } from "../store.ts";
import { isObject } from "./context.ts";

export interface EndpointState {
  readonly publicAccess: boolean;
  readonly privateAccess: boolean;
  readonly publicAccessCidrs: readonly string[];
}

/** AWS's meaning of missing fields: no flags is public only, no CIDR list is the whole internet. */
export function effectiveEndpoint(vpc: unknown): EndpointState {
  const config = isObject(vpc) ? vpc : {};
  const cidrs = Array.isArray(config["publicAccessCidrs"]) ? (config["publicAccessCidrs"] as string[]) : [];
  return {
    publicAccess: config["endpointPublicAccess"] !== false,
    privateAccess: config["endpointPrivateAccess"] === true,
    publicAccessCidrs: cidrs.length > 0 ? cidrs : ["0.0.0.0/0"],
  };
}

export function checkCidrs(cidrs: unknown): string[] | undefined {
  if (cidrs === undefined) return undefined;
  if (!Array.isArray(cidrs) || cidrs.some((cidr) => typeof cidr !== "string")) throw invalidParameter("publicAccessCidrs must be a list of CIDR blocks.");
  const invalid = (cidrs as string[]).filter((cidr) => !isValidCidr(cidr));
  if (invalid.length > 0) throw invalidParameter(`The following CIDRs are invalid in publicAccessCidrs: [${invalid.join(", ")}]`);
  if (cidrs.length > 40) throw invalidParameter("publicAccessCidrs can contain at most 40 CIDR blocks.");
  return cidrs as string[];
}

export function checkEndpointFlags(publicAccess: boolean, privateAccess: boolean): void {
  if (!publicAccess && !privateAccess) throw invalidParameter("Both private and public endpoint access cannot be false");
}

export const LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"] as const;

/** Applies LogSetup entries to the currently enabled types and returns EKS's two-group form. */
export function mergeLogging(currentlyEnabled: readonly string[], setups: unknown): JsonObject[] {
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

export function enabledLogTypes(cluster: ClusterRecord): string[] {
  const logging = cluster.data["logging"];
  const setups = isObject(logging) && Array.isArray(logging["clusterLogging"]) ? (logging["clusterLogging"] as JsonObject[]) : [];
  return setups.filter((setup) => setup["enabled"] === true).flatMap((setup) => (setup["types"] as string[] | undefined) ?? []);
}
