// The CloudTrail "AWS API Call via CloudTrail" events EventBridge delivers for EKS, parsed into one typed
// ClusterEvent. Everything the rest of the system reads from an event passes through here, so a malformed or
// forged event is stopped at the door with the field that is wrong, and never reaches evaluation or storage.

import * as z from "zod";
import { ValidationError } from "../errors.ts";
import { ACCOUNT_ID } from "../snapshot.ts";
import { issuesFromZod } from "../zod-issues.ts";

export const HANDLED_CLUSTER_EVENTS = [
  "CreateCluster",
  "UpdateClusterConfig",
  "UpdateClusterVersion",
  "DeleteCluster",
  "TagResource",
  "UntagResource",
  "CreateNodegroup",
  "UpdateNodegroupVersion",
  "CreateAddon",
  "UpdateAddon",
] as const;
export type ClusterEventName = (typeof HANDLED_CLUSTER_EVENTS)[number];

/** EventBridge refuses events above 256 KiB, so anything larger did not come from EventBridge. */
export const MAX_EVENT_BYTES = 256 * 1024;

export interface Actor {
  /** CloudTrail identity type: IAMUser, AssumedRole, Root, AWSService, FederatedUser, ... */
  readonly type: string;
  readonly arn?: string;
  readonly principalId?: string;
  readonly userName?: string;
  /** For assumed roles: the role the session came from. */
  readonly sessionIssuer?: { readonly arn?: string; readonly userName?: string; readonly type?: string };
  /** For calls a service made on someone's behalf (e.g. the console's backend). */
  readonly invokedBy?: string;
  // accessKeyId is deliberately not kept: it is a credential identifier and must never reach an alert.
}

/** The endpoint configuration an accepted call asked for, in DescribeCluster's field names. */
export interface EndpointConfigIntent {
  readonly endpointPublicAccess?: boolean;
  readonly endpointPrivateAccess?: boolean;
  readonly publicAccessCidrs?: readonly string[];
}

/**
 * What the call meant to achieve, read from the event's own response:
 * - "endpoint-update": UpdateClusterConfig's `update.params` (only the fields the update carries);
 * - "cluster": CreateCluster's full cluster record (a DescribeCluster-shaped object, name and ARN fixed).
 */
export type ClusterIntent =
  | { readonly kind: "endpoint-update"; readonly resourcesVpcConfig: EndpointConfigIntent }
  | { readonly kind: "cluster"; readonly cluster: Readonly<Record<string, unknown>> };

export interface ClusterEvent {
  readonly eventId: string;
  readonly eventName: ClusterEventName;
  readonly account: string;
  readonly region: string;
  readonly clusterName: string;
  readonly clusterArn: string;
  readonly actor: Actor;
  readonly sourceIp: string;
  readonly userAgent: string;
  readonly eventTime: Date;
  /** Present on failed calls: nothing changed, the attempt is only recorded. */
  readonly failed?: { readonly errorCode: string; readonly errorMessage: string };
  readonly intent?: ClusterIntent;
  /** The EKS update the call started (UpdateClusterConfig, UpdateClusterVersion, UpdateNodegroupVersion, UpdateAddon). */
  readonly updateId?: string;
  readonly nodegroupName?: string;
  readonly addonName?: string;
  /** Status of the created resource when the call started an asynchronous creation (CREATING). */
  readonly createdStatus?: string;
}

/** An event that cannot be processed: logged with its id and dropped, never retried. */
export class EventRejected extends ValidationError {
  readonly eventId: string | undefined;
  readonly reason: "malformed" | "unknown-event" | "too-large";
  constructor(
    reason: "malformed" | "unknown-event" | "too-large",
    eventId: string | undefined,
    issues: readonly { path: string; message: string }[],
    options?: { cause?: unknown },
  ) {
    super(`EKS CloudTrail event ${eventId ?? "(id unreadable)"} rejected (${reason})`, issues, options);
    this.eventId = eventId;
    this.reason = reason;
  }
}

const id = z.string().min(1).max(256);
const optionalText = z.string().max(2048).optional();

const sessionIssuerSchema = z
  .object({ type: optionalText, arn: optionalText, userName: optionalText, principalId: optionalText, accountId: optionalText })
  .partial();

const userIdentitySchema = z.object({
  type: z.string().min(1).max(64),
  principalId: optionalText,
  arn: optionalText,
  accountId: optionalText,
  userName: optionalText,
  invokedBy: optionalText,
  sessionContext: z.object({ sessionIssuer: sessionIssuerSchema.optional() }).partial().optional(),
});

