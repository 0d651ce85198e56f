// Access entries, access policies and OIDC identity providers in the simulator: driven by the SDK (real client over
// HTTP) and by the AWS CLI (an independent client), with EKS's errors, pagination, CloudTrail events, and the fleet
// file's fields for them.

import { execFile } from "node:child_process";
import { promisify } from "node:util";
import {
  AssociateAccessPolicyCommand,
  AssociateIdentityProviderConfigCommand,
  CreateAccessEntryCommand,
  CreateClusterCommand,
  DeleteAccessEntryCommand,
  DescribeAccessEntryCommand,
  DescribeIdentityProviderConfigCommand,
  DisassociateAccessPolicyCommand,
  DisassociateIdentityProviderConfigCommand,
  InvalidParameterException,
  InvalidRequestException,
  ListAccessEntriesCommand,
  ListAssociatedAccessPoliciesCommand,
  ListIdentityProviderConfigsCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdateAccessEntryCommand,
  UpdateClusterConfigCommand,
} from "@aws-sdk/client-eks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FleetError, startSimulator, type Simulator } from "../src/index.ts";
import { validateFleet } from "../src/fleet.ts";
import { createClusterInput, eksClient, rejection } from "./helpers.ts";

const run = promisify(execFile);
const ACCOUNT = "111111111111";
const ADMIN = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy";
const VIEW = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy";
const PLATFORM = `arn:aws:iam::${ACCOUNT}:role/platform-admin`;
const OUTSIDER = "arn:aws:iam::999988887777:role/contractor";

const cluster = (name: string, authenticationMode?: string) => ({
  name,
  arn: `arn:aws:eks:eu-west-1:${ACCOUNT}:cluster/${name}`,
  status: "ACTIVE",
  version: "1.33",
  resourcesVpcConfig: { endpointPublicAccess: false, endpointPrivateAccess: true },
  ...(authenticationMode && { accessConfig: { authenticationMode, bootstrapClusterCreatorAdminPermissions: false } }),
});

const FLEET = {
  defaultAccount: ACCOUNT,
  defaultRegion: "eu-west-1",
  identities: { AKIAALICEEXAMPLE0001: { arn: `arn:aws:iam::${ACCOUNT}:user/alice`, sourceIPAddress: "198.51.100.23" } },
  clusters: [
    {
      cluster: cluster("payments", "API"),
      accessEntries: [{ principalArn: PLATFORM, createdAt: "2026-01-05T10:00:00Z", accessPolicies: [{ policyArn: ADMIN, accessScope: { type: "cluster" }, associatedAt: "2026-01-05T10:00:00Z" }] }],
      identityProviders: [{ identityProviderConfigName: "okta", issuerUrl: "https://example.okta.com", clientId: "kubernetes" }],
    },
    { cluster: cluster("legacy") },
    { cluster: cluster("many", "API_AND_CONFIG_MAP") },
  ],
};

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ fleet: FLEET, startTime: new Date("2026-11-29T09:00:00Z") });
});
afterAll(() => sim.stop());

