// The fleet file: the world the simulator starts with. Shapes are the EKS API's own (a cluster entry is a
// DescribeCluster response plus its node groups, add-ons and insights), so recorded responses can be seeded as
// they are. Validation names the field path of every problem at once.

import { readFile } from "node:fs/promises";
import { ACCOUNT_ID, CLUSTER_NAME, parseClusterArn, REGION, ValidationError } from "@eks-warden/core";
import { validateFaultPlan, type FaultPlan } from "./fault-plan.ts";
import { accessScopeProblem, isKnownAccessPolicy, PRINCIPAL_ARN } from "./eks/access-policies.ts";
import type { IdentitySeed } from "./identity.ts";

export type JsonObject = Record<string, unknown>;

/** Keys of asynchronous work whose duration is configurable: cluster lifecycle, update types, node groups, add-ons. */
export const DURATION_KEYS = [
  "CreateCluster",
  "DeleteCluster",
  "EndpointAccessUpdate",
  "VersionUpdate",
  "LoggingUpdate",
  "ConfigUpdate",
  "CreateNodegroup",
  "NodegroupVersionUpdate",
  "CreateAddon",
  "AddonUpdate",
] as const;
export type DurationKey = (typeof DURATION_KEYS)[number];

const MINUTE = 60_000;
export const DEFAULT_DURATIONS: Readonly<Record<DurationKey, number>> = {
  CreateCluster: 12 * MINUTE,
  DeleteCluster: 8 * MINUTE,
  EndpointAccessUpdate: 10 * MINUTE,
  VersionUpdate: 40 * MINUTE,
  LoggingUpdate: 5 * MINUTE,
  ConfigUpdate: 10 * MINUTE,
  CreateNodegroup: 5 * MINUTE,
  NodegroupVersionUpdate: 20 * MINUTE,
  CreateAddon: 2 * MINUTE,
  AddonUpdate: 2 * MINUTE,
};

export interface FleetClusterEntry {
  /** Defaults to the account in `cluster.arn`, else the fleet's defaultAccount. */
  readonly account?: string;
  /** Defaults to the region in `cluster.arn`, else the fleet's defaultRegion. */
  readonly region?: string;
  /** The `cluster` of a DescribeCluster response. */
  readonly cluster: JsonObject;
  /** `nodegroup` objects of DescribeNodegroup responses. */
  readonly nodegroups?: readonly JsonObject[];
  /** `addon` objects of DescribeAddon responses. */
  readonly addons?: readonly JsonObject[];
  /**
   * Insight objects as DescribeInsight returns them (with recommendation, resources, categorySpecificSummary);
   * ListInsights shows their InsightSummary members.
   */
  readonly insights?: readonly JsonObject[];
  /**
   * AccessEntry objects of DescribeAccessEntry (principalArn required), each with its `accessPolicies`
   * (AssociatedAccessPolicy objects: policyArn, accessScope). Only on a cluster in API or API_AND_CONFIG_MAP mode.
   */
  readonly accessEntries?: readonly JsonObject[];
  /** OidcIdentityProviderConfig objects (identityProviderConfigName, issuerUrl, clientId; status default ACTIVE). */
  readonly identityProviders?: readonly JsonObject[];
}

