// One parser per EKS call the monitor handles: which cluster the call is about, and what an accepted call adds to
// the event (its intent, the update it started, the node group or add-on it names). Handling another call is
// adding its name to names.ts and a row to EVENT_PARSERS.

import * as z from "zod/mini";
import { ACCESS_ENTRY_PRINCIPAL, EKS_ACCESS_POLICY_NAMES, knownAccessPolicy } from "../access-policies.ts";
import { CLUSTER_NAME, clusterArnOf, clusterOfResourceArn, partitionOfRegion } from "../arn.ts";
import type { AccessChange } from "../model.ts";
import { EXEMPTION_TAG } from "../exemptions.ts";
import { REMEDIATION_TAG } from "../monitor-tags.ts";
import { id, parseWith } from "./envelope.ts";
import { EventRejected, type ClusterEvent, type EndpointConfigIntent } from "./model.ts";
import type { ClusterEventName } from "./names.ts";

type JsonObject = Record<string, unknown>;

/** The cluster a call is about. */
export interface ClusterLocation {
  readonly partition: string;
  readonly account: string;
  readonly region: string;
  readonly name: string;
}

/** A call as the parsers see it: validated envelope, raw request and response. */
export interface Call {
  readonly eventId: string;
  /** The account and region CloudTrail recorded the call in. */
  readonly account: string;
  readonly region: string;
  readonly request: JsonObject;
  readonly response: JsonObject;
}

/** What an accepted call adds to the event. */
export type AcceptedDetails = Pick<ClusterEvent, "intent" | "updateId" | "nodegroupName" | "addonName" | "createdStatus" | "exemptionTag" | "overrideTag" | "tagKeys" | "access">;

export interface EventParser {
  /** Which cluster the call is about; by default the one the request names, in the call's account and region. */
  readonly cluster?: (call: Call) => ClusterLocation;
  /** What an accepted (not failed) call adds to the event; nothing by default. */
  readonly accepted?: (call: Call, cluster: ClusterLocation & { readonly arn: string }) => AcceptedDetails;
}

const REQUEST = "detail.requestParameters";
const RESPONSE = "detail.responseElements";

const clusterNameSchema = z.string().check(z.regex(CLUSTER_NAME, "an EKS cluster name (1-100 letters, digits, - or _)"));
// EKS's URI label is `name`; some recorders use the SDK member `clusterName`.
const withClusterName = z.object({ name: z.optional(clusterNameSchema), clusterName: z.optional(clusterNameSchema) });
const nodegroupRequest = z.extend(withClusterName, { nodegroupName: z.string().check(z.minLength(1), z.maxLength(256)) });
const addonRequest = z.extend(withClusterName, { addonName: z.string().check(z.minLength(1), z.maxLength(256)) });

const updateResponse = z.object({
  update: z.object({
    id: id,
    status: z.string().check(z.minLength(1), z.maxLength(64)),
    type: z.optional(z.string().check(z.maxLength(128))),
    params: z.optional(z.array(z.object({ type: z.string().check(z.maxLength(128)), value: z.string().check(z.maxLength(65536)) })).check(z.maxLength(64))),
  }),
});

const endpointConfigShape = {
  endpointPublicAccess: z.optional(z.boolean()),
  endpointPrivateAccess: z.optional(z.boolean()),
  publicAccessCidrs: z.optional(z.array(z.string().check(z.maxLength(64))).check(z.maxLength(256))),
};
const endpointConfigSchema = z.object(endpointConfigShape);

const createClusterResponse = z.object({
  cluster: z.looseObject({
    arn: z.optional(z.string().check(z.maxLength(2048))),
    status: z.optional(z.string().check(z.maxLength(64))),
    resourcesVpcConfig: z.optional(z.looseObject(endpointConfigShape)),
    tags: z.optional(z.record(z.string(), z.string())),
  }),
});

// Access calls: the grantee must be an IAM role or user, the policy one of EKS's, the scope EKS's own shape. An event
// that says otherwise was not written by EKS (or is garbled): rejected, never judged on a guess.
const principalArn = z
  .string({ error: "expected the principalArn of the access entry (an IAM role or user ARN)" })
  .check(z.regex(ACCESS_ENTRY_PRINCIPAL, { error: "expected an IAM role or user ARN (arn:aws:iam::<account>:role/<name> or :user/<name>)" }));