const clusterNameSchema = z.string().regex(/^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$/, "an EKS cluster name (1-100 letters, digits, - or _)");
const updateSchema = z.object({
  id: id,
  status: z.string().min(1).max(64),
  type: z.string().max(128).optional(),
  params: z.array(z.object({ type: z.string().max(128), value: z.string().max(65536) })).max(64).optional(),
});

const detailSchema = z.object({
  eventID: id,
  eventName: z.string().min(1).max(128),
  eventSource: z.literal("eks.amazonaws.com"),
  eventTime: z.iso.datetime({ offset: true }),
  awsRegion: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, "an AWS region such as eu-west-1"),
  sourceIPAddress: z.string().min(1).max(1024),
  userAgent: z.string().max(4096).default(""),
  userIdentity: userIdentitySchema,
  recipientAccountId: z.string().regex(ACCOUNT_ID, "a 12-digit account id").optional(),
  errorCode: z.string().max(256).optional(),
  errorMessage: z.string().max(8192).optional(),
  requestParameters: z.record(z.string(), z.unknown()).nullish(),
  responseElements: z.record(z.string(), z.unknown()).nullish(),
});

const envelopeSchema = z.object({
  id: id,
  "detail-type": z.literal("AWS API Call via CloudTrail"),
  source: z.literal("aws.eks"),
  account: z.string().regex(ACCOUNT_ID, "a 12-digit account id"),
  region: z.string().min(1).max(64),
  time: z.string().optional(),
  detail: z.record(z.string(), z.unknown()),
});

const endpointConfigSchema = z.object({
  endpointPublicAccess: z.boolean().optional(),
  endpointPrivateAccess: z.boolean().optional(),
  publicAccessCidrs: z.array(z.string().max(64)).max(256).optional(),
});

// Per event name: where the cluster name lives in the request (EKS's URI label is `name`; some recorders use the
// SDK member `clusterName`) and what the accepted response must contain.
const withClusterName = z.object({ name: clusterNameSchema.optional(), clusterName: clusterNameSchema.optional() });

const createClusterResponse = z.object({
  cluster: z.looseObject({
    arn: z.string().max(2048).optional(),
    status: z.string().max(64).optional(),
    resourcesVpcConfig: endpointConfigSchema.loose().optional(),
    tags: z.record(z.string(), z.string()).optional(),
  }),
});

const updateResponse = z.object({ update: updateSchema });
const nodegroupRequest = withClusterName.extend({ nodegroupName: z.string().min(1).max(256) });
const addonRequest = withClusterName.extend({ addonName: z.string().min(1).max(256) });

type Detail = z.infer<typeof detailSchema>;

function parseWith<T>(schema: z.ZodType<T>, value: unknown, path: string, eventId: string | undefined): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new EventRejected("malformed", eventId, issuesFromZod(result.error, path), { cause: result.error });
  return result.data;
}

function readableEventId(input: unknown): string | undefined {
  if (typeof input !== "object" || input === null) return undefined;
  const detail = (input as { detail?: unknown }).detail;
  if (typeof detail === "object" && detail !== null) {
    const eventId = (detail as { eventID?: unknown }).eventID;
    if (typeof eventId === "string" && eventId.length > 0 && eventId.length <= 256) return eventId;
  }
  const envelopeId = (input as { id?: unknown }).id;
  return typeof envelopeId === "string" && envelopeId.length <= 256 ? envelopeId : undefined;
}

function isHandled(name: string): name is ClusterEventName {
  return (HANDLED_CLUSTER_EVENTS as readonly string[]).includes(name);
}

export function partitionOfRegion(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}

export function clusterArnOf(partition: string, region: string, account: string, name: string): string {
  return `arn:${partition}:eks:${region}:${account}:cluster/${name}`;
}

/**
 * The cluster an EKS resource ARN belongs to: cluster/<name>, nodegroup/<cluster>/..., addon/<cluster>/...,
 * fargateprofile/<cluster>/..., and the other cluster-scoped resources, which all name the cluster first.
 */
export function clusterOfResourceArn(arn: string): { partition: string; region: string; account: string; name: string } | undefined {
  const match = /^arn:(aws[a-z-]*):eks:([a-z0-9-]+):(\d{12}):([a-z-]+)\/([0-9A-Za-z][A-Za-z0-9\-_]{0,99})(\/.*)?$/.exec(arn);
  if (!match) return undefined;
  const [, partition, region, account, resourceType, name] = match as unknown as [string, string, string, string, string, string];
  const clusterScoped = ["cluster", "nodegroup", "addon", "fargateprofile", "identityproviderconfig", "podidentityassociation", "access-entry"];
  if (!clusterScoped.includes(resourceType)) return undefined;
  return { partition, region, account, name };
}