export interface Fleet {
  readonly _what?: string;
  /** ISO time the virtual clock starts at; default: the real time at start. */
  readonly startTime?: string;
  readonly defaultAccount?: string;
  readonly defaultRegion?: string;
  /** Access key id -> identity. */
  readonly identities?: Readonly<Record<string, IdentitySeed>>;
  readonly clusters?: readonly FleetClusterEntry[];
  /** ClusterVersionInformation objects (DescribeClusterVersions), the same in every region. */
  readonly clusterVersions?: readonly JsonObject[];
  /** AddonInfo objects (DescribeAddonVersions). */
  readonly addonVersions?: readonly JsonObject[];
  /** SSM parameter name -> value, e.g. the AMI release parameters. */
  readonly ssmParameters?: Readonly<Record<string, string>>;
  /** SSM SecureString parameter name -> plain value (e.g. a member account's external id), decrypted only WithDecryption. */
  readonly ssmSecureStrings?: Readonly<Record<string, string>>;
  /** Milliseconds of virtual time each kind of asynchronous work takes. */
  readonly durations?: Partial<Readonly<Record<DurationKey, number>>>;
  /**
   * Where a CloudTrail trail logs management events: EventBridge sees API calls only there.
   * Absent: every account and region has one.
   */
  readonly trails?: readonly { readonly account: string; readonly region: string }[];
  /**
   * The IAM roles that exist (AssumeRole succeeds only into these, with the external id when one is set), e.g. the
   * member accounts' eks-warden roles. Absent: every role exists, so any client can assume anything.
   */
  readonly roles?: readonly FleetRole[];
  /** Faults to inject (docs/faults.md): a seed, and per service (eks) latency, throttling, errors, a rate limit. */
  readonly faults?: Readonly<Record<string, unknown>>;
}

export interface FleetRole {
  readonly arn: string;
  /** The sts:ExternalId the role's trust policy requires; absent: none. */
  readonly externalId?: string;
}

/** A fleet after validation: dates are epoch seconds (the EKS wire format), accounts and regions resolved. */
export interface ValidFleet {
  readonly startTime?: Date;
  readonly defaultAccount: string;
  readonly defaultRegion: string;
  readonly identities: Readonly<Record<string, IdentitySeed>>;
  readonly clusters: readonly (Required<Pick<FleetClusterEntry, "account" | "region">> & {
    readonly cluster: JsonObject;
    readonly nodegroups: readonly JsonObject[];
    readonly addons: readonly JsonObject[];
    readonly insights: readonly JsonObject[];
    /** AccessEntry objects, each with its `accessPolicies` (AssociatedAccessPolicy objects). */
    readonly accessEntries: readonly JsonObject[];
    /** OidcIdentityProviderConfig objects. */
    readonly identityProviders: readonly JsonObject[];
  })[];
  readonly clusterVersions: readonly JsonObject[];
  readonly addonVersions: readonly JsonObject[];
  readonly ssmParameters: Readonly<Record<string, string>>;
  readonly ssmSecureStrings: Readonly<Record<string, string>>;
  readonly durations: Readonly<Record<DurationKey, number>>;
  readonly trails?: readonly { readonly account: string; readonly region: string }[];
  readonly roles?: readonly FleetRole[];
  readonly faults?: FaultPlan;
}

export class FleetError extends ValidationError {}

const TIMESTAMP_KEYS = new Set([
  "createdAt",
  "modifiedAt",
  "releaseDate",
  "endOfStandardSupportDate",
  "endOfExtendedSupportDate",
  "lastRefreshTime",
  "lastTransitionTime",
  // DescribeInsight: categorySpecificSummary.deprecationDetails[].clientStats[].
  "lastRequestTime",
  // Access entries' policies.
  "associatedAt",
]);
const TOP_LEVEL_KEYS = new Set(["_what", "startTime", "defaultAccount", "defaultRegion", "identities", "clusters", "clusterVersions", "addonVersions", "ssmParameters", "ssmSecureStrings", "durations", "trails", "roles", "faults"]);
const CLUSTER_ENTRY_KEYS = new Set(["_what", "account", "region", "cluster", "nodegroups", "addons", "insights", "accessEntries", "identityProviders"]);
const VERSION_STATUSES = new Set(["STANDARD_SUPPORT", "EXTENDED_SUPPORT", "UNSUPPORTED"]);

interface Issue {
  path: string;
  message: string;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Accepts the forms recorded responses use: ISO strings, epoch seconds, and botocore placebo datetime objects. */
export function toEpochSeconds(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string") {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : ms / 1000;
  }
  if (isObject(value) && value["__class__"] === "datetime") {
    const part = (key: string, fallback = 0) => (typeof value[key] === "number" ? (value[key] as number) : fallback);
    const ms = Date.UTC(part("year"), part("month", 1) - 1, part("day", 1), part("hour"), part("minute"), part("second"), Math.round(part("microsecond") / 1000));
    return ms / 1000;
  }
  return undefined;
}

