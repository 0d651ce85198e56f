// DescribeCluster (and DescribeNodegroup, DescribeAddon, DescribeClusterVersions) output, in every form a user has
// it, turned into the plain, validated ClusterSnapshot / VersionCatalogue of model.ts.
//
// Accepted forms, for each call:
// - SDK v3 output: the command output (`{ $metadata, cluster }`) or the inner object, with Date instances;
// - `aws eks describe-cluster` JSON (`{"cluster": {...}}`, ISO 8601 strings), or the inner object;
// - the recording format of test/fixtures (`{"status_code": 200, "data": {"cluster": {...}}}`,
//   `{"__class__": "datetime", ...}` dates). A recording of a failed call is reported as such.
// Anything else throws SnapshotError naming the field path (as written in the input) and what was expected.
//
// Missing fields take AWS's meaning, never a lenient one: no endpointPublicAccess -> public; no
// endpointPrivateAccess -> not private; no publicAccessCidrs with public access on -> ["0.0.0.0/0"]. The snapshot
// records which of them were defaulted.

import * as z from "zod";
import { isValidCidr } from "./cidr.ts";
import { DATE_EXPECTATION, toDate } from "./dates.ts";
import { SnapshotError } from "./errors.ts";
import type {
  AddonSnapshot,
  ClusterIdentity,
  ClusterSnapshot,
  ClusterVersionInfo,
  EndpointAccess,
  NodegroupSnapshot,
  VersionCatalogue,
} from "./model.ts";
import { formatPath, issuesFromZod } from "./zod-issues.ts";

/** The control plane log types EKS knows; a type not switched on in the record is off (AWS's default). */
export const CLUSTER_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"] as const;

/** What AWS applies to a public endpoint created without a CIDR list. */
export const WORLD_CIDRS: readonly string[] = ["0.0.0.0/0"];

/**
 * Where the identity comes from when the record has no `arn`. EKS has always returned the ARN, but hand-made
 * records, intents rebuilt from CloudTrail requests and old exports may lack it. Nothing is guessed: the account
 * must be given; the region is taken from the hint or else from the API endpoint URL
 * (`https://<id>.<x>.<region>.eks.amazonaws.com`); the partition follows the region. When the record does carry
 * an ARN, a hint that contradicts it is an error (the data is not from the account the caller thinks).
 */
export interface IdentityHint {
  /** 12-digit AWS account id. */
  readonly account?: string;
  readonly region?: string;
}

export interface NormaliseClusterOptions {
  /** DescribeNodegroup outputs (any of the accepted forms), one per node group. */
  readonly nodegroups?: readonly unknown[];
  /** DescribeAddon outputs (any of the accepted forms), one per add-on. */
  readonly addons?: readonly unknown[];
  readonly identity?: IdentityHint;
}

type JsonObject = Record<string, unknown>;

/** AWS identifiers, shared with the policy schema. */
export const ACCOUNT_ID = /^\d{12}$/;
export const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;
/** EKS's own rule for cluster names. */
export const CLUSTER_NAME = /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/;
const CLUSTER_ARN = /^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-[a-z]|aws-eusc):eks:([a-z]{2}(?:-[a-z]+)+-\d{1,2}):(\d{12}):cluster\/(.+)$/;
const ENDPOINT_REGION = /\.([a-z]{2}(?:-[a-z]+)+-\d{1,2})\.eks\.amazonaws\.com(?:\.cn)?$/;
const MINOR_VERSION = /^\d{1,4}\.\d{1,4}$/;

