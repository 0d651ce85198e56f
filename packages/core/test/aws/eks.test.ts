// The EKS collector against the simulator (real SDK client over HTTP), and its error translation.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { EKSClient, DescribeClusterCommand, DescribeAddonCommand, DescribeClusterVersionsCommand, DescribeNodegroupCommand, DescribeUpdateCommand, ListAddonsCommand, ListNodegroupsCommand, UpdateClusterConfigCommand } from "@aws-sdk/client-eks";
import { mockClient } from "aws-sdk-client-mock";
import { startSimulator, type Simulator } from "@eks-warden/simulator/index";
import { MAX_ATTEMPTS } from "../../src/aws/client-config.ts";
import { EksCollector, translateEksError } from "../../src/aws/eks.ts";
import { AccessDenied, ClusterNotFound, EksUnavailable, Throttled, UpdateNotFound } from "../../src/errors.ts";
import { fixturePath } from "../../../../test/fixtures/index.ts";

type Json = Record<string, unknown>;
const fixture = (file: string) => (JSON.parse(readFileSync(fixturePath(`eks/${file}`), "utf8")) as { data: Json }).data;
const ACCOUNT = "644160558196";
const modern = fixture("DescribeCluster.v1-35.modern-fields.json").cluster as Json & { arn: string; name: string };
const catalogue = fixture("DescribeClusterVersions.json").clusterVersions as Json[];
const ref = { arn: modern.arn as string, account: ACCOUNT, region: "us-east-1", name: modern.name as string };
const credentials = { accessKeyId: "AKIAWARDENTEST000001", secretAccessKey: "secret" };

let sim: Simulator;
let collector: EksCollector;

beforeAll(async () => {
  sim = await startSimulator({
    fleet: {
      _what: "the recorded 1.35 cluster and add-on and version catalogue; the node group is made up (the recorded one is an error reply)",
      defaultAccount: ACCOUNT,
      clusters: [{ cluster: modern, nodegroups: [{ nodegroupName: "ng-a", version: "1.35", releaseVersion: "1.35.0-20260101", amiType: "AL2023_x86_64_STANDARD" }], addons: [{ ...(fixture("DescribeAddon.1.json").addon as Json), clusterName: modern.name }] }],
      clusterVersions: catalogue,
    },
  });
  collector = new EksCollector({ clientConfig: { endpoint: sim.url, credentials } });
});
afterAll(async () => {
  await sim?.stop();
});

describe("EksCollector on the simulator", () => {
  it("collects the cluster with its node groups, add-ons and the version catalogue", async () => {
    const collected = await collector.collect(ref);
    expect(collected.snapshot).toMatchObject({ arn: ref.arn, name: ref.name, version: "1.35", status: "ACTIVE" });
    expect(collected.snapshot.nodegroups).toHaveLength(1);
    expect(collected.snapshot.addons).toHaveLength(1);
    expect(collected.versions?.versions.length).toBeGreaterThan(0);
    expect(collected.record.name).toBe(ref.name);
  });

  it("follows an update with DescribeUpdate, and names a missing update or cluster", async () => {
    const eks = new EKSClient({ region: "us-east-1", endpoint: sim.url, credentials });
    const { update } = await eks.send(new UpdateClusterConfigCommand({ name: ref.name, resourcesVpcConfig: { endpointPublicAccess: false, endpointPrivateAccess: true } }));
    expect((await collector.describeUpdate(ref, update!.id!)).status).toBe("InProgress");
    sim.clock.advance(30 * 60_000);
    expect(await collector.describeUpdate(ref, update!.id!)).toMatchObject({ status: "Successful", errors: [] });
    await expect(collector.describeUpdate(ref, "00000000-0000-0000-0000-000000000000")).rejects.toBeInstanceOf(UpdateNotFound);
    await expect(collector.collect({ ...ref, name: "absent", arn: ref.arn.replace(ref.name, "absent") })).rejects.toBeInstanceOf(ClusterNotFound);
    eks.destroy();
  });

  it("rides out 30% throttling on DescribeCluster with the SDK's retries", async () => {
    sim.faults.seed(7);
    sim.faults.set("DescribeCluster", { throttleRate: 0.3, throttleError: "TooManyRequestsException" });
    const before = sim.calls.get("DescribeCluster");
    for (let i = 0; i < 10; i += 1) expect((await collector.collect(ref)).snapshot.name).toBe(ref.name);
    expect(sim.calls.get("DescribeCluster") - before).toBeGreaterThan(10);
    sim.faults.clear();
  });

  it("throws Throttled after the retries when throttling does not stop, having tried MAX_ATTEMPTS times", async () => {
    sim.faults.set("DescribeCluster", { throttleRate: 1 });
    const before = sim.calls.get("DescribeCluster");
    const error = await collector.collect(ref).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Throttled);
    expect((error as Error).cause).toBeInstanceOf(Error);
    expect(sim.calls.get("DescribeCluster") - before).toBe(MAX_ATTEMPTS);
    sim.faults.clear();
  }, 60_000);
});