describe("access entries through the SDK", () => {
  it("create, describe, update, associate, list, disassociate, delete, each a CloudTrail event", async () => {
    const eks = eksClient(sim);
    const before = sim.cloudTrail.events.length;
    const created = await eks.send(new CreateAccessEntryCommand({ clusterName: "payments", principalArn: OUTSIDER, kubernetesGroups: ["viewers"] }));
    expect(created.accessEntry).toMatchObject({ clusterName: "payments", principalArn: OUTSIDER, type: "STANDARD", kubernetesGroups: ["viewers"], username: "arn:aws:sts::999988887777:assumed-role/contractor/{{SessionName}}" });
    expect(created.accessEntry?.createdAt).toEqual(new Date("2026-11-29T09:00:00Z"));
    const associated = await eks.send(new AssociateAccessPolicyCommand({ clusterName: "payments", principalArn: OUTSIDER, policyArn: ADMIN, accessScope: { type: "cluster" } }));
    expect(associated).toMatchObject({ clusterName: "payments", principalArn: OUTSIDER, associatedAccessPolicy: { policyArn: ADMIN, accessScope: { type: "cluster", namespaces: [] } } });
    await eks.send(new AssociateAccessPolicyCommand({ clusterName: "payments", principalArn: OUTSIDER, policyArn: VIEW, accessScope: { type: "namespace", namespaces: ["team-a"] } }));
    expect((await eks.send(new ListAssociatedAccessPoliciesCommand({ clusterName: "payments", principalArn: OUTSIDER }))).associatedAccessPolicies?.map((policy) => policy.policyArn)).toEqual([ADMIN, VIEW]);
    expect((await eks.send(new ListAccessEntriesCommand({ clusterName: "payments", associatedPolicyArn: ADMIN }))).accessEntries).toEqual([PLATFORM, OUTSIDER]);
    await eks.send(new UpdateAccessEntryCommand({ clusterName: "payments", principalArn: OUTSIDER, kubernetesGroups: [] }));
    expect((await eks.send(new DescribeAccessEntryCommand({ clusterName: "payments", principalArn: OUTSIDER }))).accessEntry?.kubernetesGroups).toEqual([]);
    await eks.send(new DisassociateAccessPolicyCommand({ clusterName: "payments", principalArn: OUTSIDER, policyArn: ADMIN }));
    expect((await eks.send(new ListAccessEntriesCommand({ clusterName: "payments", associatedPolicyArn: ADMIN }))).accessEntries).toEqual([PLATFORM]);
    await eks.send(new DeleteAccessEntryCommand({ clusterName: "payments", principalArn: OUTSIDER }));
    await expect(eks.send(new DescribeAccessEntryCommand({ clusterName: "payments", principalArn: OUTSIDER }))).rejects.toBeInstanceOf(ResourceNotFoundException);

    const events = sim.cloudTrail.events.slice(before).map((event) => event.detail);
    expect(events.map((detail) => detail.eventName)).toEqual(["CreateAccessEntry", "AssociateAccessPolicy", "AssociateAccessPolicy", "UpdateAccessEntry", "DisassociateAccessPolicy", "DeleteAccessEntry"]);
    expect(events[1]).toMatchObject({
      userIdentity: { arn: `arn:aws:iam::${ACCOUNT}:user/alice` },
      sourceIPAddress: "198.51.100.23",
      requestParameters: { name: "payments", principalArn: OUTSIDER, policyArn: ADMIN, accessScope: { type: "cluster" } },
      responseElements: { principalArn: OUTSIDER, associatedAccessPolicy: { policyArn: ADMIN } },
    });
    expect(events[4]?.requestParameters).toEqual({ name: "payments", principalArn: OUTSIDER, policyArn: ADMIN });
  });

  it("refuses what EKS refuses, with EKS's exception classes", async () => {
    const eks = eksClient(sim);
    await expect(eks.send(new CreateAccessEntryCommand({ clusterName: "payments", principalArn: PLATFORM }))).rejects.toBeInstanceOf(ResourceInUseException);
    await expect(eks.send(new CreateAccessEntryCommand({ clusterName: "payments", principalArn: `arn:aws:sts::${ACCOUNT}:assumed-role/x/y` }))).rejects.toBeInstanceOf(InvalidParameterException);
    const unknown = await rejection(eks.send(new AssociateAccessPolicyCommand({ clusterName: "payments", principalArn: PLATFORM, policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSGodModePolicy", accessScope: { type: "cluster" } })));
    expect(unknown).toBeInstanceOf(InvalidParameterException);
    expect(unknown.message).toContain("AmazonEKSGodModePolicy");
    const noNamespaces = await rejection(eks.send(new AssociateAccessPolicyCommand({ clusterName: "payments", principalArn: PLATFORM, policyArn: VIEW, accessScope: { type: "namespace" } })));
    expect(noNamespaces).toBeInstanceOf(InvalidParameterException);
    expect(noNamespaces.message).toMatch(/at least one namespace/i);
    await expect(eks.send(new DisassociateAccessPolicyCommand({ clusterName: "payments", principalArn: PLATFORM, policyArn: VIEW }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(eks.send(new ListAccessEntriesCommand({ clusterName: "absent" }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    // Under CONFIG_MAP (a record without accessConfig) EKS has no access entries at all.
    await expect(eks.send(new ListAccessEntriesCommand({ clusterName: "legacy" }))).rejects.toBeInstanceOf(InvalidRequestException);
    // The mode moves towards API only.
    await expect(eks.send(new UpdateClusterConfigCommand({ name: "many", accessConfig: { authenticationMode: "CONFIG_MAP" } }))).rejects.toThrow(/Unsupported authentication mode update from API_AND_CONFIG_MAP to CONFIG_MAP/);
  });

  it("pages ListAccessEntries and ListAssociatedAccessPolicies by maxResults", async () => {
    const eks = eksClient(sim);
    const principals = Array.from({ length: 23 }, (_, index) => `arn:aws:iam::${ACCOUNT}:role/team-${String(index).padStart(2, "0")}`);
    for (const principalArn of principals) await eks.send(new CreateAccessEntryCommand({ clusterName: "many", principalArn }));
    const pages: string[][] = [];
    let nextToken: string | undefined;
    do {
      const page = await eks.send(new ListAccessEntriesCommand({ clusterName: "many", maxResults: 10, ...(nextToken && { nextToken }) }));
      pages.push(page.accessEntries ?? []);
      nextToken = page.nextToken;
    } while (nextToken);
    expect(pages.map((page) => page.length)).toEqual([10, 10, 3]);
    expect(pages.flat()).toEqual(principals);
    await eks.send(new AssociateAccessPolicyCommand({ clusterName: "many", principalArn: principals[0], policyArn: VIEW, accessScope: { type: "namespace", namespaces: ["a"] } }));
    await eks.send(new AssociateAccessPolicyCommand({ clusterName: "many", principalArn: principals[0], policyArn: ADMIN, accessScope: { type: "cluster" } }));
    const first = await eks.send(new ListAssociatedAccessPoliciesCommand({ clusterName: "many", principalArn: principals[0], maxResults: 1 }));
    expect(first.associatedAccessPolicies).toHaveLength(1);
    expect(first.nextToken).toBeTypeOf("string");
  });

  it("gives the creator of a cluster in API mode the bootstrap cluster admin, unless refused", async () => {
    const eks = eksClient(sim);
    await eks.send(new CreateClusterCommand({ ...createClusterInput("bootstrapped"), accessConfig: { authenticationMode: "API" } }));
    const entries = await eks.send(new ListAccessEntriesCommand({ clusterName: "bootstrapped" }));
    expect(entries.accessEntries).toEqual([`arn:aws:iam::${ACCOUNT}:user/alice`]);
    expect((await eks.send(new ListAssociatedAccessPoliciesCommand({ clusterName: "bootstrapped", principalArn: `arn:aws:iam::${ACCOUNT}:user/alice` }))).associatedAccessPolicies).toMatchObject([{ policyArn: ADMIN, accessScope: { type: "cluster" } }]);
    await eks.send(new CreateClusterCommand({ ...createClusterInput("refused"), accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: false } }));
    expect((await eks.send(new ListAccessEntriesCommand({ clusterName: "refused" }))).accessEntries).toEqual([]);
  });
});

describe("identity providers through the SDK", () => {
  it("associates as a cluster update (CREATING, then ACTIVE), describes, refuses a duplicate, disassociates", async () => {
    const eks = eksClient(sim);
    expect((await eks.send(new ListIdentityProviderConfigsCommand({ clusterName: "payments" }))).identityProviderConfigs).toEqual([{ type: "oidc", name: "okta" }]);
    const associated = await eks.send(new AssociateIdentityProviderConfigCommand({ clusterName: "payments", oidc: { identityProviderConfigName: "contractor", issuerUrl: "https://sso.contractor.example", clientId: "kube" } }));
    expect(associated.update).toMatchObject({ status: "InProgress", type: "AssociateIdentityProviderConfig" });
    const describe = () => eks.send(new DescribeIdentityProviderConfigCommand({ clusterName: "payments", identityProviderConfig: { type: "oidc", name: "contractor" } }));
    expect((await describe()).identityProviderConfig?.oidc).toMatchObject({ identityProviderConfigName: "contractor", issuerUrl: "https://sso.contractor.example", clientId: "kube", status: "CREATING", clusterName: "payments" });
    await expect(eks.send(new AssociateIdentityProviderConfigCommand({ clusterName: "payments", oidc: { identityProviderConfigName: "contractor", issuerUrl: "https://x.example", clientId: "k" } }))).rejects.toBeInstanceOf(ResourceInUseException);
    sim.clock.advance(10 * 60_000);
    expect((await describe()).identityProviderConfig?.oidc?.status).toBe("ACTIVE");
    await eks.send(new DisassociateIdentityProviderConfigCommand({ clusterName: "payments", identityProviderConfig: { type: "oidc", name: "contractor" } }));
    sim.clock.advance(10 * 60_000);
    await expect(describe()).rejects.toBeInstanceOf(ResourceNotFoundException);
    const names = sim.cloudTrail.events.map((event) => event.detail.eventName);
    expect(names).toEqual(expect.arrayContaining(["AssociateIdentityProviderConfig", "DisassociateIdentityProviderConfig"]));
    expect(names).not.toContain("DescribeIdentityProviderConfig");
  });
});

describe("the AWS CLI drives access entries and identity providers", () => {
  async function aws(...args: string[]): Promise<{ code: number; json: Record<string, unknown>; stderr: string }> {
    const env = { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "/tmp", AWS_ACCESS_KEY_ID: "AKIAALICEEXAMPLE0001", AWS_SECRET_ACCESS_KEY: "secret", AWS_CONFIG_FILE: "/dev/null", AWS_SHARED_CREDENTIALS_FILE: "/dev/null" };
    try {
      const { stdout, stderr } = await run("aws", ["eks", ...args, "--endpoint-url", sim.url, "--region", "eu-west-1", "--output", "json"], { env, timeout: 30_000 });
      return { code: 0, json: stdout.trim() ? (JSON.parse(stdout) as Record<string, unknown>) : {}, stderr };
    } catch (error) {
      const failed = error as { code?: number; stderr?: string };
      return { code: typeof failed.code === "number" ? failed.code : -1, json: {}, stderr: failed.stderr ?? String(error) };
    }
  }

  it("create-access-entry, associate-access-policy, list-*, disassociate-access-policy, delete-access-entry", async () => {
    const principal = `arn:aws:iam::${ACCOUNT}:role/cli-made`;
    expect((await aws("create-access-entry", "--cluster-name", "payments", "--principal-arn", principal)).json["accessEntry"]).toMatchObject({ principalArn: principal, type: "STANDARD" });
    expect((await aws("create-access-entry", "--cluster-name", "payments", "--principal-arn", principal)).stderr).toMatch(/ResourceInUseException/);
    expect((await aws("associate-access-policy", "--cluster-name", "payments", "--principal-arn", principal, "--policy-arn", ADMIN, "--access-scope", "type=cluster")).code).toBe(0);
    expect((await aws("associate-access-policy", "--cluster-name", "payments", "--principal-arn", principal, "--policy-arn", VIEW, "--access-scope", "type=namespace")).stderr).toMatch(/InvalidParameterException.*namespace/);
    expect((await aws("associate-access-policy", "--cluster-name", "payments", "--principal-arn", principal, "--policy-arn", "arn:aws:eks::aws:cluster-access-policy/Nope", "--access-scope", "type=cluster")).stderr).toMatch(/InvalidParameterException/);
    expect((await aws("list-associated-access-policies", "--cluster-name", "payments", "--principal-arn", principal)).json["associatedAccessPolicies"]).toMatchObject([{ policyArn: ADMIN, accessScope: { type: "cluster" } }]);
    // The CLI pages by itself: --page-size 1 still lists every entry.
    expect((await aws("list-access-entries", "--cluster-name", "payments", "--page-size", "1")).json["accessEntries"]).toEqual(expect.arrayContaining([PLATFORM, principal]));
    expect((await aws("disassociate-access-policy", "--cluster-name", "payments", "--principal-arn", principal, "--policy-arn", ADMIN)).code).toBe(0);
    expect((await aws("delete-access-entry", "--cluster-name", "payments", "--principal-arn", principal)).code).toBe(0);
    expect((await aws("describe-access-entry", "--cluster-name", "payments", "--principal-arn", principal)).stderr).toMatch(/ResourceNotFoundException/);
    expect((await aws("list-access-policies")).json["accessPolicies"]).toEqual(expect.arrayContaining([{ name: "AmazonEKSClusterAdminPolicy", arn: ADMIN }]));
  }, 180_000);

  it("associate-identity-provider-config, describe-identity-provider-config, disassociate-identity-provider-config", async () => {
    const associated = await aws("associate-identity-provider-config", "--cluster-name", "payments", "--oidc", "identityProviderConfigName=cli-idp,issuerUrl=https://idp.example.com,clientId=kube");
    expect(associated.json["update"]).toMatchObject({ status: "InProgress", type: "AssociateIdentityProviderConfig" });
    const described = await aws("describe-identity-provider-config", "--cluster-name", "payments", "--identity-provider-config", "type=oidc,name=cli-idp");
    expect(described.json["identityProviderConfig"]).toMatchObject({ oidc: { identityProviderConfigName: "cli-idp", issuerUrl: "https://idp.example.com" } });
    sim.clock.advance(10 * 60_000);
    expect((await aws("disassociate-identity-provider-config", "--cluster-name", "payments", "--identity-provider-config", "type=oidc,name=cli-idp")).json["update"]).toMatchObject({ type: "DisassociateIdentityProviderConfig" });
    sim.clock.advance(10 * 60_000);
  }, 120_000);
});

describe("the fleet file's access entries and identity providers", () => {
  const problems = (fleet: unknown) => {
    try {
      validateFleet(fleet);
    } catch (error) {
      expect(error).toBeInstanceOf(FleetError);
      return (error as FleetError).issues.map((issue) => `${issue.path}: ${issue.message}`);
    }
    throw new Error("expected the fleet to be refused");
  };

  it("refuses an entry for another (missing) cluster, an unknown policy, a bad scope, entries under CONFIG_MAP, with their paths", () => {
    expect(
      problems({
        clusters: [
          {
            cluster: cluster("payments", "API"),
            accessEntries: [
              { clusterName: "ghost", principalArn: PLATFORM },
              { principalArn: OUTSIDER, accessPolicies: [{ policyArn: "arn:aws:eks::aws:cluster-access-policy/Nope", accessScope: { type: "cluster" } }, { policyArn: VIEW, accessScope: { type: "namespace" } }] },
              { principalArn: "alice" },
            ],
            identityProviders: [{ identityProviderConfigName: "okta", issuerUrl: "http://insecure.example", clientId: "k" }],
          },
          { cluster: cluster("legacy"), accessEntries: [{ principalArn: PLATFORM }] },
        ],
      }),
    ).toEqual([
      'clusters[0].accessEntries[0].clusterName: names cluster "ghost", which is not this entry\'s cluster "payments": list it under that cluster\'s entry',
      'clusters[0].accessEntries[1].accessPolicies[0].policyArn: expected an EKS access policy ARN such as arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy, got "arn:aws:eks::aws:cluster-access-policy/Nope"',
      "clusters[0].accessEntries[1].accessPolicies[1].accessScope: At least one namespace must be specified for an access scope of type namespace.",
      'clusters[0].accessEntries[2].principalArn: expected an IAM role or user ARN such as arn:aws:iam::111111111111:role/platform-admin, got "alice"',
      'clusters[0].identityProviders[0].issuerUrl: expected an https issuer URL, got "http://insecure.example"',
      'clusters[1].accessEntries: cluster.accessConfig.authenticationMode is "CONFIG_MAP": EKS keeps access entries only under API or API_AND_CONFIG_MAP',
    ]);
  });
});