function isRecord(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function clip(text: string, length = 80): string {
  return text.length > length ? `${text.slice(0, length - 3)}...` : text;
}

/** A short, single-line rendering of a user value for an error message. */
function show(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return clip(JSON.stringify(value));
  return `a ${typeof value}`;
}

/** `call` is the AWS operation whose output was expected, e.g. "DescribeCluster". */
function fail(call: string, path: string, message: string): never {
  throw new SnapshotError(`invalid ${call} data`, [{ path, message }]);
}

function keysOf(body: JsonObject): string {
  const keys = Object.keys(body).slice(0, 6).map((name) => JSON.stringify(name.slice(0, 40)));
  return keys.length ? `keys ${keys.join(", ")}` : "no keys";
}

const awsDate = z.unknown().transform((value, context) => {
  const date = toDate(value);
  if (date === undefined) {
    context.addIssue({ code: "custom", message: `expected ${DATE_EXPECTATION}, got ${show(value)}` });
    return z.NEVER;
  }
  return date;
});

const minorVersion = z.string().regex(MINOR_VERSION, { error: (issue) => `expected a Kubernetes minor version such as "1.30", got ${show(issue.input)}` });

const cidr = z.string().refine(isValidCidr, { error: (issue) => `${show(issue.input)} is not a valid IPv4 or IPv6 CIDR` });

const clusterSchema = z.object({
  name: z.string().regex(CLUSTER_NAME, {
    error: (issue) => `expected an EKS cluster name (1-100 letters, digits, "-" or "_", starting with a letter or digit), got ${show(issue.input)}`,
  }),
  arn: z.string().optional(),
  status: z.string().min(1, { error: "expected the cluster status, e.g. ACTIVE" }),
  version: minorVersion.optional(),
  platformVersion: z.string().optional(),
  endpoint: z.string().optional(),
  createdAt: awsDate.optional(),
  resourcesVpcConfig: z
    .object({
      endpointPublicAccess: z.boolean().optional(),
      endpointPrivateAccess: z.boolean().optional(),
      publicAccessCidrs: z.array(cidr).optional(),
    })
    .optional(),
  logging: z
    .object({
      clusterLogging: z.array(z.object({ types: z.array(z.string()), enabled: z.boolean() })).optional(),
    })
    .optional(),
  upgradePolicy: z.object({ supportType: z.enum(["STANDARD", "EXTENDED"]).optional() }).optional(),
  tags: z.record(z.string(), z.string()).optional(),
});

const nodegroupSchema = z.object({
  nodegroupName: z.string().min(1, { error: "expected the node group name" }),
  nodegroupArn: z.string().optional(),
  clusterName: z.string().optional(),
  status: z.string().optional(),
  version: minorVersion.optional(),
  releaseVersion: z.string().optional(),
  amiType: z.string().optional(),
  launchTemplate: z.object({ id: z.string().optional(), name: z.string().optional(), version: z.string().optional() }).optional(),
});

const addonSchema = z.object({
  addonName: z.string().min(1, { error: "expected the add-on name" }),
  addonVersion: z.string().min(1, { error: "expected the add-on version, e.g. v1.19.0-eksbuild.1" }),
  clusterName: z.string().optional(),
  status: z.string().optional(),
  health: z
    .object({ issues: z.array(z.object({ code: z.string().optional(), message: z.string().optional() })).optional() })
    .optional(),
});

const SUPPORT_STATUSES = ["STANDARD_SUPPORT", "EXTENDED_SUPPORT", "UNSUPPORTED"] as const;

const clusterVersionSchema = z.object({
  clusterVersion: minorVersion,
  // versionStatus is the current field; the older `status` used "standard-support" and is read only as a fallback.
  versionStatus: z.enum(SUPPORT_STATUSES).optional(),
  status: z
    .string()
    .transform((text) => text.toUpperCase().replaceAll("-", "_"))
    .pipe(z.enum(SUPPORT_STATUSES))
    .optional(),
  defaultVersion: z.boolean().optional(),
  releaseDate: awsDate.optional(),
  endOfStandardSupportDate: awsDate.optional(),
  endOfExtendedSupportDate: awsDate.optional(),
});

const catalogueSchema = z.object({
  clusterVersions: z.array(clusterVersionSchema),
  nextToken: z
    .string()
    .nullable()
    .optional()
    .refine((token) => !token, { error: "expected no nextToken: this is one page of the catalogue; read every page and pass them merged" }),
});

function parse<T extends z.ZodType>(schema: T, value: unknown, what: string, prefix: string): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw new SnapshotError(`invalid ${what} data`, issuesFromZod(result.error, prefix));
  return result.data;
}

interface Located {
  readonly body: JsonObject;
  /** Where `body` sits in the input, e.g. "data.cluster". */
  readonly path: string;
}

/**
 * Peels a response envelope (recording, SDK/CLI output) off a resource object. `key` is the response member
 * (cluster, nodegroup, addon); `marker` the fields that make an object recognisably that resource: any one of
 * them in a group (`a+b` needs both), so that some other JSON with a "name" is not mistaken for a cluster.
 */