describe("EKS error translation", () => {
  const named = (name: string, message = "x") => Object.assign(new Error(message), { name });
  it("maps EKS errors to typed errors with the cause", () => {
    expect(translateEksError("DescribeCluster", ref, named("ResourceNotFoundException", "No cluster found for name: x."))).toBeInstanceOf(ClusterNotFound);
    expect(translateEksError("DescribeUpdate", ref, named("ResourceNotFoundException", "No update found for ID: u"), "u")).toBeInstanceOf(UpdateNotFound);
    expect(translateEksError("DescribeUpdate", ref, named("ResourceNotFoundException", "No cluster found for name: x."), "u")).toBeInstanceOf(ClusterNotFound);
    expect(translateEksError("DescribeCluster", ref, named("ThrottlingException"))).toBeInstanceOf(Throttled);
    expect(translateEksError("DescribeCluster", ref, named("AccessDeniedException"))).toBeInstanceOf(AccessDenied);
    const failure = named("ServerException");
    const translated = translateEksError("DescribeCluster", ref, failure);
    expect(translated).toBeInstanceOf(EksUnavailable);
    expect(translated.cause).toBe(failure);
    expect(translateEksError("X", ref, "not an error")).toBeInstanceOf(EksUnavailable);
  });

  it("without DescribeClusterVersions permission, version data is absent (version rules say ERROR), endpoint data still flows", async () => {
    const mocked = mockClient(EKSClient);
    mocked.on(DescribeClusterCommand).resolves({ cluster: modern as never });
    mocked.onAnyCommand().callsFake((input: Record<string, unknown>) => {
      if ("nodegroupName" in input || "addonName" in input) return {};
      if (Object.keys(input).length === 0 || "nextToken" in input) throw named("AccessDeniedException");
      return { nodegroups: [], addons: [] };
    });
    mocked.on(DescribeClusterCommand).resolves({ cluster: modern as never });
    const local = new EksCollector({ clientFor: () => new EKSClient({ region: "us-east-1", credentials }) });
    const collected = await local.collect(ref);
    expect(collected.versions).toBeUndefined();
    mocked.on(DescribeClusterCommand).resolves({});
    await expect(local.collect(ref)).rejects.toBeInstanceOf(EksUnavailable);
    mocked.restore();
  });
});

