// DescribeCluster's accessConfig, DescribeAccessEntry with ListAssociatedAccessPolicies, and
// DescribeIdentityProviderConfig -> the access part of ClusterSnapshot: who holds what power in the cluster.

import * as z from "zod/mini";
import type { AccessConfigState, AccessEntrySnapshot, AccessPolicyAssociation, IdentityProviderSnapshot } from "../model.ts";
import { awsDate } from "./fields.ts";
import { isRecord, parse, show } from "./forms.ts";

/**
 * What became of one listed access entry: DescribeAccessEntry's `accessEntry` (or the whole response) with every
 * page of ListAssociatedAccessPolicies' `associatedAccessPolicies`, or why they could not be read.
 */
export type AccessEntryReading =
  | { readonly entry: unknown; readonly policies: readonly unknown[] }
  | { readonly principalArn: string; readonly unreadable: string };

/** What became of one listed identity provider: DescribeIdentityProviderConfig's output, or why it was not read. */
export type IdentityProviderReading = { readonly config: unknown } | { readonly name: string; readonly type: string; readonly unreadable: string };

export const accessConfigSchema = z.object({
  authenticationMode: z.optional(z.string()),
  bootstrapClusterCreatorAdminPermissions: z.optional(z.boolean()),
});

const principalArn = z.string().check(z.regex(/^arn:[a-z-]+:(iam|sts)::\d{12}:\S+$/, { error: (issue) => `expected an IAM principal ARN, got ${show(issue.input)}` }));

const entrySchema = z.object({
  principalArn,
  type: z.optional(z.string()),
  username: z.optional(z.string()),
  kubernetesGroups: z.optional(z.array(z.string())),
  createdAt: z.optional(awsDate),
  modifiedAt: z.optional(awsDate),
});

const policySchema = z.object({
  policyArn: z.string().check(z.minLength(1, { error: "expected the access policy ARN" })),
  accessScope: z.optional(
    z.object({
      type: z.optional(z.enum(["cluster", "namespace"], { error: (issue) => `expected "cluster" or "namespace", got ${show(issue.input)}` })),
      namespaces: z.optional(z.array(z.string())),
    }),
  ),
  associatedAt: z.optional(awsDate),
  modifiedAt: z.optional(awsDate),
});

const providerSchema = z.object({
  identityProviderConfigName: z.string().check(z.minLength(1, { error: "expected the identity provider's name" })),
  issuerUrl: z.optional(z.string()),
  clientId: z.optional(z.string()),
  status: z.optional(z.string()),
});

export function normaliseAccessConfig(input: z.output<typeof accessConfigSchema>): AccessConfigState {
  return {
    ...(input.authenticationMode !== undefined && { authenticationMode: input.authenticationMode }),
    ...(input.bootstrapClusterCreatorAdminPermissions !== undefined && { bootstrapClusterCreatorAdminPermissions: input.bootstrapClusterCreatorAdminPermissions }),
  };
}

function unwrap(input: unknown, key: string, path: string): { body: unknown; path: string } {
  return isRecord(input) && key in input ? { body: input[key], path: `${path}.${key}` } : { body: input, path };
}

export function normaliseAccessPolicy(input: unknown, path: string): AccessPolicyAssociation {
  const record = parse(policySchema, input, "ListAssociatedAccessPolicies", path);
  return {
    policyArn: record.policyArn,
    // EKS requires a scope on every association; a record without one is read as the wider (cluster) scope.
    accessScope: { type: record.accessScope?.type ?? "cluster", namespaces: [...(record.accessScope?.namespaces ?? [])] },
    ...(record.associatedAt !== undefined && { associatedAt: record.associatedAt }),
    ...(record.modifiedAt !== undefined && { modifiedAt: record.modifiedAt }),
  };
}

/** One access entry with its policies; `path` names where it sits in the caller's input, for error paths. */
export function normaliseAccessEntry(reading: AccessEntryReading, path: string): AccessEntrySnapshot {
  if ("unreadable" in reading) return { principalArn: reading.principalArn, kubernetesGroups: [], accessPolicies: [], unreadable: reading.unreadable };
  const { body, path: bodyPath } = unwrap(reading.entry, "accessEntry", `${path}.entry`);
  const record = parse(entrySchema, body, "DescribeAccessEntry", bodyPath);
  return {
    principalArn: record.principalArn,
    ...(record.type !== undefined && { type: record.type }),
    ...(record.username !== undefined && { username: record.username }),
    kubernetesGroups: [...(record.kubernetesGroups ?? [])],
    ...(record.createdAt !== undefined && { createdAt: record.createdAt }),
    ...(record.modifiedAt !== undefined && { modifiedAt: record.modifiedAt }),
    accessPolicies: reading.policies.map((policy, index) => normaliseAccessPolicy(policy, `${path}.policies[${index}]`)),
  };
}

/** One identity provider (DescribeIdentityProviderConfig's output, its identityProviderConfig, or the oidc object). */
export function normaliseIdentityProvider(reading: IdentityProviderReading, path: string): IdentityProviderSnapshot {
  if ("unreadable" in reading) return { name: reading.name, type: reading.type, unreadable: reading.unreadable };
  const outer = unwrap(reading.config, "identityProviderConfig", `${path}.config`);
  const { body, path: bodyPath } = unwrap(outer.body, "oidc", outer.path);
  const record = parse(providerSchema, body, "DescribeIdentityProviderConfig", bodyPath);
  return {
    name: record.identityProviderConfigName,
    type: "oidc",
    ...(record.issuerUrl !== undefined && { issuerUrl: record.issuerUrl }),
    ...(record.clientId !== undefined && { clientId: record.clientId }),
    ...(record.status !== undefined && { status: record.status }),
  };
}