const policyArn = z
  .string({ error: "expected the policyArn of an EKS access policy" })
  .check(
    z.refine((arn) => knownAccessPolicy(arn) !== undefined, {
      error: (issue) => `${JSON.stringify(String(issue.input).slice(0, 120))} is not an EKS access policy ARN (arn:aws:eks::aws:cluster-access-policy/<name>, one of ${EKS_ACCESS_POLICY_NAMES.join(", ")})`,
    }),
  );
const namespaces = z.array(z.string().check(z.minLength(1), z.maxLength(63))).check(z.maxLength(100));
const accessScope = z
  .object({ type: z.enum(["cluster", "namespace"]), namespaces: z.optional(namespaces) })
  .check(z.refine((scope) => scope.type === "cluster" || (scope.namespaces?.length ?? 0) > 0, { error: "expected at least one namespace for a namespace scope" }));
const groups = z.array(z.string().check(z.maxLength(256))).check(z.maxLength(100));
const accessEntryRequest = z.extend(withClusterName, { principalArn, kubernetesGroups: z.optional(groups) });
const policyRequest = z.extend(withClusterName, { principalArn, policyArn });
const associateRequest = z.extend(policyRequest, { accessScope });
const identityProviderName = z.string().check(z.minLength(1), z.maxLength(256));
const associateProviderRequest = z.extend(withClusterName, {
  oidc: z.object({ identityProviderConfigName: identityProviderName, issuerUrl: z.optional(z.string().check(z.maxLength(2048))) }, { error: "expected the oidc configuration" }),
});
const disassociateProviderRequest = z.extend(withClusterName, { identityProviderConfig: z.object({ type: z.string().check(z.maxLength(64)), name: identityProviderName }, { error: "expected the identityProviderConfig (type and name)" }) });
const accessConfigRequest = z.object({
  accessConfig: z.optional(z.object({ authenticationMode: z.optional(z.string().check(z.maxLength(64))), bootstrapClusterCreatorAdminPermissions: z.optional(z.boolean()) })),
});

function accessConfigChange(call: Call): AcceptedDetails {
  const config = parseWith(accessConfigRequest, call.request, REQUEST, call.eventId).accessConfig;
  if (config === undefined) return {};
  const access: AccessChange = {
    ...(config.authenticationMode !== undefined && { authenticationMode: config.authenticationMode }),
    ...(config.bootstrapClusterCreatorAdminPermissions !== undefined && { bootstrapClusterCreatorAdminPermissions: config.bootstrapClusterCreatorAdminPermissions }),
  };
  return Object.keys(access).length > 0 ? { access } : {};
}

function entryChange(call: Call): AcceptedDetails {
  const request = parseWith(accessEntryRequest, call.request, REQUEST, call.eventId);
  return { access: { principalArn: request.principalArn, ...(request.kubernetesGroups !== undefined && { kubernetesGroups: request.kubernetesGroups }) } };
}

const createdResponse = (member: string) => z.object({ [member]: z.looseObject({ status: z.optional(z.string().check(z.maxLength(64))) }) });

/** The cluster the request names (trusted over the response, see the fixtures' README). */
function requestedCluster(call: Call): ClusterLocation {
  const names = parseWith(withClusterName, call.request, REQUEST, call.eventId);
  const name = names.name ?? names.clusterName;
  if (name === undefined) {
    throw new EventRejected("malformed", call.eventId, [{ path: `${REQUEST}.name`, message: "expected the cluster name" }]);
  }
  return { partition: partitionOfRegion(call.region), account: call.account, region: call.region, name };
}

/** For tagging: the cluster owning the resource ARN, which also fixes account and region. */
function taggedCluster(call: Call): ClusterLocation {
  const { resourceArn } = parseWith(z.object({ resourceArn: z.string().check(z.maxLength(2048)) }), call.request, REQUEST, call.eventId);
  const owner = clusterOfResourceArn(resourceArn);
  if (!owner) {
    throw new EventRejected("malformed", call.eventId, [
      { path: `${REQUEST}.resourceArn`, message: "expected the ARN of an EKS cluster or of a cluster-scoped resource" },
    ]);
  }
  return owner;
}

export function clusterOf(parser: EventParser, call: Call): ClusterLocation & { readonly arn: string } {
  const cluster = (parser.cluster ?? requestedCluster)(call);
  return { ...cluster, arn: clusterArnOf(cluster.partition, cluster.region, cluster.account, cluster.name) };
}

