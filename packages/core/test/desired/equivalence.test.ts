// The promise of `eks-warden check`: the same cluster, written as a Terraform plan, a CloudFormation template (JSON
// and YAML), an eksctl config, and created live (the EKS simulator over HTTP, read by the live collector), gets the
// same status and severity from every rule that can judge a declared cluster. Omitted settings are written as each
// tool writes them (Terraform's plan carries the provider's defaults and marks computed attributes unknown), and the
// live cluster is created with the same request, so AWS's defaults (as the simulator applies them) meet the desired
// state's; its access entries are created with the calls the file's resources make (CreateAccessEntry,
// AssociateAccessPolicy). The live clusters refuse the creator's bootstrap admin: EKS gives it to whoever calls
// CreateCluster, a principal no file names (docs/gitops.md), so a file cannot declare the same entry.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { AssociateAccessPolicyCommand, CreateAccessEntryCommand, CreateClusterCommand, EKSClient } from "@aws-sdk/client-eks";
import { startSimulator, type Simulator } from "@eks-warden/simulator/index";
import { EksCollector } from "../../src/aws/eks.ts";
import { evaluate } from "../../src/engine.ts";
import { parsePolicy } from "../../src/policy.ts";
import { readsFor, rules } from "../../src/rules/index.ts";
import { normaliseVersionCatalogue } from "../../src/snapshot.ts";
import { contextOf } from "../../src/pipeline/index.ts";
import { checkDesiredCluster, judgesDesiredState, readDesiredState } from "../../src/desired/index.ts";
import type { Finding, Policy } from "../../src/model.ts";
import { fixturePath } from "../../../../test/fixtures/index.ts";

const ACCOUNT = "111111111111";
const REGION = "eu-west-1";
const NOW = new Date("2026-06-01T12:00:00Z");
const credentials = { accessKeyId: "AKIAWARDENTEST000009", secretAccessKey: "secret" };
const SUBNETS = ["subnet-0a1b2c3d4e5f60718", "subnet-0f9e8d7c6b5a40312"];
const catalogueRecording = JSON.parse(readFileSync(fixturePath("eks/DescribeClusterVersions.json"), "utf8")) as { data: { clusterVersions: Record<string, unknown>[] } };
const versions = normaliseVersionCatalogue(catalogueRecording);
/** Every rule that judges a declared cluster, the access rules with them. */
const JUDGING = rules.filter(judgesDesiredState);

interface AccessEntryShape {
  readonly principal: string;
  readonly policy: string;
  readonly scope: { readonly type: "cluster" | "namespace"; readonly namespaces?: readonly string[] };
}

/** One cluster as a person means it; `undefined` is "left out of the file". */
interface Shape {
  readonly name: string;
  readonly version: string;
  readonly publicAccess?: boolean;
  readonly privateAccess?: boolean;
  readonly cidrs?: readonly string[];
  readonly logTypes?: readonly string[];
  readonly authenticationMode: "API" | "API_AND_CONFIG_MAP" | "CONFIG_MAP";
  readonly bootstrap: boolean;
  readonly entries?: readonly AccessEntryShape[];
}

