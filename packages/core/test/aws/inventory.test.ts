// The cluster inventory (the account from the STS adapter, cluster names from the EKS adapter's ListClusters) against
// the simulator over HTTP with the real SDK clients, and the edge cases the simulator cannot produce.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { EKSClient, ListClustersCommand } from "@aws-sdk/client-eks";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { startSimulator, type Simulator } from "@eks-warden/simulator/index";
import { EksCollector } from "../../src/aws/eks.ts";
import { ClusterInventory } from "../../src/aws/inventory.ts";
import { StsIdentity } from "../../src/aws/sts.ts";
import { AccessDenied, CredentialsMissing, EksUnavailable, ServiceUnavailable, Throttled } from "../../src/errors.ts";
import { fixturePath } from "../../../../test/fixtures/index.ts";

type Json = Record<string, unknown>;
const recorded = (JSON.parse(readFileSync(fixturePath("eks/DescribeCluster.private-only.json"), "utf8")) as { data: { cluster: Json } }).data.cluster;
const ACCOUNT = "123456789012";
const credentials = { accessKeyId: "AKIAINVENTORYTEST001", secretAccessKey: "secret" };
// 120 clusters: ListClusters pages at 100, so listing them all needs the next token.
const NAMES = Array.from({ length: 120 }, (_, index) => `cluster-${String(index).padStart(3, "0")}`);

let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator({
    fleet: {
      _what: "the recorded private-only cluster, copied under many names in eu-west-1 and once in the China partition's region",
      defaultAccount: ACCOUNT,
      clusters: [
        ...NAMES.map((name) => ({ region: "eu-west-1", cluster: { ...recorded, name, arn: `arn:aws:eks:eu-west-1:${ACCOUNT}:cluster/${name}` } })),
        { region: "cn-north-1", cluster: { ...recorded, name: "beijing", arn: `arn:aws-cn:eks:cn-north-1:${ACCOUNT}:cluster/beijing` } },
      ],
    },
  });
});

afterAll(async () => {
  await sim?.stop();
});

const inventory = () => new ClusterInventory({ sts: new StsIdentity({ clientConfig: { endpoint: sim.url, credentials } }), eks: new EksCollector({ clientConfig: { endpoint: sim.url, credentials } }) });