/** UpdateClusterConfig's params are strings: "true"/"false", and PublicAccessCidrs a JSON-encoded array. */
export function endpointIntentFromParams(
  params: readonly { type: string; value: string }[],
  eventId: string,
): EndpointConfigIntent | undefined {
  const intent: { endpointPublicAccess?: boolean; endpointPrivateAccess?: boolean; publicAccessCidrs?: string[] } = {};
  params.forEach((param, index) => {
    const path = `${RESPONSE}.update.params[${index}].value`;
    const asBoolean = (): boolean => {
      if (param.value === "true") return true;
      if (param.value === "false") return false;
      throw new EventRejected("malformed", eventId, [{ path, message: `expected "true" or "false" for ${param.type}, got ${JSON.stringify(param.value.slice(0, 40))}` }]);
    };
    if (param.type === "EndpointPublicAccess") intent.endpointPublicAccess = asBoolean();
    else if (param.type === "EndpointPrivateAccess") intent.endpointPrivateAccess = asBoolean();
    else if (param.type === "PublicAccessCidrs") {
      let decoded: unknown;
      try {
        decoded = JSON.parse(param.value);
      } catch (cause) {
        throw new EventRejected("malformed", eventId, [{ path, message: "expected a JSON-encoded array of CIDR strings for PublicAccessCidrs" }], { cause });
      }
      intent.publicAccessCidrs = parseWith(z.array(z.string().check(z.maxLength(64))).check(z.maxLength(256)), decoded, path, eventId);
    }
  });
  return Object.keys(intent).length > 0 ? intent : undefined;
}

/** The governed tags (exemption, remediation override) a call set (TagResource, CreateCluster) on the cluster itself. */
function governedTagsSet(tags: unknown): AcceptedDetails {
  const map = typeof tags === "object" && tags !== null ? (tags as Record<string, unknown>) : {};
  const exemption = map[EXEMPTION_TAG];
  const override = map[REMEDIATION_TAG];
  return { ...(typeof exemption === "string" ? { exemptionTag: { value: exemption } } : {}), ...(typeof override === "string" ? { overrideTag: { value: override } } : {}) };
}

/** The governed tags an UntagResource call removed from the cluster itself. */
function governedTagsRemoved(call: Call, cluster: { readonly arn: string }): AcceptedDetails {
  if (!onClusterItself(call, cluster) || !Array.isArray(call.request.tagKeys)) return {};
  const keys: unknown[] = call.request.tagKeys;
  return { ...(keys.includes(EXEMPTION_TAG) ? { exemptionTag: {} } : {}), ...(keys.includes(REMEDIATION_TAG) ? { overrideTag: {} } : {}) };
}

/** The keys of TagResource's `tags` map, when it is one; nothing when it is missing or not a map (fail safe: every rule). */
function keysOfTagMap(tags: unknown): AcceptedDetails {
  return typeof tags === "object" && tags !== null && !Array.isArray(tags) ? { tagKeys: Object.keys(tags) } : {};
}

/** UntagResource's `tagKeys`, when it is a list of strings; nothing otherwise (fail safe: every rule). */
function keysOfTagList(tagKeys: unknown): AcceptedDetails {
  return Array.isArray(tagKeys) && tagKeys.every((key) => typeof key === "string") ? { tagKeys: [...tagKeys] } : {};
}

function onClusterItself(call: Call, cluster: { readonly arn: string }): boolean {
  return call.request.resourceArn === cluster.arn;
}

function epochToDate(value: unknown): unknown {
  // CloudTrail writes timestamps in responses as epoch seconds; the SDK (and normaliseCluster) speak Date.
  return typeof value === "number" ? new Date(value * 1000) : value;
}

const startedUpdate = (call: Call) => parseWith(updateResponse, call.response, RESPONSE, call.eventId).update;
const nodegroupNamed = (call: Call) => parseWith(nodegroupRequest, call.request, REQUEST, call.eventId).nodegroupName;
const addonNamed = (call: Call) => parseWith(addonRequest, call.request, REQUEST, call.eventId).addonName;
function createdStatus(call: Call, member: string): AcceptedDetails {
  const status = (parseWith(createdResponse(member), call.response, RESPONSE, call.eventId)[member] as { status?: string }).status;
  return status ? { createdStatus: status } : {};
}