const ADMIN = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy";
/** The organisation's own admin role (the cluster's account): allowlisted by one of the policies below. */
const PLATFORM_ADMIN = "arn:aws:iam::111111111111:role/platform-admin";
const VIEW = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy";
const SHAPES: readonly Shape[] = [
  { name: "private-only", version: "1.33", publicAccess: false, privateAccess: true, logTypes: ["api", "audit", "authenticator", "controllerManager", "scheduler"], authenticationMode: "API", bootstrap: false },
  { name: "all-omitted", version: "1.31", authenticationMode: "CONFIG_MAP", bootstrap: true },
  { name: "world-explicit", version: "1.32", publicAccess: true, privateAccess: false, cidrs: ["0.0.0.0/0"], logTypes: ["api"], authenticationMode: "API_AND_CONFIG_MAP", bootstrap: true },
  { name: "office-cidrs", version: "1.34", publicAccess: true, privateAccess: true, cidrs: ["203.0.113.0/24", "198.51.100.0/24"], logTypes: ["audit"], authenticationMode: "API", bootstrap: false },
  { name: "half-internet", version: "1.33", publicAccess: true, privateAccess: true, cidrs: ["0.0.0.0/1"], authenticationMode: "API_AND_CONFIG_MAP", bootstrap: false },
  { name: "public-default-cidrs", version: "1.34", publicAccess: true, privateAccess: true, logTypes: ["audit", "authenticator"], authenticationMode: "API", bootstrap: true },
  {
    name: "with-access-entries",
    version: "1.34",
    publicAccess: false,
    privateAccess: true,
    logTypes: ["audit"],
    authenticationMode: "API",
    bootstrap: false,
    entries: [
      { principal: "arn:aws:iam::123456789012:role/outside-admins", policy: ADMIN, scope: { type: "cluster" } },
      { principal: "arn:aws:iam::111111111111:role/auditors", policy: VIEW, scope: { type: "namespace", namespaces: ["payments"] } },
    ],
  },
  {
    name: "platform-admin-entry",
    version: "1.34",
    publicAccess: false,
    privateAccess: true,
    logTypes: ["audit"],
    authenticationMode: "API_AND_CONFIG_MAP",
    bootstrap: false,
    entries: [{ principal: PLATFORM_ADMIN, policy: ADMIN, scope: { type: "cluster" } }],
  },
];

const definedOnly = <T extends Record<string, unknown>>(object: T): T => Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as T;

// --- Terraform: what `terraform show -json` prints for these clusters (provider defaults filled, computed attributes unknown).
function terraformPlan(shapes: readonly Shape[]): string {
  const planned: unknown[] = [];
  const changes: unknown[] = [];
  const configured: unknown[] = [];
  const resource = (type: string, name: string, values: Record<string, unknown>, unknown: Record<string, unknown>, expressions: Record<string, unknown>) => {
    const address = `${type}.${name}`;
    planned.push({ address, mode: "managed", type, name, provider_name: "registry.terraform.io/hashicorp/aws", schema_version: 0, values, sensitive_values: {} });
    changes.push({ address, mode: "managed", type, name, change: { actions: ["create"], before: null, after: values, after_unknown: unknown } });
    configured.push({ address, mode: "managed", type, name, provider_config_key: "aws", expressions });
  };
  const constant = (value: unknown) => ({ constant_value: value });
  for (const shape of shapes) {
    const id = shape.name.replaceAll("-", "_");
    const vpcExpressions = definedOnly({
      endpoint_public_access: shape.publicAccess === undefined ? undefined : constant(shape.publicAccess),
      endpoint_private_access: shape.privateAccess === undefined ? undefined : constant(shape.privateAccess),
      public_access_cidrs: shape.cidrs === undefined ? undefined : constant(shape.cidrs),
      subnet_ids: { references: ["var.subnet_ids"] },
    });
    resource(
      "aws_eks_cluster",
      id,
      {
        name: shape.name,
        version: shape.version,
        role_arn: "arn:aws:iam::111111111111:role/eks-cluster",
        enabled_cluster_log_types: shape.logTypes ?? null,
        // The provider's schema defaults: public on, private off.
        vpc_config: [definedOnly({ endpoint_public_access: shape.publicAccess ?? true, endpoint_private_access: shape.privateAccess ?? false, public_access_cidrs: shape.cidrs, subnet_ids: SUBNETS })],
        access_config: [{ authentication_mode: shape.authenticationMode, bootstrap_cluster_creator_admin_permissions: shape.bootstrap }],
      },
      { arn: true, id: true, endpoint: true, upgrade_policy: true, vpc_config: [definedOnly({ public_access_cidrs: shape.cidrs === undefined ? true : undefined, vpc_id: true })] },
      definedOnly({
        name: constant(shape.name),
        version: constant(shape.version),
        enabled_cluster_log_types: shape.logTypes === undefined ? undefined : constant(shape.logTypes),
        vpc_config: [vpcExpressions],
        access_config: [{ authentication_mode: constant(shape.authenticationMode), bootstrap_cluster_creator_admin_permissions: constant(shape.bootstrap) }],
      }),
    );
    (shape.entries ?? []).forEach((entry, index) => {
      const clusterRef = { references: [`aws_eks_cluster.${id}.id`, `aws_eks_cluster.${id}`] };
      resource("aws_eks_access_entry", `${id}_${index}`, { principal_arn: entry.principal, type: "STANDARD" }, { cluster_name: true, id: true }, { cluster_name: clusterRef, principal_arn: constant(entry.principal) });
      resource(
        "aws_eks_access_policy_association",
        `${id}_${index}`,
        { principal_arn: entry.principal, policy_arn: entry.policy, access_scope: [{ type: entry.scope.type, namespaces: entry.scope.namespaces ?? null }] },
        { cluster_name: true, id: true },
        { cluster_name: clusterRef, principal_arn: constant(entry.principal), policy_arn: constant(entry.policy) },
      );
    });
  }
  const plan = {
    format_version: "1.2",
    terraform_version: "1.9.8",
    planned_values: { root_module: { resources: planned } },
    resource_changes: changes,
    configuration: { provider_config: { aws: { name: "aws", expressions: { region: constant(REGION) } } }, root_module: { resources: configured } },
  };
  return JSON.stringify(plan, null, 2);
}