/** Deep copy that turns every known timestamp field into epoch seconds, reporting those that cannot be read. */
function normaliseDates(value: unknown, path: string, issues: Issue[]): unknown {
  if (Array.isArray(value)) return value.map((item, index) => normaliseDates(item, `${path}[${index}]`, issues));
  if (!isObject(value)) return value;
  const copy: JsonObject = {};
  for (const [key, item] of Object.entries(value)) {
    if (TIMESTAMP_KEYS.has(key)) {
      const seconds = toEpochSeconds(item);
      if (seconds === undefined) issues.push({ path: `${path}.${key}`, message: `expected an ISO date, epoch seconds or a datetime object, got ${JSON.stringify(item)}` });
      else copy[key] = seconds;
    } else {
      copy[key] = normaliseDates(item, `${path}.${key}`, issues);
    }
  }
  return copy;
}

const ROLE_ARN = /^arn:aws[\w-]*:iam::\d{12}:role\/(?:.*\/)?[\w+=,.@-]+$/;

function expectString(value: unknown, path: string, issues: Issue[], pattern?: RegExp, what?: string): value is string {
  if (typeof value !== "string" || value.length === 0) {
    issues.push({ path, message: `expected a non-empty string${what ? ` (${what})` : ""}, got ${JSON.stringify(value)}` });
    return false;
  }
  if (pattern && !pattern.test(value)) {
    issues.push({ path, message: `expected ${what ?? `a string matching ${pattern}`}, got "${value}"` });
    return false;
  }
  return true;
}

function validateObjectList(value: unknown, path: string, issues: Issue[], check: (item: JsonObject, itemPath: string) => void): JsonObject[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    issues.push({ path, message: `expected an array, got ${typeof value}` });
    return [];
  }
  const out: JsonObject[] = [];
  value.forEach((item, index) => {
    const itemPath = `${path}[${index}]`;
    if (!isObject(item)) {
      issues.push({ path: itemPath, message: "expected an object" });
      return;
    }
    check(item, itemPath);
    out.push(normaliseDates(item, itemPath, issues) as JsonObject);
  });
  return out;
}

export function isValidCidr(cidr: string): boolean {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (v4) {
    const octets = v4.slice(1, 5).map(Number);
    return octets.every((octet) => octet <= 255) && Number(v4[5]) <= 32;
  }
  const v6 = /^([0-9a-fA-F:]+)\/(\d{1,3})$/.exec(cidr);
  return v6 !== null && v6[1]!.includes(":") && Number(v6[2]) <= 128;
}

function validateVpcConfig(vpc: unknown, path: string, issues: Issue[]): void {
  if (vpc === undefined) return;
  if (!isObject(vpc)) {
    issues.push({ path, message: "expected an object" });
    return;
  }
  for (const flag of ["endpointPublicAccess", "endpointPrivateAccess"]) {
    if (vpc[flag] !== undefined && typeof vpc[flag] !== "boolean") issues.push({ path: `${path}.${flag}`, message: `expected true or false, got ${JSON.stringify(vpc[flag])}` });
  }
  const cidrs = vpc["publicAccessCidrs"];
  if (cidrs !== undefined) {
    if (!Array.isArray(cidrs)) issues.push({ path: `${path}.publicAccessCidrs`, message: "expected an array of CIDR strings" });
    else cidrs.forEach((cidr, index) => {
      if (typeof cidr !== "string" || !isValidCidr(cidr)) issues.push({ path: `${path}.publicAccessCidrs[${index}]`, message: `expected a CIDR such as 203.0.113.0/24, got ${JSON.stringify(cidr)}` });
    });
  }
}

