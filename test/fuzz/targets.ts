// Every parser a user or an attacker can feed, as a FuzzTarget (harness.ts): what it accepts must mean what it says,
// and what it refuses is refused with the module's documented error. A parser added to the product gets a row here.
import { mkdtempSync, readFileSync, writeFileSync, cpSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import assert from "node:assert/strict";
import fc from "fast-check";
import { parseCidr, type Cidr } from "../../packages/core/src/cidr.ts";
import { CidrError, PolicyError, SnapshotError, ValidationError } from "../../packages/core/src/errors.ts";
import { EventRejected, HANDLED_CLUSTER_EVENTS, parseClusterEvent, type ClusterEvent, type ClusterEventName } from "../../packages/core/src/events/cloudtrail.ts";
import { parseExemptionTag } from "../../packages/core/src/exemptions.ts";
import { evaluate } from "../../packages/core/src/engine.ts";
import { parseQueueMessage, SettleMessageInvalid } from "../../packages/core/src/pipeline/settle.ts";
import { parsePolicy } from "../../packages/core/src/policy.ts";
import { normaliseAddon, normaliseCluster, normaliseNodegroup, normaliseVersionCatalogue } from "../../packages/core/src/snapshot.ts";
import { readDeadLetter } from "../../packages/core/src/tamper/dead-letter.ts";
import { readTamperCall } from "../../packages/core/src/tamper/notice.ts";
import type { ClusterSnapshot, Policy } from "../../packages/core/src/model.ts";
import { JsonSyntaxError, parseJsonWithPositions } from "../../packages/cli/src/scenario/json-positions.ts";
import { loadScenario, ScenarioError } from "../../packages/cli/src/scenario/loader.ts";
import { FleetError, validateFleet } from "../../packages/simulator/src/fleet.ts";
import { parseSigV4Authorization } from "../../packages/simulator/src/identity.ts";
import { parseDeploymentConfig } from "../../stacks/config.ts";
import { eventBridgeEnvelope, fixturePath, readCloudTrailRecord, CREATE_CLUSTER_OPEN_WORLD, UPDATE_CLUSTER_CONFIG_PRIVATE } from "../fixtures/index.ts";
import { desiredStateFile } from "./desired-target.ts";
import { hostileValue, mutations, type FuzzTarget } from "./harness.ts";

const REPOSITORY = fileURLDir("../../");
function fileURLDir(relative: string): string {
  return new URL(relative, import.meta.url).pathname;
}

// ---------------------------------------------------------------------------------------------------------------
// Shared generators
const account = fc.stringMatching(/^\d{12}$/);
const region = fc.constantFrom("us-east-1", "eu-west-1", "eu-central-1", "ap-northeast-2", "us-gov-west-1", "cn-north-1");
const clusterName = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/);
const eventId = fc.uuid();
const isoTime = fc.date({ min: new Date("2018-01-01T00:00:00Z"), max: new Date("2030-12-31T00:00:00Z"), noInvalidDate: true }).map((date) => date.toISOString());
const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((parts) => parts.join("."));
const ipv4Cidr = fc.tuple(ipv4, fc.integer({ min: 0, max: 32 })).map(([address, prefix]) => `${address}/${prefix}`);
const ipv6Cidr = fc.tuple(fc.array(fc.nat(0xffff), { minLength: 8, maxLength: 8 }), fc.integer({ min: 0, max: 128 })).map(([groups, prefix]) => `${groups.map((group) => group.toString(16)).join(":")}/${prefix}`);
const cidr = fc.oneof(ipv4Cidr, ipv6Cidr);
/** What an allowlist may hold: network blocks (no host bits set) other than the whole internet, which the policy refuses. */
const allowlistCidr = fc.oneof(
  fc.tuple(fc.nat(0xffffffff), fc.integer({ min: 1, max: 32 })).map(([address, prefix]) => {
    const network = Number((BigInt(address) >> BigInt(32 - prefix)) << BigInt(32 - prefix));
    return `${[24, 16, 8, 0].map((shift) => (network >>> shift) & 0xff).join(".")}/${prefix}`;
  }),
  fc.tuple(fc.array(fc.nat(0xffff), { minLength: 8, maxLength: 8 }), fc.integer({ min: 1, max: 8 })).map(([groups, kept]) => `${groups.map((group, index) => (index < kept ? group : 0).toString(16)).join(":")}/${kept * 16}`),
);
const freeText = fc.string({ unit: "grapheme", maxLength: 300 });
const roleArn = fc.tuple(account, fc.stringMatching(/^[A-Za-z0-9+=,.@_-]{1,64}$/)).map(([id, role]) => `arn:aws:iam::${id}:role/${role}`);

/** A value as JSON text, as a file or a queue message holds it: what JSON cannot hold (BigInt) is written as text. */
function asFileText(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => (typeof inner === "bigint" ? inner.toString() : inner)) ?? String(value);
}