function locate(input: unknown, what: string, key: string, marker: string, prefix: string): Located {
  if (!isRecord(input)) fail(what, prefix, `expected a JSON object, got ${show(input)}`);
  let body = input;
  let path = prefix;
  if ("status_code" in body && "data" in body) {
    body = unwrapRecording(body, what, path);
    path = formatPath(["data"], path);
  }
  if (key in body) {
    const inner = body[key];
    const innerPath = formatPath([key], path);
    if (!isRecord(inner)) fail(what, innerPath, `expected an object, got ${show(inner)}`);
    return { body: inner, path: innerPath };
  }
  const groups = marker.split(" ").map((group) => group.split("+"));
  if (groups.some((group) => group.every((field) => field in body))) return { body, path };
  const markers = groups.map((group) => group.map((field) => `"${field}"`).join(" and ")).join(" or ");
  return fail(what, path, `expected a ${what} response ({"${key}": {...}}) or the ${key} object itself (with ${markers}), got an object with ${keysOf(body)}`);
}

/** The `data` of a `{status_code, data}` recording; a recorded failure becomes an error that says what failed. */
function unwrapRecording(recording: JsonObject, what: string, path: string): JsonObject {
  const status = recording.status_code;
  const data = recording.data;
  if (typeof status !== "number") fail(what, formatPath(["status_code"], path), `expected an HTTP status number, got ${show(status)}`);
  if (status < 200 || status > 299) {
    const error = isRecord(data) && isRecord(data.Error) ? data.Error : {};
    const detail = clip([error.Code, error.Message].filter((part) => typeof part === "string").join(": ").replace(/\s+/g, " "));
    fail(what, formatPath(["status_code"], path), `the recorded call failed with HTTP ${status}${detail ? ` (${detail})` : ""}; expected a successful response`);
  }
  if (!isRecord(data)) fail(what, formatPath(["data"], path), `expected the response object, got ${show(data)}`);
  return data;
}

export function parseClusterArn(arn: string): (ClusterIdentity & { partition: string }) | undefined {
  const match = CLUSTER_ARN.exec(arn);
  if (!match) return undefined;
  const [, partition, region, account, name] = match as unknown as [string, string, string, string, string];
  return CLUSTER_NAME.test(name) ? { arn, partition, region, account, name } : undefined;
}

function partitionOf(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}

function resolveIdentity(record: z.output<typeof clusterSchema>, hint: IdentityHint | undefined, what: string, path: string): ClusterIdentity {
  const at = (field: string) => formatPath([field], path);
  if (hint?.account !== undefined && !ACCOUNT_ID.test(hint.account)) {
    fail(what, "identity.account", `expected a 12-digit AWS account id, got ${show(hint.account)}`);
  }
  if (hint?.region !== undefined && !REGION.test(hint.region)) {
    fail(what, "identity.region", `expected an AWS region such as "eu-west-1", got ${show(hint.region)}`);
  }
  if (record.arn !== undefined) {
    const identity = parseClusterArn(record.arn);
    if (!identity) fail(what, at("arn"), `expected an EKS cluster ARN (arn:<partition>:eks:<region>:<account>:cluster/<name>), got ${show(record.arn)}`);
    if (identity.name !== record.name) {
      fail(what, at("name"), `${show(record.name)} differs from the name in the ARN (${show(identity.name)}); expected the two to agree`);
    }
    if (hint?.account !== undefined && hint.account !== identity.account) {
      fail(what, at("arn"), `the ARN's account ${identity.account} differs from the expected account ${hint.account}`);
    }
    if (hint?.region !== undefined && hint.region !== identity.region) {
      fail(what, at("arn"), `the ARN's region ${identity.region} differs from the expected region ${hint.region}`);
    }
    return { arn: identity.arn, account: identity.account, region: identity.region, name: identity.name };
  }

  if (hint?.account === undefined) {
    fail(what, at("arn"), "missing; expected the cluster ARN, or an account id to build it from (identity hint, CLI --account)");
  }
  const endpointRegion = record.endpoint === undefined ? undefined : ENDPOINT_REGION.exec(record.endpoint.replace(/\/+$/, ""))?.[1];
  if (hint.region !== undefined && endpointRegion !== undefined && hint.region !== endpointRegion) {
    fail(what, at("endpoint"), `the endpoint is in ${endpointRegion}, not in the expected region ${hint.region}`);
  }
  const region = hint.region ?? endpointRegion;
  if (region === undefined) {
    fail(what, at("arn"), "missing, and the region cannot be read from the endpoint URL; expected the ARN or a region (identity hint, CLI --region)");
  }
  return {
    arn: `arn:${partitionOf(region)}:eks:${region}:${hint.account}:cluster/${record.name}`,
    account: hint.account,
    region,
    name: record.name,
  };
}

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

