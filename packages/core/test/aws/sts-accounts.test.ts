// Member accounts through their roles, against the simulator over HTTP with the real SDK clients: AssumeRole with the
// external id, each role's session cached until shortly before it expires, a role that cannot be assumed reported as
// AccountUnreachable (never as an empty account), and the EKS adapter reading and listing a member account's clusters
// through the same code as the caller's own.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { startSimulator, type Simulator } from "@eks-warden/simulator/index";
import { EksCollector } from "../../src/aws/eks.ts";
import { ClusterInventory } from "../../src/aws/inventory.ts";
import { AccountCredentials, ASSUMED_ROLE_SECONDS, memberAccountsOf, policyAccountCredentials, REFRESH_BEFORE_EXPIRY_MS, StsIdentity, type MemberAccount } from "../../src/aws/sts.ts";
import { AccountUnreachable, CredentialsMissing, ServiceUnavailable, Throttled } from "../../src/errors.ts";
import { fixturePath } from "../../../../test/fixtures/index.ts";

type Json = Record<string, unknown>;
const recorded = (JSON.parse(readFileSync(fixturePath("eks/DescribeCluster.private-only.json"), "utf8")) as { data: { cluster: Json } }).data.cluster;
const CENTRAL = "111111111111";
const MEMBER = "222222222222";
const EXTERNAL_ID = "warden-test-external-id";
const EXTERNAL_ID_PARAMETER = `/eks-warden/external-id/${MEMBER}`;
const credentials = { accessKeyId: "AKIACENTRALTEST00001", secretAccessKey: "secret" };
const clusterOf = (account: string, region: string, name: string) => ({ region, cluster: { ...recorded, name, arn: `arn:aws:eks:${region}:${account}:cluster/${name}` } });

const member: MemberAccount = {
  id: MEMBER,
  roleArn: `arn:aws:iam::${MEMBER}:role/eks-warden-member-read`,
  remediationRoleArn: `arn:aws:iam::${MEMBER}:role/eks-warden-member-remediate`,
  externalId: EXTERNAL_ID,
};

let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator({
    fleet: {
      _what: "a central account and a member account whose read role requires the external id; a third account has no role",
      defaultAccount: CENTRAL,
      roles: [
        { arn: member.roleArn, externalId: EXTERNAL_ID },
        { arn: member.remediationRoleArn!, externalId: EXTERNAL_ID },
      ],
      ssmSecureStrings: { [EXTERNAL_ID_PARAMETER]: EXTERNAL_ID },
      clusters: [clusterOf(CENTRAL, "eu-west-1", "central-eu"), clusterOf(MEMBER, "eu-west-1", "member-eu"), clusterOf(MEMBER, "ap-southeast-2", "member-ap")],
    },
  });
});

afterAll(async () => {
  await sim?.stop();
});

beforeEach(() => {
  sim.calls.reset();
});

const accountsWith = (accounts: readonly MemberAccount[], now?: () => Date) =>
  new AccountCredentials({ accounts, sessionName: "sweep", region: "eu-west-1", clientConfig: { endpoint: sim.url, credentials }, ...(now && { now }) });

