// The EKS collector against the simulator (real SDK client over HTTP), and its error translation.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { EKSClient, DescribeClusterCommand, DescribeAddonCommand, DescribeAddonVersionsCommand, DescribeInsightCommand, ListInsightsCommand, DescribeClusterVersionsCommand, DescribeNodegroupCommand, DescribeUpdateCommand, ListAddonsCommand, ListNodegroupsCommand, UpdateClusterConfigCommand } from "@aws-sdk/client-eks";
import { mockClient } from "aws-sdk-client-mock";
import { startSimulator, type Simulator } from "@eks-warden/simulator/index";
import { MAX_ATTEMPTS } from "../../src/aws/client-config.ts";
import { EksCollector, translateEksError } from "../../src/aws/eks.ts";
import { AccessDenied, ClusterNotFound, EksUnavailable, InsightNotFound, Throttled, UpdateNotFound } from "../../src/errors.ts";
import { readsFor, ruleById } from "../../src/rules/index.ts";
import { fixturePath } from "../../../../test/fixtures/index.ts";

type Json = Record<string, unknown>;
const fixture = (file: string) => (JSON.parse(readFileSync(fixturePath(`eks/${file}`), "utf8")) as { data: Json }).data;
const ACCOUNT = "644160558196";
const modern = fixture("DescribeCluster.v1-35.modern-fields.json").cluster as Json & { arn: string; name: string };
const catalogue = fixture("DescribeClusterVersions.json").clusterVersions as Json[];
const ref = { arn: modern.arn as string, account: ACCOUNT, region: "us-east-1", name: modern.name as string };
const credentials = { accessKeyId: "AKIAWARDENTEST000001", secretAccessKey: "secret" };
/** What the collector read before rules declared their reads: the tests of those reads ask for exactly that. */
const READS = ["nodegroups", "addons", "versionCatalogue"] as const;

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
  collector = new EksCollector({ clientConfig: { endpoint: sim.url, credentials }, ssmClientConfig: { endpoint: sim.url, credentials } });
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
    // Every kind by default: the insights, the add-on catalogue and the AMI release parameter (this fleet publishes none).
    expect(collected.snapshot.insights).toEqual([]);
    expect(collected.addonVersions).toEqual([]);
    expect(collected.amiReleases).toEqual({ "/aws/service/eks/optimized-ami/1.35/amazon-linux-2023/x86_64/standard/recommended/release_version": null });
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
    expect(translateEksError("DescribeUpdate", ref, named("ResourceNotFoundException", "No update found for ID: u"), { updateId: "u" })).toBeInstanceOf(UpdateNotFound);
    expect(translateEksError("DescribeUpdate", ref, named("ResourceNotFoundException", "No cluster found for name: x."), { updateId: "u" })).toBeInstanceOf(ClusterNotFound);
    expect(translateEksError("DescribeInsight", ref, named("ResourceNotFoundException", "No insight found for id: i."), { insightId: "i" })).toBeInstanceOf(InsightNotFound);
    expect(translateEksError("DescribeInsight", ref, named("ResourceNotFoundException", "No cluster found for name: x."), { insightId: "i" })).toBeInstanceOf(ClusterNotFound);
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
    const first = await local.collect(ref, READS);
    expect(first.snapshot.nodegroups?.map((group) => group.name)).toEqual(["ng-b"]);
    await local.collect(ref, READS);
    expect(mocked.commandCalls(DescribeClusterVersionsCommand)).toHaveLength(1);
    now = new Date("2026-01-05T11:30:00Z");
    await local.collect(ref, READS);
    expect(mocked.commandCalls(DescribeClusterVersionsCommand)).toHaveLength(2);
    // Collections running at once (the sweep's pool) share one read of an expired catalogue.
    now = new Date("2026-01-05T13:00:00Z");
    await Promise.all([local.collect(ref, READS), local.collect(ref, READS), local.collect(ref, READS)]);
    expect(mocked.commandCalls(DescribeClusterVersionsCommand)).toHaveLength(3);
    mocked.on(DescribeNodegroupCommand, { nodegroupName: "ng-b" }).rejects(named("ServerException"));
    await expect(local.collect(ref, READS)).rejects.toBeInstanceOf(EksUnavailable);
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
    const collected = await local.collect(ref, READS);
    expect(collected.snapshot.addons?.map((addon) => addon.name)).toEqual(["a"]);
    expect(collected.versions?.versions).toHaveLength(2);
    expect(mocked.commandCalls(DescribeClusterVersionsCommand)[1]!.args[0].input).toEqual({ nextToken: "p2" });
    expect(await local.describeUpdate(ref, "u")).toEqual({ status: "Successful", errors: [] });
    expect(translateEksError("DescribeUpdate", ref, { name: "ResourceNotFoundException" }, { updateId: "u" })).toBeInstanceOf(EksUnavailable);
    mocked.restore();
  });

  it("a throttled catalogue read is thrown, not taken for 'no data'", async () => {
    const mocked = mockClient(EKSClient);
    mocked.on(DescribeClusterCommand).resolves({ cluster: modern as never });
    mocked.on(ListNodegroupsCommand).resolves({});
    mocked.on(ListAddonsCommand).resolves({});
    mocked.on(DescribeClusterVersionsCommand).rejects(named("ThrottlingException"));
    await expect(new EksCollector({ clientFor: () => new EKSClient({ region: "us-east-1", credentials }) }).collect(ref, READS)).rejects.toBeInstanceOf(Throttled);
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

describe("EksCollector reads what the rules that run need, and no more", () => {
  const named = (name: string, message = "x") => Object.assign(new Error(message), { name });
  const commandsSent = (mocked: ReturnType<typeof mockClient>) => mocked.calls().map((call) => (call.args[0] as { constructor: { name: string } }).constructor.name.replace(/Command$/, "")).sort();

  it("DescribeCluster alone for the cluster; the catalogue only when asked", async () => {
    const mocked = mockClient(EKSClient);
    mocked.on(DescribeClusterCommand).resolves({ cluster: modern as never });
    mocked.on(DescribeClusterVersionsCommand).resolves({ clusterVersions: catalogue as never });
    const local = new EksCollector({ clientFor: () => new EKSClient({ region: "us-east-1", credentials }) });
    const alone = await local.collect(ref, ["cluster"]);
    expect(commandsSent(mocked)).toEqual(["DescribeCluster"]);
    expect(alone.snapshot.nodegroups).toBeUndefined();
    expect(alone.snapshot.addons).toBeUndefined();
    expect(alone.snapshot.insights).toBeUndefined();
    expect(alone.versions).toBeUndefined();
    mocked.resetHistory();
    const withVersions = await local.collect(ref, readsFor([ruleById("version-support")!]));
    expect(commandsSent(mocked)).toEqual(["DescribeCluster", "DescribeClusterVersions"]);
    expect(withVersions.versions?.versions.length).toBeGreaterThan(0);
    mocked.restore();
  });

  it("shares one in-flight catalogue request among concurrent collects, and drops a failed one", async () => {
    const mocked = mockClient(EKSClient);
    mocked.on(DescribeClusterCommand).resolves({ cluster: modern as never });
    mocked.on(DescribeClusterVersionsCommand).rejectsOnce(named("ServerException")).resolves({ clusterVersions: catalogue as never });
    const local = new EksCollector({ clientFor: () => new EKSClient({ region: "us-east-1", credentials }) });
    await expect(local.collect(ref, ["versionCatalogue"])).rejects.toBeInstanceOf(EksUnavailable);
    const four = await Promise.all([1, 2, 3, 4].map(() => local.collect(ref, ["versionCatalogue"])));
    expect(four.every((collected) => collected.versions === four[0]!.versions)).toBe(true);
    expect(mocked.commandCalls(DescribeClusterVersionsCommand)).toHaveLength(2);
    mocked.restore();
  });

  it("reads upgrade insights filtered to UPGRADE_READINESS, every page, and describes the failing ones only", async () => {
    const mocked = mockClient(EKSClient);
    mocked.on(DescribeClusterCommand).resolves({ cluster: modern as never });
    const insight = { id: "i-1", name: "Kubelet version skew", category: "UPGRADE_READINESS", insightStatus: { status: "WARNING", reason: "skew" } };
    const passing = { id: "i-2", name: "Cluster health issues", category: "UPGRADE_READINESS", insightStatus: { status: "PASSING" } };
    mocked.on(ListInsightsCommand).resolvesOnce({ insights: [insight as never], nextToken: "n" }).resolves({ insights: [passing as never] });
    mocked.on(DescribeInsightCommand).resolves({ insight: { ...insight, recommendation: "Upgrade the nodes." } as never });
    const collected = await new EksCollector({ clientFor: () => new EKSClient({ region: "us-east-1", credentials }) }).collect(ref, ["insights"]);
    expect(collected.snapshot.insights).toMatchObject([{ id: "i-1", status: "WARNING", reason: "skew", details: { recommendation: "Upgrade the nodes." } }, { id: "i-2", status: "PASSING" }]);
    expect(mocked.commandCalls(ListInsightsCommand)[0]!.args[0].input).toEqual({ clusterName: ref.name, filter: { categories: ["UPGRADE_READINESS"] } });
    expect(mocked.commandCalls(DescribeInsightCommand)[0]!.args[0].input).toEqual({ clusterName: ref.name, id: "i-1" });
    expect(commandsSent(mocked)).toEqual(["DescribeCluster", "DescribeInsight", "ListInsights", "ListInsights"]);
    // A reply without an insight leaves that insight unreadable (upgrade-insights: ERROR), not passing.
    mocked.on(ListInsightsCommand).resolves({ insights: [insight as never] });
    mocked.on(DescribeInsightCommand).resolves({});
    const empty = await new EksCollector({ clientFor: () => new EKSClient({ region: "us-east-1", credentials }) }).collect(ref, ["insights"]);
    expect(empty.snapshot.insights?.[0]).toMatchObject({ id: "i-1", detailsUnreadable: "DescribeInsight returned no insight" });
    expect(empty.snapshot.insights?.[0]?.details).toBeUndefined();
    mocked.restore();
  });

  it("reads each add-on's catalogue once per name and Kubernetes version; without the permission it is absent", async () => {
    const mocked = mockClient(EKSClient);
    mocked.on(DescribeClusterCommand).resolves({ cluster: modern as never });
    mocked.on(ListAddonsCommand).resolves({ addons: ["vpc-cni"] });
    mocked.on(DescribeAddonCommand).resolves({ addon: { addonName: "vpc-cni", clusterName: modern.name, addonVersion: "v1.20.1-eksbuild.1" } });
    const info = { addonName: "vpc-cni", addonVersions: [{ addonVersion: "v1.20.4-eksbuild.1", compatibilities: [{ clusterVersion: "1.35", defaultVersion: true }] }] };
    mocked.on(DescribeAddonVersionsCommand).resolves({ addons: [info as never] });
    const local = new EksCollector({ clientFor: () => new EKSClient({ region: "us-east-1", credentials }) });
    const [first] = await Promise.all([local.collect(ref, ["addonVersions"]), local.collect(ref, ["addonVersions"])]);
    expect(first.addonVersions).toEqual([{ addonName: "vpc-cni", kubernetesVersion: "1.35", defaultVersion: "v1.20.4-eksbuild.1", compatibleVersions: ["v1.20.4-eksbuild.1"] }]);
    expect(mocked.commandCalls(DescribeAddonVersionsCommand)).toHaveLength(1);
    expect(mocked.commandCalls(DescribeAddonVersionsCommand)[0]!.args[0].input).toEqual({ addonName: "vpc-cni", kubernetesVersion: "1.35" });

    const denied = new EksCollector({ clientFor: () => new EKSClient({ region: "us-east-1", credentials }) });
    mocked.on(DescribeAddonVersionsCommand).rejects(named("AccessDeniedException"));
    expect((await denied.collect(ref, ["addonVersions"])).addonVersions).toBeUndefined();
    mocked.on(DescribeAddonVersionsCommand).rejects(named("ThrottlingException"));
    await expect(new EksCollector({ clientFor: () => new EKSClient({ region: "us-east-1", credentials }) }).collect(ref, ["addonVersions"])).rejects.toBeInstanceOf(Throttled);
    // A cluster record without a version has no catalogue to look in.
    mocked.on(DescribeClusterCommand).resolves({ cluster: { ...modern, version: undefined } as never });
    expect((await denied.collect(ref, ["addonVersions"])).addonVersions).toEqual([]);
    mocked.restore();
  });

  it("reads the AMI release parameter of each node group's AMI type through the SSM adapter; without the permission they are absent", async () => {
    const mocked = mockClient(EKSClient);
    mocked.on(DescribeClusterCommand).resolves({ cluster: modern as never });
    mocked.on(ListNodegroupsCommand).resolves({ nodegroups: ["al2023", "custom"] });
    mocked.on(DescribeNodegroupCommand, { nodegroupName: "al2023" }).resolves({ nodegroup: { nodegroupName: "al2023", version: "1.35", amiType: "AL2023_x86_64_STANDARD", releaseVersion: "1.35.0-20260101" } });
    mocked.on(DescribeNodegroupCommand, { nodegroupName: "custom" }).resolves({ nodegroup: { nodegroupName: "custom", version: "1.35", amiType: "CUSTOM" } });
    const asked: string[][] = [];
    const ssm = { values: async (_region: string, names: Iterable<string>) => (asked.push([...names]), Object.fromEntries([...names].map((name) => [name, "1.35.1-20260201"]))), destroy: () => undefined };
    const local = new EksCollector({ clientFor: () => new EKSClient({ region: "us-east-1", credentials }), ssm: ssm as never });
    const collected = await local.collect(ref, ["amiReleases"]);
    const parameter = "/aws/service/eks/optimized-ami/1.35/amazon-linux-2023/x86_64/standard/recommended/release_version";
    expect(asked).toEqual([[parameter]]);
    expect(collected.amiReleases).toEqual({ [parameter]: "1.35.1-20260201" });
    expect(collected.snapshot.nodegroups).toHaveLength(2);
    local.destroy();

    ssm.values = async () => Promise.reject(new AccessDenied("ssm:GetParameters"));
    expect((await local.collect(ref, ["amiReleases"])).amiReleases).toBeUndefined();
    ssm.values = async () => Promise.reject(new Throttled("SSM", "GetParameters"));
    await expect(local.collect(ref, ["amiReleases"])).rejects.toBeInstanceOf(Throttled);
    // No node group on an AMI whose releases AWS publishes: nothing to read.
    mocked.on(ListNodegroupsCommand).resolves({ nodegroups: ["custom"] });
    expect((await local.collect(ref, ["amiReleases"])).amiReleases).toEqual({});
    mocked.restore();
  });
});