/** What a hostile value becomes once it has been JSON (a file, an event, a queue message): BigInt as text, undefined as null. */
function viaJson(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_key, inner: unknown) => (typeof inner === "bigint" ? inner.toString() : inner)) ?? "null") as unknown;
}

function partitionOf(regionName: string): string {
  return regionName.startsWith("cn-") ? "aws-cn" : regionName.startsWith("us-gov-") ? "aws-us-gov" : "aws";
}
function clusterArn(regionName: string, accountId: string, name: string): string {
  return `arn:${partitionOf(regionName)}:eks:${regionName}:${accountId}:cluster/${name}`;
}

// ---------------------------------------------------------------------------------------------------------------
// CloudTrail events: one request/response shape per handled call, so that a call added to names.ts without a
// generator here fails to compile.
interface CallShape {
  readonly request: Record<string, unknown>;
  readonly response?: Record<string, unknown>;
}
type CallSeed = { readonly arn: string; readonly name: string; readonly publicAccess: boolean; readonly cidrs: readonly string[]; readonly updateId: string; readonly child: string; readonly grantee: string; readonly namespaced: boolean };
const CALL_SHAPES: Readonly<Record<ClusterEventName, (seed: CallSeed) => CallShape>> = {
  CreateCluster: ({ name, arn, publicAccess, cidrs }) => ({
    request: { name, resourcesVpcConfig: { endpointPublicAccess: publicAccess, publicAccessCidrs: cidrs }, tags: { team: "platform" } },
    response: { cluster: { name, arn, status: "CREATING", resourcesVpcConfig: { endpointPublicAccess: publicAccess, endpointPrivateAccess: !publicAccess, publicAccessCidrs: cidrs }, createdAt: 1_700_000_000 } },
  }),
  UpdateClusterConfig: ({ name, publicAccess, cidrs, updateId }) => ({
    request: { name, resourcesVpcConfig: { endpointPublicAccess: publicAccess, publicAccessCidrs: cidrs } },
    response: { update: { id: updateId, status: "InProgress", type: "EndpointAccessUpdate", params: [{ type: "EndpointPublicAccess", value: String(publicAccess) }, { type: "PublicAccessCidrs", value: JSON.stringify(cidrs) }] } },
  }),
  UpdateClusterVersion: ({ name, updateId }) => ({ request: { name, version: "1.33" }, response: { update: { id: updateId, status: "InProgress", type: "VersionUpdate" } } }),
  DeleteCluster: ({ name }) => ({ request: { name } }),
  TagResource: ({ arn }) => ({ request: { resourceArn: arn, tags: { team: "platform" } } }),
  UntagResource: ({ arn }) => ({ request: { resourceArn: arn, tagKeys: ["team"] } }),
  CreateNodegroup: ({ name, child }) => ({ request: { name, nodegroupName: child }, response: { nodegroup: { nodegroupName: child, status: "CREATING" } } }),
  UpdateNodegroupVersion: ({ name, child, updateId }) => ({ request: { name, nodegroupName: child }, response: { update: { id: updateId, status: "InProgress" } } }),
  CreateAddon: ({ name, child }) => ({ request: { name, addonName: child }, response: { addon: { addonName: child, status: "CREATING" } } }),
  UpdateAddon: ({ name, child, updateId }) => ({ request: { name, addonName: child }, response: { update: { id: updateId, status: "InProgress" } } }),
  CreateAccessEntry: ({ name, grantee }) => ({ request: { name, principalArn: grantee, kubernetesGroups: ["viewers"] }, response: { accessEntry: { principalArn: grantee } } }),
  UpdateAccessEntry: ({ name, grantee }) => ({ request: { name, principalArn: grantee, kubernetesGroups: ["editors"] } }),
  DeleteAccessEntry: ({ name, grantee }) => ({ request: { name, principalArn: grantee } }),
  AssociateAccessPolicy: ({ name, grantee, namespaced }) => ({
    request: { name, principalArn: grantee, policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy", accessScope: namespaced ? { type: "namespace", namespaces: ["team-a"] } : { type: "cluster" } },
  }),
  DisassociateAccessPolicy: ({ name, grantee }) => ({ request: { name, principalArn: grantee, policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy" } }),
  AssociateIdentityProviderConfig: ({ name, child, updateId }) => ({
    request: { name, oidc: { identityProviderConfigName: child, issuerUrl: "https://example.okta.com", clientId: "kubernetes" } },
    response: { update: { id: updateId, status: "InProgress", type: "AssociateIdentityProviderConfig" } },
  }),
  DisassociateIdentityProviderConfig: ({ name, child, updateId }) => ({
    request: { name, identityProviderConfig: { type: "oidc", name: child } },
    response: { update: { id: updateId, status: "InProgress", type: "DisassociateIdentityProviderConfig" } },
  }),
};

const validCloudTrailEvent: fc.Arbitrary<Record<string, unknown>> = fc
  .record({
    eventName: fc.constantFrom(...HANDLED_CLUSTER_EVENTS),
    eventId,
    account,
    region,
    name: clusterName,
    publicAccess: fc.boolean(),
    cidrs: fc.array(ipv4Cidr, { minLength: 1, maxLength: 5 }),
    updateId: eventId,
    child: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/),
    eventTime: isoTime,
    sourceIp: fc.oneof(ipv4, fc.constantFrom("eks.amazonaws.com", "AWS Internal")),
    userAgent: freeText,
    actorArn: roleArn,
    grantee: roleArn,
    namespaced: fc.boolean(),
    failed: fc.boolean(),
  })
  .map((seed) => {
    const arn = clusterArn(seed.region, seed.account, seed.name);
    const shape = CALL_SHAPES[seed.eventName]({ ...seed, arn });
    const detail: Record<string, unknown> = {
      eventVersion: "1.09",
      userIdentity: { type: "AssumedRole", arn: seed.actorArn, principalId: "AROAEXAMPLE:session", accountId: seed.account },
      eventTime: seed.eventTime,
      eventSource: "eks.amazonaws.com",
      eventName: seed.eventName,
      awsRegion: seed.region,
      sourceIPAddress: seed.sourceIp,
      userAgent: seed.userAgent,
      requestParameters: shape.request,
      responseElements: seed.failed ? null : (shape.response ?? null),
      eventID: seed.eventId,
      recipientAccountId: seed.account,
      ...(seed.failed && { errorCode: "AccessDeniedException", errorMessage: "not authorized" }),
    };
    return eventBridgeEnvelope(detail);
  });

const recordedEvents = fc.constantFrom(CREATE_CLUSTER_OPEN_WORLD, UPDATE_CLUSTER_CONFIG_PRIVATE).map((file) => eventBridgeEnvelope(readCloudTrailRecord(file)));

function detailOf(input: unknown): Record<string, unknown> {
  return (input as { detail: Record<string, unknown> }).detail;
}

/** The endpoint settings an UpdateClusterConfig or CreateCluster event literally states, field by field. */
function statedPublicAccess(input: unknown): unknown[] {
  const detail = detailOf(input);
  const stated: unknown[] = [];
  const request = detail["requestParameters"] as Record<string, unknown> | null | undefined;
  stated.push((request?.["resourcesVpcConfig"] as Record<string, unknown> | undefined)?.["endpointPublicAccess"]);
  const response = detail["responseElements"] as Record<string, unknown> | null | undefined;
  const params = (response?.["update"] as { params?: { type?: unknown; value?: unknown }[] } | undefined)?.params;
  for (const param of Array.isArray(params) ? params : []) if (param?.type === "EndpointPublicAccess") stated.push(param.value === "true" ? true : param.value === "false" ? false : param.value);
  stated.push(((response?.["cluster"] as Record<string, unknown> | undefined)?.["resourcesVpcConfig"] as Record<string, unknown> | undefined)?.["endpointPublicAccess"]);
  return stated;
}

function endpointIntent(event: ClusterEvent): boolean | undefined {
  const intent = event.intent;
  if (!intent) return undefined;
  if (intent.kind === "endpoint-update") return intent.resourcesVpcConfig.endpointPublicAccess;
  return (intent.cluster["resourcesVpcConfig"] as { endpointPublicAccess?: boolean } | undefined)?.endpointPublicAccess;
}

const cloudTrailEvent: FuzzTarget = {
  name: "CloudTrail event (envelope and each call's parser)",
  parse: (input) => parseClusterEvent(input),
  errors: [EventRejected],
  valid: fc.oneof(validCloudTrailEvent, recordedEvents),
  meansWhatItSays: (input, output) => {
    const detail = detailOf(input);
    const event = output as ClusterEvent;
    assert.equal(event.eventId, detail["eventID"]);
    assert.equal(event.eventName, detail["eventName"]);
    assert.equal(event.region, detail["awsRegion"]);
    assert.equal(event.actor.arn, (detail["userIdentity"] as { arn: string }).arn);
    assert.equal(event.eventTime.getTime(), Date.parse(detail["eventTime"] as string));
    assert.equal(event.failed !== undefined, detail["errorCode"] !== undefined);
    const intended = endpointIntent(event);
    if (intended !== undefined) assert.ok((statedPublicAccess(input)).includes(intended));
  },
  hostile: fc.oneof(mutations(fc.oneof(validCloudTrailEvent, recordedEvents)), hostileValue).map(viaJson),
  noFalseClaim: (input, output) => {
    // An event read from a damaged record names what the record named, and its intent is one the record stated.
    const event = output as ClusterEvent;
    assert.equal(event.eventId, detailOf(input)["eventID"]);
    const intended = endpointIntent(event);
    if (intended !== undefined) assert.ok((statedPublicAccess(input)).includes(intended));
  },
};

// ---------------------------------------------------------------------------------------------------------------
// DescribeCluster and friends, from the real recordings (Cloud Custodian's placebo format) and generated records.
function recorded(name: string): Record<string, unknown> {
  const { ResponseMetadata: _metadata, ...response } = (JSON.parse(readFileSync(fixturePath(`eks/${name}`), "utf8")) as { data: Record<string, unknown> }).data;
  return response;
}
const CLUSTER_RECORDINGS = ["DescribeCluster.2018-no-endpoint-fields.json", "DescribeCluster.2019-no-cidrs.json", "DescribeCluster.private-only.json", "DescribeCluster.public-and-private.active.json", "DescribeCluster.public-only.open-world.json", "DescribeCluster.v1-35.modern-fields.json"].map((name) => recorded(name)["cluster"] as Record<string, unknown>);

const generatedCluster = fc
  .record({ name: clusterName, account, region, publicAccess: fc.option(fc.boolean(), { nil: undefined }), privateAccess: fc.option(fc.boolean(), { nil: undefined }), cidrs: fc.option(fc.array(cidr, { maxLength: 6 }), { nil: undefined }), version: fc.constantFrom("1.29", "1.30", "1.33", "1.35"), tags: fc.dictionary(fc.stringMatching(/^[a-z:]{1,20}$/), fc.string({ maxLength: 40 }), { maxKeys: 4 }) })
  .map(({ name, account: accountId, region: regionName, publicAccess, privateAccess, cidrs, version, tags }) => ({
    name,
    arn: clusterArn(regionName, accountId, name),
    status: "ACTIVE",
    version,
    resourcesVpcConfig: { ...(publicAccess !== undefined && { endpointPublicAccess: publicAccess }), ...(privateAccess !== undefined && { endpointPrivateAccess: privateAccess }), ...(cidrs !== undefined && { publicAccessCidrs: cidrs }) },
    tags,
  }));
const clusterRecord = fc.oneof(fc.constantFrom(...CLUSTER_RECORDINGS), generatedCluster);

const DEFAULT_POLICY: Policy = parsePolicy({});
const vpcOf = (input: unknown) => ((input as Record<string, unknown>)["resourcesVpcConfig"] ?? {}) as Record<string, unknown>;

const describeCluster: FuzzTarget = {
  name: "DescribeCluster normaliser",
  parse: (input) => normaliseCluster(input),
  errors: [SnapshotError],
  valid: clusterRecord,
  meansWhatItSays: (input, output) => {
    const snapshot = output as ClusterSnapshot;
    const vpc = vpcOf(input);
    assert.equal(snapshot.name, (input as { name: string }).name);
    // AWS's meanings of what is left out: public on, private off, open to the world.
    assert.equal(snapshot.endpoint.publicAccess, vpc["endpointPublicAccess"] ?? true);
    assert.equal(snapshot.endpoint.privateAccess, vpc["endpointPrivateAccess"] ?? false);
    if (snapshot.endpoint.publicAccess && vpc["publicAccessCidrs"] === undefined) assert.deepEqual(snapshot.endpoint.publicAccessCidrs, ["0.0.0.0/0"]);
  },
  hostile: fc.oneof(mutations(clusterRecord), hostileValue),
  noFalseClaim: (input, output) => {
    // A record damaged anywhere may still be read, but never as more private than it literally says.
    const snapshot = output as ClusterSnapshot;
    const vpc = vpcOf(input);
    if (!snapshot.endpoint.publicAccess) assert.equal(vpc["endpointPublicAccess"], false);
    const findings = evaluate(snapshot, DEFAULT_POLICY, { now: new Date("2026-12-07T00:00:00Z") });
    const publicAccess = findings.find((finding) => finding.ruleId === "endpoint-public-access");
    if (publicAccess?.status === "PASS") assert.equal(vpc["endpointPublicAccess"], false);
  },
};

function recordNormaliser(name: string, normalise: (input: unknown) => { readonly name?: string; readonly versions?: unknown }, recordings: Record<string, unknown>[], nameOf: (record: Record<string, unknown>) => unknown): FuzzTarget {
  const samples = fc.constantFrom(...recordings);
  return {
    name,
    parse: (input) => normalise(input),
    errors: [SnapshotError],
    valid: samples,
    meansWhatItSays: (input, output) => {
      const expected = nameOf(input as Record<string, unknown>);
      if (expected !== undefined) assert.equal((output as { name?: string }).name, expected);
    },
    hostile: fc.oneof(mutations(samples), hostileValue),
  };
}

// The nodegroup recording is an error reply, so node groups are built in DescribeNodegroup's shape.
const NODEGROUPS = ["1.29", "1.33"].map((version, index) => ({
  nodegroupName: `workers-${index}`,
  nodegroupArn: `arn:aws:eks:eu-west-1:111122223333:nodegroup/prod/workers-${index}/0ac1b2c3-d4e5-f607-1829-3a4b5c6d7e8f`,
  clusterName: "prod",
  version,
  releaseVersion: `${version}.0-20240917`,
  status: "ACTIVE",
  amiType: index ? "AL2023_x86_64_STANDARD" : "AL2_x86_64",
  launchTemplate: { id: "lt-0123456789abcdef0", name: "workers", version: "3" },
}));
const describeNodegroup = recordNormaliser("DescribeNodegroup normaliser", normaliseNodegroup, NODEGROUPS, (record) => record["nodegroupName"]);
const describeAddon = recordNormaliser("DescribeAddon normaliser", normaliseAddon, [recorded("DescribeAddon.1.json")["addon"] as Record<string, unknown>, recorded("DescribeAddon.2.json")["addon"] as Record<string, unknown>], (record) => record["addonName"]);
const clusterVersions: FuzzTarget = {
  name: "DescribeClusterVersions normaliser",
  parse: (input) => normaliseVersionCatalogue(input),
  errors: [SnapshotError],
  valid: fc.constant(recorded("DescribeClusterVersions.json")),
  meansWhatItSays: (input, output) => {
    const listed = ((input as { clusterVersions: { clusterVersion: string }[] }).clusterVersions ?? []).map((entry) => entry.clusterVersion);
    assert.deepEqual((output as { versions: { version: string }[] }).versions.map((entry) => entry.version).sort(), [...listed].sort());
  },
  hostile: fc.oneof(mutations(fc.constant(recorded("DescribeClusterVersions.json"))), hostileValue),
};

// ---------------------------------------------------------------------------------------------------------------
// The exemption tag: AWS tag values are strings, so hostile input is any string.
const ruleId = fc.array(fc.stringMatching(/^[a-z0-9]{1,8}$/), { minLength: 1, maxLength: 3 }).map((words) => words.join("-"));
const day = fc.date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2099-12-31T00:00:00Z"), noInvalidDate: true }).map((date) => date.toISOString().slice(0, 10));
const reasonText = fc.stringMatching(/^[A-Za-z0-9+\-=._:/@][A-Za-z0-9 +\-=._:/@]{0,80}[A-Za-z0-9+\-=._:/@]$/);
const validTag = fc.record({ rules: fc.uniqueArray(ruleId, { minLength: 1, maxLength: 4 }), until: day, reason: reasonText });

/** parseExemptionTag reports problems as values; the harness reads them as this refusal. */
class TagRefused extends Error {}

const exemptionTag: FuzzTarget = {
  name: "exemption tag (eks-warden:exempt)",
  parse: (input) => {
    const parsed = parseExemptionTag(input as string);
    if (!parsed.ok) throw new TagRefused(parsed.problem);
    return parsed.exemption;
  },
  errors: [TagRefused],
  valid: validTag.map(({ rules, until, reason }) => `${rules.join(" ")} until=${until} reason=${reason}`),
  meansWhatItSays: (input, output) => {
    const text = input as string;
    const grant = output as { rules: string[]; until: string; reason: string };
    assert.equal(text.startsWith(grant.rules.join(" ")), true);
    assert.ok((text).includes(`until=${grant.until}`));
    assert.equal(text.endsWith(`reason=${grant.reason}`), true);
  },
  hostile: fc.oneof(fc.string({ unit: "binary", maxLength: 400 }), fc.string({ maxLength: 400 }), validTag.chain(({ rules, until, reason }) => fc.constantFrom(`${rules.join(" ")} reason=${reason}`, `${rules.join(" ")} until=${until}`, `until=${until} ${rules.join(" ")} reason=${reason}`, `${rules.join(" ")} until=${until} until=${until} reason=${reason}`, `${rules.join(" ")} until=${until}x reason=${reason}`, `${rules.join(" ")} until=${until} reason=${reason}\u0000`))),
  noFalseClaim: (input, output) => {
    // What is accepted is a whole exemption: rule ids, a real day and a reason, all said in the text.
    const grant = output as { rules: string[]; until: string; reason: string };
    assert.ok((grant.rules.length) > (0));
    assert.ok((grant.reason.trim().length) > (0));
    assert.equal(Number.isNaN(Date.parse(`${grant.until}T00:00:00Z`)), false);
    assert.equal((input as string).includes(`until=${grant.until}`), true);
  },
};
// ---------------------------------------------------------------------------------------------------------------
// The policy, and warden.config.json around it.
const validPolicyInput = fc.record({
  remediation: fc.record({ mode: fc.constantFrom("off", "dry-run", "enforce"), action: fc.constant("private"), overrideTags: fc.uniqueArray(roleArn, { maxLength: 3 }) }),
  endpoint: fc.record({ allowedPublicCidrs: fc.array(allowlistCidr, { maxLength: 5 }), allowlistedPublicAccessPasses: fc.boolean() }),
  versions: fc.record({ warningWindowDays: fc.integer({ min: 0, max: 365 }), allowedMinorVersionsBehind: fc.integer({ min: 0, max: 5 }) }),
  regions: fc.uniqueArray(fc.constantFrom("us-east-1", "eu-west-1", "eu-central-1", "ap-northeast-2"), { maxLength: 4 }),
  exemptions: fc.record({ maxDays: fc.integer({ min: 1, max: 365 }), tags: fc.array(roleArn, { maxLength: 3 }), entries: fc.constant([]) }),
});

/** A valid policy, with restrict-to-allowlist chosen only where the allowlist names networks (as the policy requires). */
const validPolicy = validPolicyInput.chain((input) =>
  input.endpoint.allowedPublicCidrs.length > 0 ? fc.constantFrom("private", "restrict-to-allowlist").map((action) => ({ ...input, remediation: { ...input.remediation, action } })) : fc.constant(input),
);

const policy: FuzzTarget = {
  name: "policy (parsePolicy)",
  parse: (input) => parsePolicy(input),
  errors: [PolicyError],
  valid: validPolicy,
  meansWhatItSays: (input, output) => {
    const given = input as { remediation: { mode: string; overrideTags: string[] }; endpoint: { allowedPublicCidrs: string[] }; regions: string[]; exemptions: { tags: string[] } };
    const parsed = output as Policy;
    assert.equal(parsed.remediation.mode, given.remediation.mode);
    assert.equal(parsed.endpoint.allowedPublicCidrs.length, given.endpoint.allowedPublicCidrs.length);
    assert.deepEqual([...parsed.regions], given.regions);
    assert.deepEqual(parsed.exemptions.tags, given.exemptions.tags);
    assert.deepEqual(parsed.remediation.overrideTags, given.remediation.overrideTags);
  },
  hostile: fc.oneof(mutations(validPolicy), hostileValue).map(viaJson),
  noFalseClaim: (input, output) => {
    // A damaged policy never switches remediation on that the document did not switch on.
    const parsed = output as Policy;
    if (parsed.remediation.mode === "enforce") assert.equal((input as { remediation?: { mode?: unknown } }).remediation?.mode, "enforce");
    // Nor lets anyone set the remediation override whom the document did not list.
    const listed = (input as { remediation?: { overrideTags?: unknown } }).remediation?.overrideTags;
    for (const pattern of parsed.remediation.overrideTags) assert.ok(Array.isArray(listed) && listed.includes(pattern));
  },
};

const EXAMPLE_CONFIG = JSON.parse(readFileSync(join(REPOSITORY, "warden.config.example.json"), "utf8")) as Record<string, unknown>;
const validConfig = fc.record({ region: fc.constantFrom("us-east-1", "eu-west-1", "eu-central-1"), policy: validPolicy }).map(({ region: regionName, policy: policyInput }) => ({ ...EXAMPLE_CONFIG, region: regionName, policy: policyInput }));

const deploymentConfig: FuzzTarget = {
  name: "warden.config.json (parseDeploymentConfig)",
  parse: (input) => parseDeploymentConfig(input, "warden.config.json"),
  errors: [ValidationError],
  valid: validConfig,
  meansWhatItSays: (input, output) => {
    const given = input as { region: string; policy: { regions: string[] } };
    const parsed = output as { region: string; policy: Policy };
    assert.equal(parsed.region, given.region);
    assert.deepEqual([...parsed.policy.regions], given.policy.regions);
  },
  hostile: fc.oneof(mutations(validConfig), hostileValue).map(viaJson),
};

// ---------------------------------------------------------------------------------------------------------------
// Fleet files and scenario files (the simulator's and `eks-warden run`'s input).
const FLEETS = ["demo.json", "organization.json"].map((name) => JSON.parse(readFileSync(join(REPOSITORY, "scenarios/fleets", name), "utf8")) as Record<string, unknown>);
const fleetSamples = fc.constantFrom(...FLEETS);
const clusterNamesOf = (fleet: unknown) => ((fleet as { clusters?: { cluster?: { name?: unknown } }[] }).clusters ?? []).map((entry) => entry.cluster?.name);

const fleet: FuzzTarget = {
  name: "fleet file (validateFleet)",
  parse: (input) => validateFleet(input, "fleet"),
  errors: [FleetError],
  valid: fleetSamples,
  meansWhatItSays: (input, output) => {
    assert.deepEqual((output as { clusters: { cluster: Record<string, unknown> }[] }).clusters.map((entry) => entry.cluster["name"]), clusterNamesOf(input));
  },
  hostile: fc.oneof(mutations(fleetSamples), hostileValue).map(viaJson),
};

/** A scratch copy of scenarios/ (the files refer to their fleets by relative path), written once per process. */
let scenarioFolder: string | undefined;
function scratchScenarios(): string {
  if (scenarioFolder === undefined) {
    scenarioFolder = mkdtempSync(join(tmpdir(), "eks-warden-fuzz-"));
    cpSync(join(REPOSITORY, "scenarios"), scenarioFolder, { recursive: true });
  }
  return scenarioFolder;
}
const SCENARIO_FILES = ["demo.json", "create-open-cluster.json", "remediation.json", "continuous.json", "organization.json"];
const SCENARIOS = SCENARIO_FILES.map((name) => JSON.parse(readFileSync(join(REPOSITORY, "scenarios", name), "utf8")) as Record<string, unknown>);
const scenarioSamples = fc.constantFrom(...SCENARIOS);
let written = 0;

const scenarioFile: FuzzTarget = {
  name: "scenario file (loadScenario)",
  parse: async (input) => {
    const path = join(scratchScenarios(), `fuzz-${process.pid}-${written++ % 8}.json`);
    writeFileSync(path, input as string);
    return loadScenario(path);
  },
  errors: [ScenarioError],
  valid: scenarioSamples.map((scenario) => JSON.stringify(scenario, null, 2)),
  meansWhatItSays: (input, output) => {
    assert.equal((output as { steps: unknown[] }).steps.length, (JSON.parse(input as string) as { steps: unknown[] }).steps.length);
  },
  hostile: fc.oneof(
    // A file holds text: values JSON cannot hold (BigInt, undefined) are written as JSON writes what it can.
    fc.oneof(mutations(scenarioSamples), hostileValue).map(asFileText),
    // Damaged text: cut short, or with a character replaced.
    fc.tuple(scenarioSamples, fc.double({ min: 0, max: 1, noNaN: true }), fc.string({ minLength: 1, maxLength: 1 })).map(([sample, at, character]) => {
      const text = JSON.stringify(sample, null, 2);
      const index = Math.floor(at * text.length);
      return at < 0.5 ? text.slice(0, index) : text.slice(0, index) + character + text.slice(index + 1);
    }),
  ),
};

// ---------------------------------------------------------------------------------------------------------------
// Queue messages, tamper calls and dead letters: what sits in a queue an insider may write to.
const validSettleMessage = fc
  .record({ account, region, name: clusterName, eventId, updateId: eventId, attempt: fc.integer({ min: 1, max: 20 }), queuedAt: isoTime, endpointChange: fc.boolean() })
  .map(({ account: accountId, region: regionName, name, eventId: id, updateId, attempt, queuedAt, endpointChange }) => ({
    version: 1,
    cluster: { arn: clusterArn(regionName, accountId, name), account: accountId, region: regionName, name },
    eventId: id,
    eventName: "UpdateClusterConfig",
    updateId,
    endpointChange,
    attempt,
    queuedAt,
    cause: { actor: { type: "AssumedRole", arn: `arn:aws:sts::${accountId}:assumed-role/dev/alice` }, sourceIp: "192.0.2.10" },
  }));

const settleMessage: FuzzTarget = {
  name: "settle queue message (parseQueueMessage)",
  parse: (input) => parseQueueMessage(input),
  errors: [SettleMessageInvalid],
  valid: fc.oneof(validSettleMessage, validSettleMessage.map((message) => JSON.stringify(message))),
  meansWhatItSays: (input, output) => {
    const given = (typeof input === "string" ? JSON.parse(input) : input) as { cluster: { arn: string }; updateId: string; attempt: number };
    const parsed = output as { cluster: { arn: string }; updateId?: string; attempt: number };
    assert.equal(parsed.cluster.arn, given.cluster.arn);
    assert.equal(parsed.updateId, given.updateId);
    assert.equal(parsed.attempt, given.attempt);
  },
  hostile: fc.oneof(mutations(validSettleMessage), hostileValue, fc.string({ maxLength: 300 })),
  noFalseClaim: (input, output) => {
    // The cluster a message acts on is the one its account, region and name say, never an ARN of its own word.
    const given = (typeof input === "string" ? JSON.parse(input) : input) as { cluster: { account: string; region: string; name: string } };
    const parsed = output as { cluster: { arn: string } };
    assert.equal(parsed.cluster.arn, clusterArn(given.cluster.region, given.cluster.account, given.cluster.name));
  },
};

const tamperCall: FuzzTarget = {
  name: "tamper call (readTamperCall, never throws)",
  parse: (input) => readTamperCall(input),
  errors: [],
  valid: recordedEvents,
  meansWhatItSays: (input, output) => {
    assert.equal((output as { eventId?: string }).eventId, detailOf(input)["eventID"]);
  },
  hostile: fc.oneof(mutations(recordedEvents), hostileValue),
  noFalseClaim: (_input, output) => {
    // Every field an alert shows is bounded text without control characters.
    for (const value of Object.values(output as Record<string, string>)) {
      assert.equal(typeof value, "string");
      assert.ok((value.length) <= (2_100));
      assert.equal(/[\u0000-\u0008\u000b-\u001f\u007f]/.test(value), false);
    }
  },
};

const validDeadLetter = fc.record({ source: fc.constantFrom("cluster-event" as const, "settle" as const), messageId: eventId, body: fc.oneof(validSettleMessage.map((message) => JSON.stringify(message)), validCloudTrailEvent.map((event) => JSON.stringify(event))), sentTimestamp: fc.integer({ min: 0, max: 4_102_444_800_000 }).map(String), attributes: fc.constant({}) });
const deadLetter: FuzzTarget = {
  name: "dead letter (readDeadLetter, never throws)",
  parse: (input) => readDeadLetter(input as never),
  errors: [],
  valid: validDeadLetter,
  meansWhatItSays: (input, output) => {
    assert.equal((output as { messageId: string }).messageId, (input as { messageId: string }).messageId);
  },
  // What a sender controls: the body and the message attributes (strings); SQS sets the id and the timestamp.
  hostile: fc.oneof(
    validDeadLetter.chain((letter) => fc.oneof(fc.string({ maxLength: 2_000 }), mutations(fc.constant(JSON.parse(letter.body) as unknown)).map(asFileText)).map((body) => ({ ...letter, body }))),
    validDeadLetter.chain((letter) => fc.dictionary(fc.oneof(fc.constantFrom("ERROR_CODE", "ERROR_MESSAGE", "RULE_ARN", "RETRY_ATTEMPTS", "ErrorCode", "ErrorMessage", "RequestID", "__proto__"), fc.string()), fc.oneof(fc.string({ maxLength: 300 }), fc.integer({ min: 1_000, max: 100_000 }).map((length) => "\u001b".repeat(length)))).map((attributes) => ({ ...letter, attributes }))),
  ),
};

// ---------------------------------------------------------------------------------------------------------------
// Small text parsers: CIDRs (policy and events), JSON with positions (every file the CLI reads), SigV4 headers.
const cidrTarget: FuzzTarget = {
  name: "CIDR (parseCidr)",
  parse: (input) => parseCidr(input as string, "endpoint.allowedPublicCidrs[0]"),
  errors: [CidrError],
  valid: cidr,
  meansWhatItSays: (input, output) => {
    // The block read is the one written, and its canonical text reads back as the same block.
    const block = output as Cidr;
    assert.equal(String(input).endsWith(`/${block.prefixLength}`), true);
    const again = parseCidr(block.canonical);
    assert.deepEqual([again.family, again.network, again.prefixLength], [block.family, block.network, block.prefixLength]);
  },
  hostile: fc.oneof(fc.string({ maxLength: 80 }), fc.string({ unit: "binary", maxLength: 80 }), hostileValue, cidr.map((text) => `${text}0`), cidr.map((text) => text.replace("/", "//"))),
};

const jsonWithPositions: FuzzTarget = {
  name: "JSON with positions (files the CLI reads)",
  parse: (input) => parseJsonWithPositions(input as string),
  errors: [JsonSyntaxError],
  valid: fc.json({ maxDepth: 8 }),
  meansWhatItSays: (input, output) => {
    assert.deepEqual((output as { value: unknown }).value, JSON.parse(input as string));
  },
  hostile: fc.oneof(
    fc.string({ maxLength: 200 }),
    fc.json().map((text) => text.slice(0, Math.max(0, text.length - 1))),
    fc.integer({ min: 100, max: 20_000 }).map((depth) => "[".repeat(depth) + "]".repeat(depth)),
    fc.integer({ min: 100, max: 20_000 }).map((depth) => '{"a":'.repeat(depth) + "1" + "}".repeat(depth)),
    fc.json().map((text) => `${text}\u0000`),
  ),
  noFalseClaim: (input, output) => {
    assert.deepEqual((output as { value: unknown }).value, JSON.parse(input as string));
  },
};

const sigV4: FuzzTarget = {
  name: "SigV4 Authorization header (simulator, never throws)",
  parse: (input) => parseSigV4Authorization(input as string | undefined),
  errors: [],
  valid: fc.record({ key: fc.stringMatching(/^[A-Z0-9]{16,20}$/), date: fc.stringMatching(/^20\d{6}$/), region, service: fc.constantFrom("eks", "sts", "ssm") }).map(
    ({ key, date, region: regionName, service }) => `AWS4-HMAC-SHA256 Credential=${key}/${date}/${regionName}/${service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=${"a".repeat(64)}`,
  ),
  meansWhatItSays: (input, output) => {
    assert.notEqual(output, undefined);
    assert.ok((String(input)).includes((output as { accessKeyId: string }).accessKeyId));
  },
  hostile: fc.oneof(fc.string({ maxLength: 400 }), fc.constant(undefined), fc.integer({ min: 1_000, max: 100_000 }).map((length) => `AWS4-HMAC-SHA256 Credential=${"A/".repeat(length)}`)),
};

export const FUZZ_TARGETS: readonly FuzzTarget[] = [
  cloudTrailEvent,
  describeCluster,
  describeNodegroup,
  describeAddon,
  clusterVersions,
  exemptionTag,
  policy,
  deploymentConfig,
  fleet,
  scenarioFile,
  settleMessage,
  tamperCall,
  deadLetter,
  cidrTarget,
  jsonWithPositions,
  sigV4,
  desiredStateFile,
];