describe("AccountCredentials against the simulator's STS", () => {
  it("assumes the member's read role with the external id once, and serves every later caller from the cached session", async () => {
    const subject = accountsWith([member]);
    const provider = subject.provider(MEMBER, "read")!;
    const [first, second] = await Promise.all([provider(), provider()]);
    const third = await provider();
    expect(first.accessKeyId).toMatch(/^ASIA/);
    expect(second).toBe(first);
    expect(third).toBe(first);
    expect(first.expiration!.getTime()).toBeGreaterThan(Date.now() + (ASSUMED_ROLE_SECONDS - 60) * 1000);
    expect(sim.calls.get("AssumeRole")).toBe(1);
    subject.destroy();
  });

  it("asks for a new session shortly before the cached one expires", async () => {
    let now = new Date();
    const subject = accountsWith([member], () => now);
    const first = await subject.credentials(member, "read");
    now = new Date(first.expiration!.getTime() - REFRESH_BEFORE_EXPIRY_MS + 1000);
    const second = await subject.credentials(member, "read");
    expect(second.accessKeyId).not.toBe(first.accessKeyId);
    expect(sim.calls.get("AssumeRole")).toBe(2);
    subject.destroy();
  });

  it("renews an expiring session once, however many callers find it stale at the same time", async () => {
    let now = new Date();
    const subject = accountsWith([member], () => now);
    const first = await subject.credentials(member, "read");
    now = new Date(first.expiration!.getTime() - REFRESH_BEFORE_EXPIRY_MS + 1000);
    const renewed = await Promise.all([subject.credentials(member, "read"), subject.credentials(member, "read"), subject.credentials(member, "read")]);
    expect(new Set(renewed.map((session) => session.accessKeyId)).size).toBe(1);
    expect(renewed[0]!.accessKeyId).not.toBe(first.accessKeyId);
    expect(sim.calls.get("AssumeRole")).toBe(2);
    subject.destroy();
  });

  it("reads the external id from its SSM SecureString parameter at the first AssumeRole, once for both roles, and assumes with it", async () => {
    const { externalId: _inline, ...withoutInline } = member;
    const fromParameter: MemberAccount = { ...withoutInline, externalIdParameter: EXTERNAL_ID_PARAMETER };
    const subject = accountsWith([fromParameter]);
    expect(sim.calls.get("GetParameter")).toBe(0);
    const read = await subject.credentials(fromParameter, "read");
    const remediate = await subject.credentials(fromParameter, "remediate");
    expect(read.accessKeyId).toMatch(/^ASIA/);
    expect(remediate.accessKeyId).not.toBe(read.accessKeyId);
    expect(sim.calls.get("AssumeRole")).toBe(2);
    expect(sim.calls.get("GetParameter")).toBe(1);
    subject.destroy();
  });

  it("reports a member whose external id parameter does not exist as AccountUnreachable naming the parameter, and asks again next time", async () => {
    const { externalId: _inline, ...withoutInline } = member;
    const missingParameter: MemberAccount = { ...withoutInline, externalIdParameter: "/eks-warden/external-id/missing" };
    const subject = accountsWith([missingParameter]);
    for (let attempt = 0; attempt < 2; attempt++) {
      const error = await subject.credentials(missingParameter, "read").catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(AccountUnreachable);
      expect((error as Error).message).toContain("its external id could not be read: SSM parameter /eks-warden/external-id/missing does not exist in eu-west-1");
    }
    expect(sim.calls.get("GetParameter")).toBe(2);
    expect(sim.calls.get("AssumeRole")).toBe(0);
    subject.destroy();
  });

  it("reports a role that does not exist, or an external id that does not match, as AccountUnreachable naming the account and role", async () => {
    const missing: MemberAccount = { id: "444444444444", roleArn: "arn:aws:iam::444444444444:role/eks-warden-member-read", externalId: EXTERNAL_ID };
    const wrongId: MemberAccount = { ...member, externalId: "not-the-external-id" };
    for (const account of [missing, wrongId]) {
      const subject = accountsWith([account]);
      const error = await subject.credentials(account, "read").catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(AccountUnreachable);
      expect(error).toMatchObject({ account: account.id, roleArn: account.roleArn });
      expect((error as Error).message).toContain(`account ${account.id} could not be read: role ${account.roleArn} could not be assumed`);
      expect((error as Error).cause).toMatchObject({ name: "AccessDenied" });
      subject.destroy();
    }
  });

  it("does not remember a refusal: once the role can be assumed, the next call succeeds", async () => {
    sim.faults.failNext("AssumeRole", 1, { errorType: "AccessDenied", status: 403, message: "not authorized" });
    const subject = accountsWith([member]);
    await expect(subject.credentials(member, "read")).rejects.toBeInstanceOf(AccountUnreachable);
    await expect(subject.credentials(member, "read")).resolves.toMatchObject({ accessKeyId: expect.stringMatching(/^ASIA/) });
    subject.destroy();
  });

  it("throws STS throttling and failures as they are (retried like any service), not as an unreachable account", async () => {
    const subject = new AccountCredentials({ accounts: [member], sessionName: "sweep", region: "eu-west-1", clientConfig: { endpoint: sim.url, credentials, maxAttempts: 1 } });
    sim.faults.failNext("AssumeRole", 1, { errorType: "Throttling", status: 400, message: "Rate exceeded" });
    await expect(subject.credentials(member, "read")).rejects.toBeInstanceOf(Throttled);
    sim.faults.failNext("AssumeRole", 1, { errorType: "InternalFailure", status: 500, message: "boom" });
    await expect(subject.credentials(member, "read")).rejects.toBeInstanceOf(ServiceUnavailable);
    await expect(subject.credentials(member, "read")).resolves.toMatchObject({ accessKeyId: expect.stringMatching(/^ASIA/) });
    subject.destroy();
  });

  it("refuses to remediate an account that names no remediation role, without calling STS", async () => {
    const readOnly: MemberAccount = { id: MEMBER, roleArn: member.roleArn, externalId: EXTERNAL_ID };
    const subject = accountsWith([readOnly]);
    const error = await subject.credentials(readOnly, "remediate").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AccountUnreachable);
    expect((error as Error).message).toMatch(/no role is configured \(policy\.accounts names no remediationRoleArn/);
    expect(sim.calls.get("AssumeRole")).toBe(0);
    subject.destroy();
  });

  it("has no provider for an account that is not a member: its clients keep the caller's own credentials", () => {
    const subject = accountsWith([member]);
    expect(subject.provider(CENTRAL, "read")).toBeUndefined();
    expect(subject.isMember(MEMBER)).toBe(true);
    expect(subject.members).toEqual([MEMBER]);
  });

  it("lets missing credentials through as they are (a setup problem, not an unreachable account)", async () => {
    const subject = new AccountCredentials({
      accounts: [member],
      sessionName: "sweep",
      region: "eu-west-1",
      clientConfig: { endpoint: sim.url, credentials: () => Promise.reject(Object.assign(new Error("no credentials"), { name: "CredentialsProviderError" })) },
    });
    await expect(subject.credentials(member, "read")).rejects.toBeInstanceOf(CredentialsMissing);
    subject.destroy();
  });
});

