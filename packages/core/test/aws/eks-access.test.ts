// Access entries and identity providers through the EKS collector: read only for the rules that declare them, every
// page, and an entry that cannot be read kept as unreadable (the access rules then ERROR), never dropped.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "@eks-warden/simulator/index";
import {
  DescribeAccessEntryCommand,
  DescribeClusterCommand,
  DescribeIdentityProviderConfigCommand,
  EKSClient,
  ListAccessEntriesCommand,
  ListAssociatedAccessPoliciesCommand,
  ListIdentityProviderConfigsCommand,
} from "@aws-sdk/client-eks";
import { mockClient } from "aws-sdk-client-mock";
import { EksCollector } from "../../src/aws/eks.ts";
import { Throttled } from "../../src/errors.ts";

const ACCOUNT = "111122223333";
const ref = { arn: `arn:aws:eks:eu-west-1:${ACCOUNT}:cluster/payments`, account: ACCOUNT, region: "eu-west-1", name: "payments" };
const credentials = { accessKeyId: "AKIAWARDENTEST000001", secretAccessKey: "secret" };
const cluster = (authenticationMode?: string) => ({
  name: "payments",
  arn: ref.arn,
  status: "ACTIVE",
  version: "1.33",
  resourcesVpcConfig: { endpointPublicAccess: false, endpointPrivateAccess: true },
  ...(authenticationMode && { accessConfig: { authenticationMode, bootstrapClusterCreatorAdminPermissions: false } }),
});
const ADMIN = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy";
const named = (name: string, message = "x") => Object.assign(new Error(message), { name, $metadata: {} });
const commandsSent = (mocked: ReturnType<typeof mockClient>) => mocked.calls().map((call) => (call.args[0] as { constructor: { name: string } }).constructor.name.replace(/Command$/, "")).sort();
const collector = () => new EksCollector({ clientFor: () => new EKSClient({ region: "eu-west-1", credentials, maxAttempts: 1 }) });