/** Checks a fleet and returns it normalised; throws FleetError listing every problem with its field path. */
export function validateFleet(input: unknown, source = "fleet"): ValidFleet {
  const issues: Issue[] = [];
  if (!isObject(input)) throw new FleetError(`Invalid ${source}`, [{ path: "", message: "expected a JSON object at the top level" }]);
  for (const key of Object.keys(input)) {
    if (!TOP_LEVEL_KEYS.has(key)) issues.push({ path: key, message: `unknown field (expected one of ${[...TOP_LEVEL_KEYS].join(", ")})` });
  }
  const defaultAccount = input["defaultAccount"] ?? "123456789012";
  expectString(defaultAccount, "defaultAccount", issues, ACCOUNT_ID, "a 12-digit AWS account id");
  const defaultRegion = input["defaultRegion"] ?? "us-east-1";
  expectString(defaultRegion, "defaultRegion", issues, REGION, "an AWS region such as eu-west-1");

  let startTime: Date | undefined;
  if (input["startTime"] !== undefined) {
    const ms = typeof input["startTime"] === "string" ? Date.parse(input["startTime"]) : Number.NaN;
    if (Number.isNaN(ms)) issues.push({ path: "startTime", message: `expected an ISO date-time such as 2026-11-29T09:00:00Z, got ${JSON.stringify(input["startTime"])}` });
    else startTime = new Date(ms);
  }

  const identities: Record<string, IdentitySeed> = {};
  if (input["identities"] !== undefined) {
    if (!isObject(input["identities"])) issues.push({ path: "identities", message: "expected an object mapping access key ids to identities" });
    else for (const [accessKeyId, seed] of Object.entries(input["identities"])) {
      const path = `identities.${accessKeyId}`;
      if (!isObject(seed)) {
        issues.push({ path, message: "expected an object with at least an arn" });
        continue;
      }
      if (expectString(seed["arn"], `${path}.arn`, issues, /^arn:aws[\w-]*:(iam|sts)::\d{12}:.+$/, "an IAM or STS ARN such as arn:aws:iam::111111111111:user/alice")) {
        identities[accessKeyId] = seed as unknown as IdentitySeed;
      }
      if (seed["sourceIPAddress"] !== undefined) expectString(seed["sourceIPAddress"], `${path}.sourceIPAddress`, issues);
    }
  }

  const clusters: ValidFleet["clusters"][number][] = [];
  const seen = new Set<string>();
  if (input["clusters"] !== undefined && !Array.isArray(input["clusters"])) issues.push({ path: "clusters", message: "expected an array of { cluster, nodegroups?, addons?, insights?, accessEntries?, identityProviders? }" });
  else (input["clusters"] as unknown[] | undefined ?? []).forEach((entry, index) => {
    const path = `clusters[${index}]`;
    if (!isObject(entry)) {
      issues.push({ path, message: "expected an object { cluster, nodegroups?, addons?, insights? }" });
      return;
    }
    for (const key of Object.keys(entry)) {
      if (!CLUSTER_ENTRY_KEYS.has(key)) issues.push({ path: `${path}.${key}`, message: `unknown field (expected one of ${[...CLUSTER_ENTRY_KEYS].join(", ")})` });
    }
    const cluster = entry["cluster"];
    if (!isObject(cluster)) {
      issues.push({ path: `${path}.cluster`, message: "expected the cluster object of a DescribeCluster response" });
      return;
    }
    if (!expectString(cluster["name"], `${path}.cluster.name`, issues, CLUSTER_NAME, "a cluster name: letters, digits, - and _")) return;
    const name = cluster["name"] as string;
    let account = entry["account"] as string | undefined;
    let region = entry["region"] as string | undefined;
    if (cluster["arn"] !== undefined) {
      // Not String(): an ARN written as {"toString": []} (valid JSON) would make String throw (found by fuzzing).
      const arn = typeof cluster["arn"] === "string" ? parseClusterArn(cluster["arn"]) : undefined;
      if (!arn) issues.push({ path: `${path}.cluster.arn`, message: `expected arn:aws:eks:<region>:<account>:cluster/<name>, got ${JSON.stringify(cluster["arn"])}` });
      else {
        const { region: arnRegion, account: arnAccount, name: arnName } = arn;
        if (arnName !== name) issues.push({ path: `${path}.cluster.arn`, message: `names cluster "${arnName}" but cluster.name is "${name}"` });
        // Compared only when they are text: anything else is refused below by its type, and is never interpolated
        // (an object whose toString is not a function makes a template string throw; found by fuzzing).
        if (typeof account === "string" && account !== arnAccount) issues.push({ path: `${path}.account`, message: `is ${account} but cluster.arn names account ${arnAccount}` });
        if (typeof region === "string" && region !== arnRegion) issues.push({ path: `${path}.region`, message: `is ${region} but cluster.arn names region ${arnRegion}` });
        account ??= arnAccount;
        region ??= arnRegion;
      }
    }
    account ??= defaultAccount as string;
    region ??= defaultRegion as string;
    const validAccount = expectString(account, `${path}.account`, issues, ACCOUNT_ID, "a 12-digit AWS account id");
    const validRegion = expectString(region, `${path}.region`, issues, REGION, "an AWS region such as eu-west-1");
    if (cluster["version"] !== undefined) expectString(cluster["version"], `${path}.cluster.version`, issues, /^\d+\.\d+$/, "a Kubernetes minor version such as 1.31");
    validateVpcConfig(cluster["resourcesVpcConfig"], `${path}.cluster.resourcesVpcConfig`, issues);
    if (cluster["tags"] !== undefined && (!isObject(cluster["tags"]) || Object.values(cluster["tags"]).some((v) => typeof v !== "string"))) {
      issues.push({ path: `${path}.cluster.tags`, message: "expected an object of string values" });
    }
    if (validAccount && validRegion) {
      const key = `${account}/${region}/${name}`;
      if (seen.has(key)) issues.push({ path: `${path}.cluster.name`, message: `duplicate cluster "${name}" in account ${account}, region ${region}` });
      seen.add(key);
    }
    const nodegroups = validateObjectList(entry["nodegroups"], `${path}.nodegroups`, issues, (item, itemPath) => {
      expectString(item["nodegroupName"], `${itemPath}.nodegroupName`, issues);
    });
    const addons = validateObjectList(entry["addons"], `${path}.addons`, issues, (item, itemPath) => {
      expectString(item["addonName"], `${itemPath}.addonName`, issues);
      expectString(item["addonVersion"], `${itemPath}.addonVersion`, issues);
    });
    const insights = validateObjectList(entry["insights"], `${path}.insights`, issues, (item, itemPath) => {
      expectString(item["id"], `${itemPath}.id`, issues);
      expectString(item["name"], `${itemPath}.name`, issues);
      if (item["recommendation"] !== undefined) expectString(item["recommendation"], `${itemPath}.recommendation`, issues);
    });
    // An access entry or identity provider naming another cluster is refused: it would be seeded on a cluster it was not
    // written for (or on none).
    const ownCluster = (item: JsonObject, itemPath: string) => {
      if (item["clusterName"] !== undefined && item["clusterName"] !== name) issues.push({ path: `${itemPath}.clusterName`, message: `names cluster ${JSON.stringify(item["clusterName"])}, which is not this entry's cluster "${name}": list it under that cluster's entry` });
    };
    const accessEntries = validateObjectList(entry["accessEntries"], `${path}.accessEntries`, issues, (item, itemPath) => {
      ownCluster(item, itemPath);
      expectString(item["principalArn"], `${itemPath}.principalArn`, issues, PRINCIPAL_ARN, "an IAM role or user ARN such as arn:aws:iam::111111111111:role/platform-admin");
      if (item["kubernetesGroups"] !== undefined && (!Array.isArray(item["kubernetesGroups"]) || item["kubernetesGroups"].some((group) => typeof group !== "string"))) issues.push({ path: `${itemPath}.kubernetesGroups`, message: "expected an array of group names" });
      const policies = item["accessPolicies"];
      if (policies !== undefined && !Array.isArray(policies)) issues.push({ path: `${itemPath}.accessPolicies`, message: "expected an array of { policyArn, accessScope }" });
      else (policies as unknown[] | undefined ?? []).forEach((policy, policyIndex) => {
        const policyPath = `${itemPath}.accessPolicies[${policyIndex}]`;
        if (!isObject(policy)) return issues.push({ path: policyPath, message: "expected an object { policyArn, accessScope }" });
        if (typeof policy["policyArn"] !== "string" || !isKnownAccessPolicy(policy["policyArn"])) issues.push({ path: `${policyPath}.policyArn`, message: `expected an EKS access policy ARN such as arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy, got ${JSON.stringify(policy["policyArn"])}` });
        const problem = accessScopeProblem(policy["accessScope"]);
        if (problem) issues.push({ path: `${policyPath}.accessScope`, message: problem });
        return undefined;
      });
    });
    const mode = isObject(cluster["accessConfig"]) ? cluster["accessConfig"]["authenticationMode"] : undefined;
    if (accessEntries.length > 0 && mode !== "API" && mode !== "API_AND_CONFIG_MAP") {
      issues.push({ path: `${path}.accessEntries`, message: `cluster.accessConfig.authenticationMode is ${JSON.stringify(mode ?? "CONFIG_MAP")}: EKS keeps access entries only under API or API_AND_CONFIG_MAP` });
    }
    const principals = new Set<string>();
    accessEntries.forEach((item, itemIndex) => {
      if (principals.has(String(item["principalArn"]))) issues.push({ path: `${path}.accessEntries[${itemIndex}].principalArn`, message: `duplicate access entry for ${String(item["principalArn"])}` });
      principals.add(String(item["principalArn"]));
    });
    const identityProviders = validateObjectList(entry["identityProviders"], `${path}.identityProviders`, issues, (item, itemPath) => {
      ownCluster(item, itemPath);
      expectString(item["identityProviderConfigName"], `${itemPath}.identityProviderConfigName`, issues);
      expectString(item["issuerUrl"], `${itemPath}.issuerUrl`, issues, /^https:\/\/\S+$/, "an https issuer URL");
      expectString(item["clientId"], `${itemPath}.clientId`, issues);
    });
    clusters.push({ account, region, cluster: normaliseDates(cluster, `${path}.cluster`, issues) as JsonObject, nodegroups, addons, insights, accessEntries, identityProviders });
  });

  const clusterVersions = validateObjectList(input["clusterVersions"], "clusterVersions", issues, (item, itemPath) => {
    expectString(item["clusterVersion"], `${itemPath}.clusterVersion`, issues, /^\d+\.\d+$/, "a Kubernetes minor version such as 1.31");
    if (!VERSION_STATUSES.has(item["versionStatus"] as string)) {
      issues.push({ path: `${itemPath}.versionStatus`, message: `expected one of ${[...VERSION_STATUSES].join(", ")}, got ${JSON.stringify(item["versionStatus"])}` });
    }
  });
  const addonVersions = validateObjectList(input["addonVersions"], "addonVersions", issues, (item, itemPath) => {
    expectString(item["addonName"], `${itemPath}.addonName`, issues);
    if (!Array.isArray(item["addonVersions"])) issues.push({ path: `${itemPath}.addonVersions`, message: "expected an array of AddonVersionInfo" });
  });

  const ssmParameters = parameterValues(input, "ssmParameters", issues);
  const ssmSecureStrings = parameterValues(input, "ssmSecureStrings", issues);

  const durations: Record<DurationKey, number> = { ...DEFAULT_DURATIONS };
  if (input["durations"] !== undefined) {
    if (!isObject(input["durations"])) issues.push({ path: "durations", message: "expected an object of milliseconds" });
    else for (const [key, value] of Object.entries(input["durations"])) {
      if (!(DURATION_KEYS as readonly string[]).includes(key)) issues.push({ path: `durations.${key}`, message: `unknown duration (expected one of ${DURATION_KEYS.join(", ")})` });
      else if (typeof value !== "number" || !(value >= 0)) issues.push({ path: `durations.${key}`, message: `expected milliseconds >= 0, got ${JSON.stringify(value)}` });
      else durations[key as DurationKey] = value;
    }
  }

  let trails: { account: string; region: string }[] | undefined;
  if (input["trails"] !== undefined) {
    if (!Array.isArray(input["trails"])) issues.push({ path: "trails", message: "expected an array of { account, region }" });
    else trails = input["trails"].flatMap((trail: unknown, index: number) => {
      const path = `trails[${index}]`;
      if (!isObject(trail)) {
        issues.push({ path, message: "expected an object { account, region }" });
        return [];
      }
      const okAccount = expectString(trail["account"], `${path}.account`, issues, ACCOUNT_ID, "a 12-digit AWS account id");
      const okRegion = expectString(trail["region"], `${path}.region`, issues, REGION, "an AWS region such as eu-west-1");
      return okAccount && okRegion ? [{ account: trail["account"] as string, region: trail["region"] as string }] : [];
    });
  }

  let roles: FleetRole[] | undefined;
  if (input["roles"] !== undefined) {
    if (!Array.isArray(input["roles"])) issues.push({ path: "roles", message: "expected an array of { arn, externalId? }" });
    else roles = input["roles"].flatMap((role: unknown, index: number) => {
      const path = `roles[${index}]`;
      if (!isObject(role)) {
        issues.push({ path, message: "expected an object { arn, externalId? }" });
        return [];
      }
      const okArn = expectString(role["arn"], `${path}.arn`, issues, ROLE_ARN, "an IAM role ARN such as arn:aws:iam::222222222222:role/eks-warden-member-read");
      const externalId = role["externalId"];
      if (externalId !== undefined && (typeof externalId !== "string" || externalId.length < 2)) issues.push({ path: `${path}.externalId`, message: `expected a string of 2 or more characters, got ${JSON.stringify(externalId)}` });
      return okArn ? [{ arn: role["arn"] as string, ...(typeof externalId === "string" ? { externalId } : {}) }] : [];
    });
  }

  const faults = input["faults"] === undefined ? undefined : validateFaultPlan(input["faults"], "faults", issues);

  if (issues.length > 0) throw new FleetError(`Invalid ${source}`, issues);
  return {
    ...(startTime ? { startTime } : {}),
    defaultAccount: defaultAccount as string,
    defaultRegion: defaultRegion as string,
    identities,
    clusters,
    clusterVersions,
    addonVersions,
    ssmParameters,
    ssmSecureStrings,
    durations,
    ...(trails ? { trails } : {}),
    ...(roles ? { roles } : {}),
    ...(faults ? { faults } : {}),
  };
}

export async function loadFleetFile(path: string): Promise<ValidFleet> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    throw new FleetError(`Cannot read fleet file ${path}`, [{ path: "", message: (cause as Error).message }], { cause });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new FleetError(`Fleet file ${path} is not JSON`, [{ path: "", message: (cause as Error).message }], { cause });
  }
  return validateFleet(parsed, `fleet file ${path}`);
}

/** A fleet's map of SSM parameter names (starting with /) to string values, at `key`. */
function parameterValues(input: Record<string, unknown>, key: "ssmParameters" | "ssmSecureStrings", issues: { path: string; message: string }[]): Record<string, string> {
  const values: Record<string, string> = {};
  const given = input[key];
  if (given === undefined) return values;
  if (!isObject(given)) {
    issues.push({ path: key, message: "expected an object mapping parameter names to string values" });
    return values;
  }
  for (const [name, value] of Object.entries(given)) {
    if (!name.startsWith("/")) issues.push({ path: `${key}.${name}`, message: "parameter names must start with /" });
    if (typeof value !== "string") issues.push({ path: `${key}.${name}`, message: `expected a string value, got ${JSON.stringify(value)}` });
    else values[name] = value;
  }
  return values;
}