function actorOf(identity: z.infer<typeof userIdentitySchema>): Actor {
  const issuer = identity.sessionContext?.sessionIssuer;
  const sessionIssuer =
    issuer && (issuer.arn || issuer.userName) ? { arn: issuer.arn, userName: issuer.userName, type: issuer.type } : undefined;
  return {
    type: identity.type,
    ...(identity.arn ? { arn: identity.arn } : {}),
    ...(identity.principalId ? { principalId: identity.principalId } : {}),
    ...(identity.userName ? { userName: identity.userName } : {}),
    ...(sessionIssuer ? { sessionIssuer } : {}),
    ...(identity.invokedBy ? { invokedBy: identity.invokedBy } : {}),
  };
}

/** UpdateClusterConfig's params are strings: "true"/"false", and PublicAccessCidrs a JSON-encoded array. */
export function endpointIntentFromParams(
  params: readonly { type: string; value: string }[],
  eventId: string,
): EndpointConfigIntent | undefined {
  const intent: { endpointPublicAccess?: boolean; endpointPrivateAccess?: boolean; publicAccessCidrs?: string[] } = {};
  params.forEach((param, index) => {
    const path = `detail.responseElements.update.params[${index}].value`;
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
      intent.publicAccessCidrs = parseWith(z.array(z.string().max(64)).max(256), decoded, path, eventId);
    }
  });
  return Object.keys(intent).length > 0 ? intent : undefined;
}

function epochToDate(value: unknown): unknown {
  // CloudTrail writes timestamps in responses as epoch seconds; the SDK (and normaliseCluster) speak Date.
  return typeof value === "number" ? new Date(value * 1000) : value;
}

/**
 * Parses an EventBridge "AWS API Call via CloudTrail" event for EKS into a ClusterEvent.
 * Throws EventRejected (with the event id when readable and the failing field path) on anything else.
 */