export const EVENT_PARSERS = {
  CreateCluster: {
    accepted: (call, cluster) => {
      const created = parseWith(createClusterResponse, call.response, RESPONSE, call.eventId).cluster;
      const requestTags = typeof call.request.tags === "object" && call.request.tags !== null ? (call.request.tags as Record<string, string>) : {};
      const intentCluster: JsonObject = {
        ...created,
        name: cluster.name,
        arn: cluster.arn,
        createdAt: epochToDate(created.createdAt),
        tags: { ...requestTags, ...(created.tags ?? {}) },
      };
      return { intent: { kind: "cluster", cluster: intentCluster }, ...(created.status ? { createdStatus: created.status } : {}), ...governedTagsSet(intentCluster.tags), ...accessConfigChange(call) };
    },
  },
  UpdateClusterConfig: {
    accepted: (call) => {
      const update = startedUpdate(call);
      // The request carries only the fields the caller changed; the update's params, the values EKS applies. Both
      // are the event's own word, so the intent can be judged even when the live cluster cannot be read.
      const requested = parseWith(z.object({ resourcesVpcConfig: z.optional(endpointConfigSchema) }), call.request, REQUEST, call.eventId).resourcesVpcConfig ?? {};
      const endpoint = { ...requested, ...endpointIntentFromParams(update.params ?? [], call.eventId) };
      return { updateId: update.id, ...(Object.keys(endpoint).length > 0 ? { intent: { kind: "endpoint-update", resourcesVpcConfig: endpoint } } : {}), ...accessConfigChange(call) };
    },
  },
  UpdateClusterVersion: { accepted: (call) => ({ updateId: startedUpdate(call).id }) },
  DeleteCluster: {},
  TagResource: {
    cluster: taggedCluster,
    accepted: (call, cluster) => ({ ...keysOfTagMap(call.request.tags), ...(onClusterItself(call, cluster) ? governedTagsSet(call.request.tags) : {}) }),
  },
  UntagResource: {
    cluster: taggedCluster,
    accepted: (call, cluster) => ({
      ...keysOfTagList(call.request.tagKeys),
      ...governedTagsRemoved(call, cluster),
    }),
  },
  CreateNodegroup: { accepted: (call) => ({ nodegroupName: nodegroupNamed(call), ...createdStatus(call, "nodegroup") }) },
  UpdateNodegroupVersion: { accepted: (call) => ({ nodegroupName: nodegroupNamed(call), updateId: startedUpdate(call).id }) },
  CreateAddon: { accepted: (call) => ({ addonName: addonNamed(call), ...createdStatus(call, "addon") }) },
  UpdateAddon: { accepted: (call) => ({ addonName: addonNamed(call), updateId: startedUpdate(call).id }) },
  CreateAccessEntry: { accepted: entryChange },
  UpdateAccessEntry: { accepted: entryChange },
  DeleteAccessEntry: { accepted: entryChange },
  AssociateAccessPolicy: {
    accepted: (call) => {
      const request = parseWith(associateRequest, call.request, REQUEST, call.eventId);
      return { access: { principalArn: request.principalArn, policyArn: request.policyArn, accessScope: { type: request.accessScope.type, namespaces: request.accessScope.namespaces ?? [] } } };
    },
  },
  DisassociateAccessPolicy: {
    accepted: (call) => {
      const request = parseWith(policyRequest, call.request, REQUEST, call.eventId);
      return { access: { principalArn: request.principalArn, policyArn: request.policyArn } };
    },
  },
  AssociateIdentityProviderConfig: {
    accepted: (call) => {
      const { oidc } = parseWith(associateProviderRequest, call.request, REQUEST, call.eventId);
      return { updateId: startedUpdate(call).id, access: { identityProvider: { name: oidc.identityProviderConfigName, ...(oidc.issuerUrl !== undefined && { issuerUrl: oidc.issuerUrl }) } } };
    },
  },
  DisassociateIdentityProviderConfig: {
    accepted: (call) => {
      const { identityProviderConfig } = parseWith(disassociateProviderRequest, call.request, REQUEST, call.eventId);
      return { updateId: startedUpdate(call).id, access: { identityProvider: { name: identityProviderConfig.name } } };
    },
  },
} satisfies Record<ClusterEventName, EventParser>;