// --- CloudFormation: the same template as JSON (long-form intrinsics) or YAML (short tags).
const logicalId = (shape: Shape) => shape.name.split("-").map((word) => word[0]!.toUpperCase() + word.slice(1)).join("");
function cloudFormation(shapes: readonly Shape[], yaml: boolean): string {
  const resources: Record<string, unknown> = {};
  for (const shape of shapes) {
    const id = logicalId(shape);
    resources[id] = {
      Type: "AWS::EKS::Cluster",
      Properties: definedOnly({
        Name: yaml ? `@@SUB ${shape.name}@@` : { "Fn::Sub": shape.name },
        Version: shape.version,
        RoleArn: yaml ? "@@GETATT ClusterRole.Arn@@" : { "Fn::GetAtt": ["ClusterRole", "Arn"] },
        ResourcesVpcConfig: definedOnly({ SubnetIds: SUBNETS, EndpointPublicAccess: shape.publicAccess, EndpointPrivateAccess: shape.privateAccess, PublicAccessCidrs: shape.cidrs }),
        Logging: shape.logTypes === undefined ? undefined : { ClusterLogging: { EnabledTypes: shape.logTypes.map((type) => ({ Type: type })) } },
        AccessConfig: { AuthenticationMode: shape.authenticationMode, BootstrapClusterCreatorAdminPermissions: shape.bootstrap },
      }),
    };
    (shape.entries ?? []).forEach((entry, index) => {
      resources[`${id}Entry${index}`] = {
        Type: "AWS::EKS::AccessEntry",
        Properties: {
          ClusterName: yaml ? `@@REF ${id}@@` : { Ref: id },
          PrincipalArn: entry.principal,
          AccessPolicies: [{ PolicyArn: entry.policy, AccessScope: definedOnly({ Type: entry.scope.type, Namespaces: entry.scope.namespaces }) }],
        },
      };
    });
  }
  resources.ClusterRole = { Type: "AWS::IAM::Role", Properties: { AssumeRolePolicyDocument: { Version: "2012-10-17", Statement: [] } } };
  const template = { AWSTemplateFormatVersion: "2010-09-09", Resources: resources };
  if (!yaml) return JSON.stringify(template, null, 2);
  return stringify(template).replace(/"?@@(SUB|GETATT|REF) ([^@]+)@@"?/g, (_whole, tag: string, value: string) => `!${tag === "SUB" ? "Sub" : tag === "GETATT" ? "GetAtt" : "Ref"} ${value}`);
}