export function parseClusterEvent(input: unknown, options: { maxBytes?: number } = {}): ClusterEvent {
  const eventId = readableEventId(input);
  const maxBytes = options.maxBytes ?? MAX_EVENT_BYTES;
  let size: number;
  try {
    size = Buffer.byteLength(JSON.stringify(input) ?? "", "utf8");
  } catch (cause) {
    throw new EventRejected("malformed", eventId, [{ path: "", message: "expected a JSON-serialisable event" }], { cause });
  }
  if (size > maxBytes) {
    throw new EventRejected("too-large", eventId, [{ path: "", message: `expected at most ${maxBytes} bytes (EventBridge's limit), got ${size}` }]);
  }

  const envelope = parseWith(envelopeSchema, input, "", eventId);
  const detail: Detail = parseWith(detailSchema, envelope.detail, "detail", eventId);
  const theEventId = detail.eventID;
  if (!isHandled(detail.eventName)) {
    throw new EventRejected("unknown-event", theEventId, [
      { path: "detail.eventName", message: `expected one of ${HANDLED_CLUSTER_EVENTS.join(", ")}, got ${JSON.stringify(detail.eventName.slice(0, 64))}` },
    ]);
  }
  const eventName = detail.eventName;
  const region = detail.awsRegion;
  const account = detail.recipientAccountId ?? envelope.account;
  const request = detail.requestParameters ?? {};
  const failed = detail.errorCode !== undefined ? { errorCode: detail.errorCode, errorMessage: detail.errorMessage ?? "" } : undefined;

  // Which cluster: the request's name (trusted over the response, see the fixtures' README), or for tagging the
  // resource ARN, which also fixes account and region.
  let clusterName: string;
  let partition = partitionOfRegion(region);
  let clusterAccount = account;
  let clusterRegion = region;
  if (eventName === "TagResource" || eventName === "UntagResource") {
    const { resourceArn } = parseWith(z.object({ resourceArn: z.string().max(2048) }), request, "detail.requestParameters", theEventId);
    const owner = clusterOfResourceArn(resourceArn);
    if (!owner) {
      throw new EventRejected("malformed", theEventId, [
        { path: "detail.requestParameters.resourceArn", message: "expected the ARN of an EKS cluster or of a cluster-scoped resource" },
      ]);
    }
    ({ partition, account: clusterAccount, region: clusterRegion, name: clusterName } = owner);
  } else {
    const names = parseWith(withClusterName, request, "detail.requestParameters", theEventId);
    const name = names.name ?? names.clusterName;
    if (name === undefined) {
      throw new EventRejected("malformed", theEventId, [{ path: "detail.requestParameters.name", message: "expected the cluster name" }]);
    }
    clusterName = name;
  }
  const clusterArn = clusterArnOf(partition, clusterRegion, clusterAccount, clusterName);

  const base = {
    eventId: theEventId,
    eventName,
    account: clusterAccount,
    region: clusterRegion,
    clusterName,
    clusterArn,
    actor: actorOf(detail.userIdentity),
    sourceIp: detail.sourceIPAddress,
    userAgent: detail.userAgent,
    eventTime: new Date(detail.eventTime),
  };
  if (failed) {
    // A failed call changed nothing: what it asked for is still worth keeping in history (who tried what).
    const extra: { nodegroupName?: string; addonName?: string } = {};
    if (typeof request.nodegroupName === "string") extra.nodegroupName = request.nodegroupName;
    if (typeof request.addonName === "string") extra.addonName = request.addonName;
    return { ...base, ...extra, failed };
  }

  const response = detail.responseElements ?? {};
  const responsePath = "detail.responseElements";
  switch (eventName) {
    case "CreateCluster": {
      const { cluster } = parseWith(createClusterResponse, response, responsePath, theEventId);
      const requestTags = typeof request.tags === "object" && request.tags !== null ? (request.tags as Record<string, string>) : {};
      const intentCluster: Record<string, unknown> = {
        ...cluster,
        name: clusterName,
        arn: clusterArn,
        createdAt: epochToDate(cluster.createdAt),
        tags: { ...requestTags, ...(cluster.tags ?? {}) },
      };
      return { ...base, intent: { kind: "cluster", cluster: intentCluster }, ...(cluster.status ? { createdStatus: cluster.status } : {}) };
    }
    case "UpdateClusterConfig": {
      const { update } = parseWith(updateResponse, response, responsePath, theEventId);
      const endpoint = endpointIntentFromParams(update.params ?? [], theEventId);
      return { ...base, updateId: update.id, ...(endpoint ? { intent: { kind: "endpoint-update", resourcesVpcConfig: endpoint } } : {}) };
    }
    case "UpdateClusterVersion": {
      const { update } = parseWith(updateResponse, response, responsePath, theEventId);
      return { ...base, updateId: update.id };
    }
    case "UpdateNodegroupVersion": {
      const { nodegroupName } = parseWith(nodegroupRequest, request, "detail.requestParameters", theEventId);
      const { update } = parseWith(updateResponse, response, responsePath, theEventId);
      return { ...base, nodegroupName, updateId: update.id };
    }
    case "UpdateAddon": {
      const { addonName } = parseWith(addonRequest, request, "detail.requestParameters", theEventId);
      const { update } = parseWith(updateResponse, response, responsePath, theEventId);
      return { ...base, addonName, updateId: update.id };
    }
    case "CreateNodegroup": {
      const { nodegroupName } = parseWith(nodegroupRequest, request, "detail.requestParameters", theEventId);
      const { nodegroup } = parseWith(z.object({ nodegroup: z.looseObject({ status: z.string().max(64).optional() }) }), response, responsePath, theEventId);
      return { ...base, nodegroupName, ...(nodegroup.status ? { createdStatus: nodegroup.status } : {}) };
    }
    case "CreateAddon": {
      const { addonName } = parseWith(addonRequest, request, "detail.requestParameters", theEventId);
      const { addon } = parseWith(z.object({ addon: z.looseObject({ status: z.string().max(64).optional() }) }), response, responsePath, theEventId);
      return { ...base, addonName, ...(addon.status ? { createdStatus: addon.status } : {}) };
    }
    case "DeleteCluster":
    case "TagResource":
    case "UntagResource":
      return base;
  }
}

/** Whether the call started a change that EKS completes later (so the live cluster does not show it yet). */
export function startsAsynchronousChange(event: ClusterEvent): boolean {
  if (event.failed || event.eventName === "DeleteCluster") return false;
  return event.updateId !== undefined || event.createdStatus === "CREATING";
}

/**
 * Best-effort log keys of a raw event, before (or without) validation: the event id and, when the request names
 * it, the cluster ARN. Never throws.
 */
export function eventLogKeys(input: unknown): { eventId?: string; clusterArn?: string } {
  const eventId = readableEventId(input);
  try {
    const event = parseClusterEvent(input);
    return { eventId: event.eventId, clusterArn: event.clusterArn };
  } catch {
    return eventId ? { eventId } : {};
  }
}