/** One DescribeNodegroup output. `prefix` names where it sits in the caller's input, for error paths. */
export function normaliseNodegroup(input: unknown, prefix = ""): NodegroupSnapshot & { clusterName?: string } {
  const what = "DescribeNodegroup";
  const { body, path } = locate(input, what, "nodegroup", "nodegroupName", prefix);
  const record = parse(nodegroupSchema, body, what, path);
  const launchTemplate = record.launchTemplate;
  return {
    name: record.nodegroupName,
    ...(record.nodegroupArn !== undefined && { arn: record.nodegroupArn }),
    ...(record.clusterName !== undefined && { clusterName: record.clusterName }),
    ...(record.status !== undefined && { status: record.status }),
    ...(record.version !== undefined && { version: record.version }),
    ...(record.releaseVersion !== undefined && { releaseVersion: record.releaseVersion }),
    ...(record.amiType !== undefined && { amiType: record.amiType }),
    ...(launchTemplate !== undefined && {
      launchTemplate: {
        ...(launchTemplate.id !== undefined && { id: launchTemplate.id }),
        ...(launchTemplate.name !== undefined && { name: launchTemplate.name }),
        ...(launchTemplate.version !== undefined && { version: launchTemplate.version }),
      },
    }),
  };
}

/** One DescribeAddon output. */
export function normaliseAddon(input: unknown, prefix = ""): AddonSnapshot & { clusterName?: string } {
  const what = "DescribeAddon";
  const { body, path } = locate(input, what, "addon", "addonName", prefix);
  const record = parse(addonSchema, body, what, path);
  return {
    name: record.addonName,
    version: record.addonVersion,
    ...(record.clusterName !== undefined && { clusterName: record.clusterName }),
    ...(record.status !== undefined && { status: record.status }),
    healthIssues: (record.health?.issues ?? []).map((issue) => ({
      ...(issue.code !== undefined && { code: issue.code }),
      ...(issue.message !== undefined && { message: issue.message }),
    })),
  };
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
  };
}

/**
 * DescribeClusterVersions output -> VersionCatalogue. Accepts the SDK/CLI output (`{clusterVersions: [...]}`), a
 * recording of it, or the bare array. `retrievedAt` is when the caller read it (the data does not say).
 */
export function normaliseVersionCatalogue(input: unknown, options: { retrievedAt?: Date } = {}): VersionCatalogue {
  const what = "DescribeClusterVersions";
  let body: unknown = input;
  let path = "";
  if (isRecord(body) && "status_code" in body && "data" in body) {
    body = unwrapRecording(body, what, path);
    path = "data";
  }
  if (Array.isArray(body)) body = { clusterVersions: body };
  if (!isRecord(body) || !("clusterVersions" in body)) {
    const got = isRecord(body) ? `an object with ${keysOf(body)}` : show(body);
    fail(what, path, `expected a DescribeClusterVersions response ({"clusterVersions": [...]}) or its array, got ${got}`);
  }
  const record = parse(catalogueSchema, body, what, path);
  const versions = record.clusterVersions.map((entry, index): ClusterVersionInfo => {
    const status = entry.versionStatus ?? entry.status;
    if (status === undefined) {
      fail(what, formatPath(["clusterVersions", index, "versionStatus"], path), `missing; expected one of ${SUPPORT_STATUSES.join(", ")}`);
    }
    return {
      version: entry.clusterVersion,
      status,
      ...(entry.releaseDate !== undefined && { releaseDate: entry.releaseDate }),
      ...(entry.endOfStandardSupportDate !== undefined && { endOfStandardSupportDate: entry.endOfStandardSupportDate }),
      ...(entry.endOfExtendedSupportDate !== undefined && { endOfExtendedSupportDate: entry.endOfExtendedSupportDate }),
      ...(entry.defaultVersion !== undefined && { defaultVersion: entry.defaultVersion }),
    };
  });
  return { versions, ...(options.retrievedAt !== undefined && { retrievedAt: options.retrievedAt }) };
}