describe("ClusterInventory against the simulator", () => {
  it("lists every cluster of a region across pages, as references with the caller's account", async () => {
    const subject = inventory();
    const refs = await subject.clusters("eu-west-1");
    expect(refs.map((ref) => ref.name)).toEqual(NAMES);
    expect(refs[0]).toEqual({ arn: `arn:aws:eks:eu-west-1:${ACCOUNT}:cluster/cluster-000`, account: ACCOUNT, region: "eu-west-1", name: "cluster-000" });
    expect(await subject.clusters("us-east-1")).toEqual([]);
    subject.eks.destroy();
  });

  it("writes the partition of the region into the ARN", async () => {
    const subject = inventory();
    expect((await subject.clusters("cn-north-1")).map((ref) => ref.arn)).toEqual([`arn:aws-cn:eks:cn-north-1:${ACCOUNT}:cluster/beijing`]);
    subject.eks.destroy();
  });

  it("asks STS once for the account", async () => {
    const subject = inventory();
    const before = sim.calls.get("GetCallerIdentity");
    await subject.account("eu-west-1");
    await subject.account("us-east-1");
    expect(sim.calls.get("GetCallerIdentity") - before).toBe(1);
    subject.eks.destroy();
  });

  it("reports the configured region, or undefined when there is none", async () => {
    expect(await new ClusterInventory({ sts: new StsIdentity({ clientConfig: { region: "ap-south-1" } }) }).defaultRegion()).toBe("ap-south-1");
    const saved = { AWS_REGION: process.env.AWS_REGION, AWS_DEFAULT_REGION: process.env.AWS_DEFAULT_REGION, AWS_CONFIG_FILE: process.env.AWS_CONFIG_FILE, AWS_PROFILE: process.env.AWS_PROFILE };
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    delete process.env.AWS_PROFILE;
    process.env.AWS_CONFIG_FILE = "/nonexistent/aws-config";
    try {
      expect(await new ClusterInventory().defaultRegion()).toBeUndefined();
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it("turns an unreachable endpoint into EksUnavailable", async () => {
    const subject = new ClusterInventory({ eks: new EksCollector({ clientConfig: { endpoint: "http://127.0.0.1:9", credentials, maxAttempts: 1 } }) });
    await expect(subject.clusters("eu-west-1")).rejects.toBeInstanceOf(EksUnavailable);
    subject.eks.destroy();
  });
});

describe("ClusterInventory edge cases", () => {
  // Created in beforeAll, not here: a describe body runs while the file is collected, before the tests above.
  let eks: ReturnType<typeof mockClient>;
  let sts: ReturnType<typeof mockClient>;
  beforeAll(() => {
    eks = mockClient(EKSClient);
    sts = mockClient(STSClient);
  });
  afterAll(() => {
    eks.restore();
    sts.restore();
  });
  const named = (name: string, message = name) => Object.assign(new Error(message), { name });

  it.each([
    ["ThrottlingException", Throttled],
    ["AccessDeniedException", AccessDenied],
    ["UnrecognizedClientException", AccessDenied],
    ["CredentialsProviderError", CredentialsMissing],
    ["ServerException", EksUnavailable],
    // ListClusters names no cluster: a ResourceNotFoundException there is not "cluster not found".
    ["ResourceNotFoundException", EksUnavailable],
  ])("ListClusters %s -> %o", async (name, type) => {
    eks.reset();
    eks.on(ListClustersCommand).rejects(named(name));
    await expect(new EksCollector().clusterNames("eu-west-1")).rejects.toBeInstanceOf(type);
  });

  it("explains missing credentials with what to set", async () => {
    sts.reset();
    sts.on(GetCallerIdentityCommand).rejects(named("CredentialsProviderError", "Could not load credentials from any providers"));
    const error = await new StsIdentity().account("eu-west-1").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CredentialsMissing);
    expect((error as Error).message).toContain("Could not load credentials from any providers");
    expect((error as Error).message).toContain("--profile");
    expect(new CredentialsMissing().message).toContain("provider chain came back empty");
  });

  it("translates STS failures, does not remember a failed attempt, and refuses a reply without an account", async () => {
    sts.reset();
    sts.on(GetCallerIdentityCommand).rejectsOnce(named("Throttling")).resolvesOnce({ Account: ACCOUNT }).resolves({});
    const subject = new StsIdentity();
    await expect(subject.account("eu-west-1")).rejects.toBeInstanceOf(Throttled);
    expect(await subject.account("eu-west-1")).toBe(ACCOUNT);
    await expect(new StsIdentity().account("eu-west-1")).rejects.toBeInstanceOf(ServiceUnavailable);
    sts.reset();
    sts.on(GetCallerIdentityCommand).rejects(named("InternalFailure"));
    const failure = await new StsIdentity().account("eu-west-1").catch((caught: unknown) => caught);
    expect(failure).toBeInstanceOf(ServiceUnavailable);
    expect(failure).not.toBeInstanceOf(EksUnavailable);
  });

  it("lists a region with no clusters field as empty", async () => {
    eks.reset();
    eks.on(ListClustersCommand).resolves({});
    expect(await new EksCollector().clusterNames("eu-west-1")).toEqual([]);
  });

  it("lists with the EKS adapter it is given, one client per region; closes only an adapter it created", async () => {
    eks.reset();
    sts.reset();
    eks.on(ListClustersCommand).resolves({ clusters: ["b", "a"] });
    sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT });
    const shared = new EksCollector();
    const subject = new ClusterInventory({ eks: shared });
    expect((await subject.clusters("eu-west-1")).map((ref) => ref.name)).toEqual(["a", "b"]);
    await shared.clusterNames("eu-west-1");
    await subject.clusters("us-east-1");
    const clients = new Set(eks.calls().map((call) => call.thisValue));
    expect(clients.size).toBe(2);
    subject.destroy();
    expect(subject.eks).toBe(shared);
    const own = new ClusterInventory();
    await own.clusters("eu-west-1");
    own.destroy();
    shared.destroy();
  });
});
