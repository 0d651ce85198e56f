// DescribeCluster output (with its node groups and add-ons) -> ClusterSnapshot.
//
// Missing fields take AWS's meaning, never a lenient one: no endpointPublicAccess -> public; no
// endpointPrivateAccess -> not private; no publicAccessCidrs with public access on -> ["0.0.0.0/0"]. The snapshot
// records which of them were defaulted.

import * as z from "zod/mini";
import { CLUSTER_NAME } from "../arn.ts";
import { isValidCidr } from "../cidr.ts";
import type { ClusterSnapshot, EndpointAccess } from "../model.ts";
import { accessConfigSchema, normaliseAccessConfig, normaliseAccessEntry, normaliseIdentityProvider, type AccessEntryReading, type IdentityProviderReading } from "./access.ts";
import { normaliseAddon } from "./addon.ts";
import { awsDate, minorVersion } from "./fields.ts";
import { fail, locate, parse, show } from "./forms.ts";
import { resolveIdentity, type IdentityHint } from "./identity.ts";
import { normaliseInsight, type InsightDescription } from "./insight.ts";
import { normaliseNodegroup } from "./nodegroup.ts";

/** The control plane log types EKS knows; a type not switched on in the record is off (AWS's default). */
export const CLUSTER_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"] as const;

/** What AWS applies to a public endpoint created without a CIDR list. */
export const WORLD_CIDRS: readonly string[] = ["0.0.0.0/0"];

export interface NormaliseClusterOptions {
  /** DescribeNodegroup outputs (any of the accepted forms), one per node group. */
  readonly nodegroups?: readonly unknown[];
  /** DescribeAddon outputs (any of the accepted forms), one per add-on. */
  readonly addons?: readonly unknown[];
  /** ListInsights InsightSummary objects (the upgrade-readiness insights). */
  readonly insights?: readonly unknown[];
  /** DescribeInsight of the insights in ERROR or WARNING, by insight id: the insight returned, or why it was not. */
  readonly insightDescriptions?: Readonly<Record<string, InsightDescription>>;
  /** Each listed access entry: DescribeAccessEntry with its ListAssociatedAccessPolicies, or why it was unreadable. */
  readonly accessEntries?: readonly AccessEntryReading[];
  /** Each listed identity provider: DescribeIdentityProviderConfig, or why it was unreadable. */
  readonly identityProviders?: readonly IdentityProviderReading[];
  readonly identity?: IdentityHint;
}

const cidr = z.string().check(z.refine(isValidCidr, { error: (issue) => `${show(issue.input)} is not a valid IPv4 or IPv6 CIDR` }));

const clusterSchema = z.object({
  name: z.string().check(
    z.regex(CLUSTER_NAME, {
      error: (issue) => `expected an EKS cluster name (1-100 letters, digits, "-" or "_", starting with a letter or digit), got ${show(issue.input)}`,
    }),
  ),
  arn: z.optional(z.string()),
  status: z.string().check(z.minLength(1, { error: "expected the cluster status, e.g. ACTIVE" })),
  version: z.optional(minorVersion),
  platformVersion: z.optional(z.string()),
  endpoint: z.optional(z.string()),
  createdAt: z.optional(awsDate),
  resourcesVpcConfig: z.optional(
    z.object({
      endpointPublicAccess: z.optional(z.boolean()),
      endpointPrivateAccess: z.optional(z.boolean()),
      publicAccessCidrs: z.optional(z.array(cidr)),
    }),
  ),
  logging: z.optional(z.object({ clusterLogging: z.optional(z.array(z.object({ types: z.array(z.string()), enabled: z.boolean() }))) })),
  upgradePolicy: z.optional(z.object({ supportType: z.optional(z.enum(["STANDARD", "EXTENDED"])) })),
  tags: z.optional(z.record(z.string(), z.string())),
  accessConfig: z.optional(accessConfigSchema),
});