// --- eksctl: one ClusterConfig per cluster.
function eksctl(shape: Shape): string {
  return stringify(
    definedOnly({
      apiVersion: "eksctl.io/v1alpha5",
      kind: "ClusterConfig",
      metadata: { name: shape.name, region: REGION, version: shape.version },
      vpc:
        shape.publicAccess === undefined && shape.privateAccess === undefined && shape.cidrs === undefined
          ? undefined
          : definedOnly({
              clusterEndpoints: shape.publicAccess === undefined && shape.privateAccess === undefined ? undefined : definedOnly({ publicAccess: shape.publicAccess, privateAccess: shape.privateAccess }),
              publicAccessCIDRs: shape.cidrs,
            }),
      cloudWatch: shape.logTypes === undefined ? undefined : { clusterLogging: { enableTypes: shape.logTypes } },
      accessConfig: definedOnly({
        authenticationMode: shape.authenticationMode,
        bootstrapClusterCreatorAdminPermissions: shape.bootstrap,
        accessEntries: shape.entries?.map((entry) => ({ principalARN: entry.principal, accessPolicies: [{ policyARN: entry.policy, accessScope: definedOnly({ type: entry.scope.type, namespaces: entry.scope.namespaces }) }] })),
      }),
    }),
  );
}

// --- Live: CreateCluster with the request the file makes, against the simulator.
let sim: Simulator;
let collector: EksCollector;

beforeAll(async () => {
  sim = await startSimulator({ fleet: { _what: "empty account; the version catalogue as recorded", defaultAccount: ACCOUNT, defaultRegion: REGION, clusters: [], clusterVersions: catalogueRecording.data.clusterVersions } });
  const eks = new EKSClient({ region: REGION, endpoint: sim.url, credentials });
  for (const shape of SHAPES) {
    await eks.send(
      new CreateClusterCommand({
        name: shape.name,
        version: shape.version,
        roleArn: "arn:aws:iam::111111111111:role/eks-cluster",
        resourcesVpcConfig: definedOnly({ subnetIds: SUBNETS, endpointPublicAccess: shape.publicAccess, endpointPrivateAccess: shape.privateAccess, publicAccessCidrs: shape.cidrs ? [...shape.cidrs] : undefined }),
        ...(shape.logTypes !== undefined && { logging: { clusterLogging: [{ types: [...shape.logTypes] as never[], enabled: true }] } }),
        accessConfig: { authenticationMode: shape.authenticationMode, bootstrapClusterCreatorAdminPermissions: false },
      }),
    );
    for (const entry of shape.entries ?? []) {
      await eks.send(new CreateAccessEntryCommand({ clusterName: shape.name, principalArn: entry.principal }));
      await eks.send(
        new AssociateAccessPolicyCommand({
          clusterName: shape.name,
          principalArn: entry.principal,
          policyArn: entry.policy,
          accessScope: { type: entry.scope.type, ...(entry.scope.namespaces !== undefined && { namespaces: [...entry.scope.namespaces] }) },
        }),
      );
    }
  }
  sim.clock.advance(60 * 60_000);
  eks.destroy();
  collector = new EksCollector({ clientConfig: { endpoint: sim.url, credentials }, ssmClientConfig: { endpoint: sim.url, credentials } });
});
afterAll(async () => {
  collector?.destroy();
  await sim?.stop();
});

type Verdicts = Record<string, string>;
const verdicts = (findings: readonly Finding[]): Verdicts => {
  const out: Verdicts = {};
  for (const finding of findings) out[finding.ruleId] = [out[finding.ruleId], `${finding.status} ${finding.severity}`].filter(Boolean).join(", ");
  return out;
};