describe("EksCollector edge cases", () => {
  const named = (name: string, message = "x") => Object.assign(new Error(message), { name });

  it("skips a node group or add-on deleted between the list and the describe; reuses the catalogue within the hour", async () => {
    const mocked = mockClient(EKSClient);
    mocked.on(DescribeClusterCommand).resolves({ cluster: modern as never });
    mocked.on(ListNodegroupsCommand).resolvesOnce({ nodegroups: ["gone"], nextToken: "t" }).resolves({ nodegroups: ["ng-b"] });
    mocked.on(DescribeNodegroupCommand, { nodegroupName: "gone" }).rejects(named("ResourceNotFoundException", "No node group found for name: gone."));
    mocked.on(DescribeNodegroupCommand, { nodegroupName: "ng-b" }).resolves({ nodegroup: { nodegroupName: "ng-b", clusterName: modern.name, version: "1.35" } });
    mocked.on(ListAddonsCommand).resolves({ addons: [] });
    mocked.on(DescribeClusterVersionsCommand).resolves({ clusterVersions: catalogue as never });
    let now = new Date("2026-01-05T10:00:00Z");
    const local = new EksCollector({ clientFor: () => new EKSClient({ region: "us-east-1", credentials }), now: () => now });
    const first = await local.collect(ref);
    expect(first.snapshot.nodegroups?.map((group) => group.name)).toEqual(["ng-b"]);
    await local.collect(ref);
    expect(mocked.commandCalls(DescribeClusterVersionsCommand)).toHaveLength(1);
    now = new Date("2026-01-05T11:30:00Z");
    await local.collect(ref);
    expect(mocked.commandCalls(DescribeClusterVersionsCommand)).toHaveLength(2);
    // Collections running at once (the sweep's pool) share one read of an expired catalogue.
    now = new Date("2026-01-05T13:00:00Z");
    await Promise.all([local.collect(ref), local.collect(ref), local.collect(ref)]);
    expect(mocked.commandCalls(DescribeClusterVersionsCommand)).toHaveLength(3);
    mocked.on(DescribeNodegroupCommand, { nodegroupName: "ng-b" }).rejects(named("ServerException"));
    await expect(local.collect(ref)).rejects.toBeInstanceOf(EksUnavailable);
    mocked.restore();
  });

  it("follows every page of add-ons and of the catalogue; an update without errors has none", async () => {
    const mocked = mockClient(EKSClient);
    mocked.on(DescribeClusterCommand).resolves({ cluster: modern as never });
    mocked.on(ListNodegroupsCommand).resolves({});
    mocked.on(ListAddonsCommand).resolvesOnce({ addons: ["a"], nextToken: "n" }).resolves({});
    mocked.on(DescribeAddonCommand).resolves({ addon: { addonName: "a", clusterName: modern.name, addonVersion: "v1" } });
    mocked.on(DescribeClusterVersionsCommand).resolvesOnce({ clusterVersions: catalogue.slice(0, 2) as never, nextToken: "p2" }).resolves({});
    mocked.on(DescribeUpdateCommand).resolves({ update: { status: "Successful" } });
    const local = new EksCollector({ clientFor: () => new EKSClient({ region: "us-east-1", credentials }) });
    const collected = await local.collect(ref);
    expect(collected.snapshot.addons?.map((addon) => addon.name)).toEqual(["a"]);
    expect(collected.versions?.versions).toHaveLength(2);
    expect(mocked.commandCalls(DescribeClusterVersionsCommand)[1]!.args[0].input).toEqual({ nextToken: "p2" });
    expect(await local.describeUpdate(ref, "u")).toEqual({ status: "Successful", errors: [] });
    expect(translateEksError("DescribeUpdate", ref, { name: "ResourceNotFoundException" }, "u")).toBeInstanceOf(EksUnavailable);
    mocked.restore();
  });

  it("a throttled catalogue read is thrown, not taken for 'no data'", async () => {
    const mocked = mockClient(EKSClient);
    mocked.on(DescribeClusterCommand).resolves({ cluster: modern as never });
    mocked.on(ListNodegroupsCommand).resolves({});
    mocked.on(ListAddonsCommand).resolves({});
    mocked.on(DescribeClusterVersionsCommand).rejects(named("ThrottlingException"));
    await expect(new EksCollector({ clientFor: () => new EKSClient({ region: "us-east-1", credentials }) }).collect(ref)).rejects.toBeInstanceOf(Throttled);
    mocked.restore();
  });

  it("DescribeUpdate: errors are passed on, a reply without status is a failure", async () => {
    const mocked = mockClient(EKSClient);
    mocked.on(DescribeUpdateCommand).resolvesOnce({ update: { status: "Failed", errors: [{ errorCode: "AccessDenied", errorMessage: "role" }, {}] } }).resolves({ update: {} });
    const local = new EksCollector({ clientFor: () => new EKSClient({ region: "us-east-1", credentials }) });
    expect(await local.describeUpdate(ref, "u")).toEqual({ status: "Failed", errors: [{ errorCode: "AccessDenied", errorMessage: "role" }, {}] });
    await expect(local.describeUpdate(ref, "u")).rejects.toBeInstanceOf(EksUnavailable);
    mocked.restore();
  });
});
