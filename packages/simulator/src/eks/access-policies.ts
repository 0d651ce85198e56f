// EKS's checks of an access policy association (the catalogue itself is core's): shared by the operations and the
// fleet file.

import { ACCESS_ENTRY_PRINCIPAL, accessPolicyArn, EKS_ACCESS_POLICY_NAMES, knownAccessPolicy } from "@eks-warden/core";

export { accessPolicyArn };
export const ACCESS_POLICY_NAMES = EKS_ACCESS_POLICY_NAMES;
export const PRINCIPAL_ARN = ACCESS_ENTRY_PRINCIPAL;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** Why EKS refuses an access scope, or undefined when it is acceptable. */
export function accessScopeProblem(scope: unknown): string | undefined {
  if (!isRecord(scope) || (scope["type"] !== "cluster" && scope["type"] !== "namespace")) return "accessScope.type must be cluster or namespace.";
  const namespaces = scope["namespaces"];
  if (namespaces !== undefined && (!Array.isArray(namespaces) || namespaces.some((namespace) => typeof namespace !== "string" || namespace.length === 0))) return "accessScope.namespaces must be a list of namespace names.";
  const count = Array.isArray(namespaces) ? namespaces.length : 0;
  if (scope["type"] === "namespace" && count === 0) return "At least one namespace must be specified for an access scope of type namespace.";
  if (scope["type"] === "cluster" && count > 0) return "Namespaces cannot be specified for an access scope of type cluster.";
  return undefined;
}

export function isKnownAccessPolicy(policyArn: string): boolean {
  return knownAccessPolicy(policyArn) !== undefined;
}