describe("EksCollector reads access entries and identity providers", () => {
  it("only when a rule declares them; accessConfig comes from DescribeCluster alone", async () => {
    const mocked = mockClient(EKSClient);
    mocked.on(DescribeClusterCommand).resolves({ cluster: cluster("API") as never });
    const collected = await collector().collect(ref, ["cluster"]);
    expect(commandsSent(mocked)).toEqual(["DescribeCluster"]);
    expect(collected.snapshot.accessConfig).toEqual({ authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: false });
    expect(collected.snapshot.accessEntries).toBeUndefined();
    expect(collected.snapshot.identityProviders).toBeUndefined();
    mocked.restore();
  });

  it("every page of entries and of each entry's policies, each entry described", async () => {
    const mocked = mockClient(EKSClient);
    mocked.on(DescribeClusterCommand).resolves({ cluster: cluster("API_AND_CONFIG_MAP") as never });
    const roleA = `arn:aws:iam::${ACCOUNT}:role/platform-admin`;
    const roleB = "arn:aws:iam::999988887777:role/outsider";
    mocked.on(ListAccessEntriesCommand).resolvesOnce({ accessEntries: [roleA], nextToken: "p2" }).resolves({ accessEntries: [roleB] });
    mocked.on(DescribeAccessEntryCommand).callsFake((input: { principalArn: string }) => ({
      accessEntry: { clusterName: "payments", principalArn: input.principalArn, kubernetesGroups: [], type: "STANDARD", username: input.principalArn, createdAt: new Date("2026-12-01T10:00:00Z") },
    }));
    mocked
      .on(ListAssociatedAccessPoliciesCommand, { principalArn: roleB })
      .resolvesOnce({ associatedAccessPolicies: [{ policyArn: ADMIN, accessScope: { type: "cluster", namespaces: [] } }], nextToken: "q2" })
      .resolves({ associatedAccessPolicies: [{ policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy", accessScope: { type: "namespace", namespaces: ["team-a"] } }] });
    mocked.on(ListAssociatedAccessPoliciesCommand, { principalArn: roleA }).resolves({ associatedAccessPolicies: [] });
    const collected = await collector().collect(ref, ["accessEntries"]);
    expect(collected.snapshot.accessEntries?.map((entry) => entry.principalArn)).toEqual([roleA, roleB]);
    expect(collected.snapshot.accessEntries?.[1]?.accessPolicies).toEqual([
      { policyArn: ADMIN, accessScope: { type: "cluster", namespaces: [] } },
      { policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy", accessScope: { type: "namespace", namespaces: ["team-a"] } },
    ]);
    expect(mocked.commandCalls(ListAccessEntriesCommand)[1]!.args[0].input).toEqual({ clusterName: "payments", nextToken: "p2" });
    expect(commandsSent(mocked)).toEqual(["DescribeAccessEntry", "DescribeAccessEntry", "DescribeCluster", "ListAccessEntries", "ListAccessEntries", "ListAssociatedAccessPolicies", "ListAssociatedAccessPolicies", "ListAssociatedAccessPolicies"]);
    mocked.restore();
  });

  it("keeps an entry whose describe is denied, or that went mid-read, as unreadable; throttling is thrown", async () => {
    const mocked = mockClient(EKSClient);
    mocked.on(DescribeClusterCommand).resolves({ cluster: cluster("API") as never });
    const denied = `arn:aws:iam::${ACCOUNT}:role/denied`;
    const gone = `arn:aws:iam::${ACCOUNT}:user/gone`;
    mocked.on(ListAccessEntriesCommand).resolves({ accessEntries: [denied, gone] });
    mocked.on(DescribeAccessEntryCommand, { principalArn: denied }).rejects(named("AccessDeniedException", "not authorized to perform eks:DescribeAccessEntry"));
    mocked.on(DescribeAccessEntryCommand, { principalArn: gone }).rejects(named("ResourceNotFoundException", "The specified access entry resource could not be found."));
    mocked.on(ListAssociatedAccessPoliciesCommand).resolves({ associatedAccessPolicies: [] });
    const collected = await collector().collect(ref, ["accessEntries"]);
    expect(collected.snapshot.accessEntries).toMatchObject([
      { principalArn: denied, unreadable: expect.stringContaining("DescribeAccessEntry") },
      { principalArn: gone, unreadable: expect.stringContaining(`access entry ${gone}`) },
    ]);
    mocked.on(DescribeAccessEntryCommand).rejects(named("ThrottlingException", "Rate exceeded"));
    await expect(collector().collect(ref, ["accessEntries"])).rejects.toBeInstanceOf(Throttled);
    mocked.restore();
  });

  it("leaves the entries unread without ListAccessEntries, and makes no call for a CONFIG_MAP cluster", async () => {
    const mocked = mockClient(EKSClient);
    mocked.on(DescribeClusterCommand).resolves({ cluster: cluster("API") as never });
    mocked.on(ListAccessEntriesCommand).rejects(named("AccessDeniedException", "not authorized to perform eks:ListAccessEntries"));
    expect((await collector().collect(ref, ["accessEntries"])).snapshot.accessEntries).toBeUndefined();
    mocked.resetHistory();
    mocked.on(DescribeClusterCommand).resolves({ cluster: cluster() as never });
    expect((await collector().collect(ref, ["accessEntries"])).snapshot.accessEntries).toEqual([]);
    expect(commandsSent(mocked)).toEqual(["DescribeCluster"]);
    mocked.restore();
  });

  it("describes each identity provider; a denied one is unreadable", async () => {
    const mocked = mockClient(EKSClient);
    mocked.on(DescribeClusterCommand).resolves({ cluster: cluster("API") as never });
    mocked.on(ListIdentityProviderConfigsCommand).resolves({ identityProviderConfigs: [{ type: "oidc", name: "okta" }, { type: "oidc", name: "hidden" }] });
    mocked.on(DescribeIdentityProviderConfigCommand, { clusterName: "payments", identityProviderConfig: { type: "oidc", name: "okta" } }).resolves({
      identityProviderConfig: { oidc: { identityProviderConfigName: "okta", issuerUrl: "https://example.okta.com", clientId: "kube", status: "ACTIVE", clusterName: "payments" } },
    });
    mocked.on(DescribeIdentityProviderConfigCommand, { clusterName: "payments", identityProviderConfig: { type: "oidc", name: "hidden" } }).rejects(named("AccessDeniedException", "denied"));
    const collected = await collector().collect(ref, ["identityProviders"]);
    expect(collected.snapshot.identityProviders).toEqual([
      { name: "okta", type: "oidc", issuerUrl: "https://example.okta.com", clientId: "kube", status: "ACTIVE" },
      { name: "hidden", type: "oidc", unreadable: expect.stringContaining("DescribeIdentityProviderConfig") },
    ]);
    mocked.restore();
  });
});

describe("EksCollector against the simulator (real SDK client over HTTP)", () => {
  const ADMIN_POLICY = { policyArn: ADMIN, accessScope: { type: "cluster" } };
  const principals = Array.from({ length: 130 }, (_, index) => `arn:aws:iam::${ACCOUNT}:role/team-${String(index).padStart(3, "0")}`);
  let sim: Simulator;
  let simCollector: EksCollector;
  beforeAll(async () => {
    sim = await startSimulator({
      fleet: {
        defaultAccount: ACCOUNT,
        clusters: [
          {
            region: "eu-west-1",
            cluster: cluster("API"),
            accessEntries: principals.map((principalArn, index) => ({ principalArn, ...(index === 129 && { accessPolicies: [ADMIN_POLICY] }) })),
            identityProviders: [{ identityProviderConfigName: "okta", issuerUrl: "https://example.okta.com", clientId: "kube" }],
          },
        ],
      },
    });
    simCollector = new EksCollector({ clientConfig: { endpoint: sim.url, credentials, maxAttempts: 1 } });
  });
  afterAll(async () => {
    simCollector?.destroy();
    await sim?.stop();
  });

  it("reads every page of 130 entries (ListAccessEntries pages of 100), each described with its policies, and nothing else asked", async () => {
    const before = { list: sim.calls.get("ListAccessEntries"), describe: sim.calls.get("DescribeAccessEntry"), policies: sim.calls.get("ListAssociatedAccessPolicies"), idp: sim.calls.get("ListIdentityProviderConfigs"), nodegroups: sim.calls.get("ListNodegroups") };
    const collected = await simCollector.collect(ref, ["accessEntries"]);
    expect(collected.snapshot.accessEntries).toHaveLength(130);
    expect(collected.snapshot.accessEntries?.[129]).toMatchObject({ principalArn: principals[129], accessPolicies: [{ policyArn: ADMIN, accessScope: { type: "cluster", namespaces: [] } }] });
    expect(sim.calls.get("ListAccessEntries") - before.list).toBe(2);
    expect(sim.calls.get("DescribeAccessEntry") - before.describe).toBe(130);
    expect(sim.calls.get("ListAssociatedAccessPolicies") - before.policies).toBe(130);
    expect(sim.calls.get("ListIdentityProviderConfigs") - before.idp).toBe(0);
    expect(sim.calls.get("ListNodegroups") - before.nodegroups).toBe(0);
  });

  it("keeps an entry EKS denies describing as unreadable, beside the others", async () => {
    sim.faults.failNext("DescribeAccessEntry", 1, { errorType: "AccessDeniedException", status: 403, message: "User is not authorized to perform: eks:DescribeAccessEntry" });
    const collected = await simCollector.collect(ref, ["accessEntries"]);
    const unreadable = collected.snapshot.accessEntries?.filter((entry) => entry.unreadable !== undefined) ?? [];
    expect(unreadable).toHaveLength(1);
    expect(unreadable[0]?.unreadable).toMatch(/DescribeAccessEntry/);
    expect(collected.snapshot.accessEntries).toHaveLength(130);
  });

  it("describes the identity providers", async () => {
    const collected = await simCollector.collect(ref, ["identityProviders"]);
    expect(collected.snapshot.identityProviders).toEqual([{ name: "okta", type: "oidc", issuerUrl: "https://example.okta.com", clientId: "kube", status: "ACTIVE" }]);
  });
});