describe("AccountCredentials on replies the simulator does not give", () => {
  it("keeps a session without an expiry for good, and asks without an external id when none is configured", async () => {
    const sts = mockClient(STSClient);
    sts.on(AssumeRoleCommand).resolves({ Credentials: { AccessKeyId: "ASIAMOCK", SecretAccessKey: "s", SessionToken: undefined, Expiration: undefined } as never });
    const bare: MemberAccount = { id: MEMBER, roleArn: member.roleArn };
    const subject = new AccountCredentials({ accounts: [bare], sessionName: "a-function-name-longer-than-sixty-four-characters-which-sts-would-refuse", region: "eu-west-1", now: () => new Date("2100-01-01T00:00:00Z") });
    expect(await subject.credentials(bare, "read")).toEqual({ accessKeyId: "ASIAMOCK", secretAccessKey: "s" });
    expect(await subject.credentials(bare, "read")).toEqual({ accessKeyId: "ASIAMOCK", secretAccessKey: "s" });
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(1);
    const input = sts.commandCalls(AssumeRoleCommand)[0]!.args[0].input;
    expect(input.ExternalId).toBeUndefined();
    expect(input.RoleSessionName).toHaveLength(64);
    subject.destroy();
    sts.restore();
  });

  it("reports a reply without credentials as an unreachable account", async () => {
    const sts = mockClient(STSClient);
    sts.on(AssumeRoleCommand).resolves({});
    const subject = new AccountCredentials({ accounts: [member], sessionName: "sweep", region: "eu-west-1" });
    await expect(subject.credentials(member, "read")).rejects.toThrow(/could not be assumed \(AssumeRole returned no credentials\)/);
    subject.destroy();
    sts.restore();
  });
});

describe("memberAccountsOf", () => {
  it("keeps the policy's accounts that name a role to assume, with their remediation role and external id", () => {
    expect(
      memberAccountsOf([
        { id: "999999999999" },
        { id: MEMBER, roleArn: member.roleArn, remediationRoleArn: member.remediationRoleArn, externalId: EXTERNAL_ID },
        { id: "333333333333", roleArn: "arn:aws:iam::333333333333:role/r" },
      ]),
    ).toEqual([member, { id: "333333333333", roleArn: "arn:aws:iam::333333333333:role/r" }]);
  });
});