function endpointAccess(vpc: z.output<typeof clusterSchema>["resourcesVpcConfig"]): EndpointAccess {
  const publicAccess = vpc?.endpointPublicAccess ?? true;
  const privateAccess = vpc?.endpointPrivateAccess ?? false;
  const cidrs = vpc?.publicAccessCidrs;
  return {
    publicAccess,
    privateAccess,
    // With public access off there is nothing reachable, so a missing list means no public CIDRs at all.
    publicAccessCidrs: cidrs ?? (publicAccess ? [...WORLD_CIDRS] : []),
    defaulted: {
      publicAccess: vpc?.endpointPublicAccess === undefined,
      privateAccess: vpc?.endpointPrivateAccess === undefined,
      publicAccessCidrs: cidrs === undefined,
    },
  };
}

function loggingState(logging: z.output<typeof clusterSchema>["logging"]): ClusterSnapshot["logging"] {
  const enabled = new Set<string>();
  const mentioned = new Set<string>(CLUSTER_LOG_TYPES);
  for (const setup of logging?.clusterLogging ?? []) {
    for (const type of setup.types) {
      mentioned.add(type);
      if (setup.enabled) enabled.add(type);
    }
  }
  return { enabledTypes: [...enabled], disabledTypes: [...mentioned].filter((type) => !enabled.has(type)) };
}

function withoutClusterName<T extends { clusterName?: string }>(
  part: T,
  cluster: string,
  what: string,
  path: string,
): Omit<T, "clusterName"> {
  const { clusterName, ...rest } = part;
  if (clusterName !== undefined && clusterName !== cluster) {
    fail(what, path, `belongs to cluster ${show(clusterName)}, not to ${show(cluster)}`);
  }
  return rest;
}

/**
 * DescribeCluster output (any accepted form) -> ClusterSnapshot, with the node groups and add-ons given.
 * Throws SnapshotError, and nothing else, for any input that is not a valid cluster record.
 */
export function normaliseCluster(input: unknown, extras: NormaliseClusterOptions = {}): ClusterSnapshot {
  const what = "DescribeCluster";
  const { body, path } = locate(input, what, "cluster", "arn resourcesVpcConfig name+status", "");
  const record = parse(clusterSchema, body, what, path);
  const identity = resolveIdentity(record, extras.identity, what, path);

  const nodegroups = extras.nodegroups?.map((nodegroup, index) =>
    withoutClusterName(normaliseNodegroup(nodegroup, `nodegroups[${index}]`), identity.name, "DescribeNodegroup", `nodegroups[${index}]`),
  );
  const addons = extras.addons?.map((addon, index) =>
    withoutClusterName(normaliseAddon(addon, `addons[${index}]`), identity.name, "DescribeAddon", `addons[${index}]`),
  );
  const insights = extras.insights?.map((insight, index) => normaliseInsight(insight, `insights[${index}]`, extras.insightDescriptions));
  const accessEntries = extras.accessEntries?.map((entry, index) => normaliseAccessEntry(entry, `accessEntries[${index}]`));
  const identityProviders = extras.identityProviders?.map((provider, index) => normaliseIdentityProvider(provider, `identityProviders[${index}]`));

  return {
    ...identity,
    status: record.status,
    ...(record.version !== undefined && { version: record.version }),
    ...(record.platformVersion !== undefined && { platformVersion: record.platformVersion }),
    ...(record.createdAt !== undefined && { createdAt: record.createdAt }),
    endpoint: endpointAccess(record.resourcesVpcConfig),
    logging: loggingState(record.logging),
    ...(record.upgradePolicy?.supportType !== undefined && { supportType: record.upgradePolicy.supportType }),
    tags: { ...record.tags },
    ...(nodegroups !== undefined && { nodegroups }),
    ...(addons !== undefined && { addons }),
    ...(insights !== undefined && { insights }),
    ...(record.accessConfig !== undefined && { accessConfig: normaliseAccessConfig(record.accessConfig) }),
    ...(accessEntries !== undefined && { accessEntries }),
    ...(identityProviders !== undefined && { identityProviders }),
  };
}