function fromFile(name: string, text: string, policy: Policy): Map<string, Verdicts> {
  const state = readDesiredState(name, text);
  return new Map(
    state.clusters.map((cluster) => {
      const checked = checkDesiredCluster(cluster, { identity: { account: ACCOUNT, region: REGION }, policy, context: { now: NOW, versions }, rules: JUDGING });
      return [cluster.name, verdicts(checked.findings)];
    }),
  );
}

async function live(shape: Shape, policy: Policy): Promise<Verdicts> {
  const ref = { arn: `arn:aws:eks:${REGION}:${ACCOUNT}:cluster/${shape.name}`, account: ACCOUNT, region: REGION, name: shape.name };
  const collected = await collector.collect(ref, readsFor(JUDGING));
  return verdicts(evaluate(collected.snapshot, policy, contextOf(collected, NOW), JUDGING));
}

const POLICIES: readonly [string, Policy][] = [
  ["the default policy", parsePolicy(undefined)],
  ["a policy allowlisting 203.0.113.0/24 and accepting allowlisted public access", parsePolicy({ endpoint: { allowedPublicCidrs: ["203.0.113.0/24", "198.51.100.0/24"], allowlistedPublicAccessPasses: true } })],
  ["a policy allowlisting the platform admin role", parsePolicy({ access: { admins: [PLATFORM_ADMIN] } })],
];

describe.each(POLICIES)("the same cluster in every format and live, judged by %s", (_label, policy) => {
  it.each(SHAPES.map((shape) => [shape.name, shape] as const))("%s: the same status and severity from every rule", async (_name, shape) => {
    const formats = {
      "terraform plan": fromFile("plan.json", terraformPlan(SHAPES), policy).get(shape.name),
      "cloudformation json": fromFile("stack.json", cloudFormation(SHAPES, false), policy).get(shape.name),
      "cloudformation yaml": fromFile("stack.yaml", cloudFormation(SHAPES, true), policy).get(shape.name),
      eksctl: fromFile("cluster.yaml", eksctl(shape), policy).get(shape.name),
    };
    const expected = formats["terraform plan"]!;
    expect(Object.keys(expected).sort()).toEqual(JUDGING.map((rule) => rule.id).sort());
    for (const [format, found] of Object.entries(formats)) expect({ format, verdicts: found }).toEqual({ format, verdicts: expected });
    expect({ format: "live simulator", verdicts: await live(shape, policy) }).toEqual({ format: "live simulator", verdicts: expected });
  });

});

it("the shapes cover a PASS, a FAIL and several severities of the endpoint rule, so the table can tell formats apart", () => {
  const all = fromFile("plan.json", terraformPlan(SHAPES), parsePolicy(undefined));
  expect(new Set([...all.values()].map((each) => each["endpoint-public-access"]))).toEqual(new Set(["PASS CRITICAL", "FAIL CRITICAL", "FAIL HIGH"]));
  expect(new Set([...all.values()].map((each) => each["control-plane-audit-logging"]))).toEqual(new Set(["PASS MEDIUM", "FAIL MEDIUM"]));
});

it("the shapes cover every authentication mode and an admin grant outside the organisation, inside it, and allowlisted", () => {
  const byDefault = fromFile("plan.json", terraformPlan(SHAPES), parsePolicy(undefined));
  expect(new Set([...byDefault.values()].map((each) => each["access-authentication-mode"]))).toEqual(new Set(["PASS MEDIUM", "FAIL MEDIUM", "FAIL LOW"]));
  expect(byDefault.get("with-access-entries")!["access-cluster-admin"]).toBe("FAIL CRITICAL");
  expect(byDefault.get("platform-admin-entry")!["access-cluster-admin"]).toBe("FAIL HIGH");
  const allowlisted = fromFile("plan.json", terraformPlan(SHAPES), POLICIES[2]![1]);
  expect(allowlisted.get("platform-admin-entry")!["access-cluster-admin"]).toBe("PASS HIGH");
  expect(allowlisted.get("with-access-entries")!["access-cluster-admin"]).toBe("FAIL CRITICAL");
});