describe("policyAccountCredentials", () => {
  const policy = { accounts: [{ id: "999999999999" }, { id: MEMBER, roleArn: member.roleArn, remediationRoleArn: member.remediationRoleArn, externalId: EXTERNAL_ID }] };
  const options = () => ({ sessionName: "eks-warden-scan", region: "eu-west-1", clientConfig: { endpoint: sim.url, credentials } });

  it("without remediation assumes the read-only role only: a remediation session is refused without calling STS", async () => {
    const subject = policyAccountCredentials(policy, { ...options(), remediation: false });
    expect(subject.members).toEqual([MEMBER]);
    await expect(subject.provider(MEMBER, "read")!()).resolves.toMatchObject({ accessKeyId: expect.stringMatching(/^ASIA/) });
    const refused = await subject.provider(MEMBER, "remediate")!().catch((caught: unknown) => caught);
    expect(refused).toBeInstanceOf(AccountUnreachable);
    expect(sim.calls.get("AssumeRole")).toBe(1);
    subject.destroy();
  });

  it("with remediation (the deployed functions) assumes the remediation role for the write", async () => {
    const subject = policyAccountCredentials(policy, { ...options(), remediation: true });
    await expect(subject.provider(MEMBER, "remediate")!()).resolves.toMatchObject({ accessKeyId: expect.stringMatching(/^ASIA/) });
    expect(sim.calls.get("AssumeRole")).toBe(1);
    subject.destroy();
  });
});

describe("the EKS adapter and the inventory in a member account", () => {
  const subjects = () => {
    const accounts = accountsWith([member]);
    const eks = new EksCollector({ clientConfig: { endpoint: sim.url, credentials }, accounts });
    const inventory = new ClusterInventory({ eks, sts: new StsIdentity({ clientConfig: { endpoint: sim.url, credentials } }) });
    return { accounts, eks, inventory };
  };

  it("lists and collects the member's clusters through its role, and the caller's own with its own credentials", async () => {
    const { accounts, eks, inventory } = subjects();
    expect((await inventory.clusters("eu-west-1")).map((ref) => ref.arn)).toEqual([`arn:aws:eks:eu-west-1:${CENTRAL}:cluster/central-eu`]);
    const memberRefs = [...(await inventory.clusters("eu-west-1", MEMBER)), ...(await inventory.clusters("ap-southeast-2", MEMBER))];
    expect(memberRefs).toEqual([
      { arn: `arn:aws:eks:eu-west-1:${MEMBER}:cluster/member-eu`, account: MEMBER, region: "eu-west-1", name: "member-eu" },
      { arn: `arn:aws:eks:ap-southeast-2:${MEMBER}:cluster/member-ap`, account: MEMBER, region: "ap-southeast-2", name: "member-ap" },
    ]);
    const collected = await eks.collect(memberRefs[1]!, ["cluster"]);
    expect(collected.snapshot).toMatchObject({ arn: memberRefs[1]!.arn, account: MEMBER, region: "ap-southeast-2" });
    // One session for the account, whatever the number of regions and calls.
    expect(sim.calls.get("AssumeRole")).toBe(1);
    eks.destroy();
    accounts.destroy();
  });

  it("throws AccountUnreachable, not an empty listing, for a member whose role cannot be assumed", async () => {
    const gone: MemberAccount = { id: "444444444444", roleArn: "arn:aws:iam::444444444444:role/eks-warden-member-read", externalId: EXTERNAL_ID };
    const accounts = accountsWith([gone]);
    const eks = new EksCollector({ clientConfig: { endpoint: sim.url, credentials }, accounts });
    const inventory = new ClusterInventory({ eks, sts: new StsIdentity({ clientConfig: { endpoint: sim.url, credentials } }) });
    await expect(inventory.clusters("eu-west-1", gone.id)).rejects.toBeInstanceOf(AccountUnreachable);
    eks.destroy();
    accounts.destroy();
  });

  it("remediates a member's cluster in its remediation role, which CloudTrail records in the member account", async () => {
    const { accounts, eks } = subjects();
    const events: { account: string; arn: string | undefined }[] = [];
    const unsubscribe = sim.onCloudTrailEvent((event) => {
      events.push({ account: event.account, arn: event.detail.userIdentity?.arn });
    });
    const ref = { arn: `arn:aws:eks:eu-west-1:${MEMBER}:cluster/member-eu`, account: MEMBER, region: "eu-west-1", name: "member-eu" };
    // Any change will do: what matters is whose call it is.
    const started = await eks.updateClusterConfig(ref, { name: "member-eu", resourcesVpcConfig: { endpointPublicAccess: true, endpointPrivateAccess: true, publicAccessCidrs: ["203.0.113.0/24"] } });
    expect(started.updateId).toBeTruthy();
    await sim.cloudTrail.idle();
    unsubscribe();
    expect(events).toContainEqual({ account: MEMBER, arn: `arn:aws:sts::${MEMBER}:assumed-role/eks-warden-member-remediate/sweep` });
    eks.destroy();
    accounts.destroy();
  });
});
