// One contract test per EKS operation, through the unmodified SDK v3 client: the success shape and each
// error class the operation can raise.

import {
  CreateAddonCommand,
  CreateClusterCommand,
  CreateNodegroupCommand,
  DeleteClusterCommand,
  DescribeAddonCommand,
  DescribeAddonVersionsCommand,
  DescribeClusterCommand,
  DescribeClusterVersionsCommand,
  DescribeInsightCommand,
  DescribeNodegroupCommand,
  DescribeUpdateCommand,
  InvalidParameterException,
  InvalidRequestException,
  BadRequestException,
  NotFoundException,
  ListAddonsCommand,
  ListClustersCommand,
  ListInsightsCommand,
  ListNodegroupsCommand,
  ListTagsForResourceCommand,
  ListUpdatesCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  ServerException,
  ThrottlingException,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateAddonCommand,
  UpdateClusterConfigCommand,
  UpdateClusterVersionCommand,
  UpdateNodegroupVersionCommand,
  type EKSClient,
} from "@aws-sdk/client-eks";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "../src/index.ts";
import { createClusterInput, eksClient, rejection, SAMPLE_FLEET } from "./helpers.ts";

const MINUTE = 60_000;
let sim: Simulator;
let eks: EKSClient;

beforeAll(async () => {
  sim = await startSimulator({ fleet: SAMPLE_FLEET });
  eks = eksClient(sim, { maxAttempts: 1 });
});
afterAll(async () => {
  eks.destroy();
  await sim.stop();
});
beforeEach(() => sim.calls.reset());

describe("ListClusters", () => {
  it("lists the clusters of the caller's account and region only", async () => {
    const out = await eks.send(new ListClustersCommand({}));
    expect(out.clusters).toEqual(["payments-prod", "web-public"]);
    const us = eksClient(sim, { region: "us-east-1", maxAttempts: 1 });
    expect((await us.send(new ListClustersCommand({}))).clusters).toEqual(["analytics", "ci-runners"]);
    const bob = eksClient(sim, { region: "us-east-1", accessKeyId: "AKIABOBEXAMPLE000002", maxAttempts: 1 });
    expect((await bob.send(new ListClustersCommand({}))).clusters).toEqual(["legacy-batch"]);
  });

  it("rejects maxResults above 100 and a forged nextToken", async () => {
    const tooMany = await rejection(eks.send(new ListClustersCommand({ maxResults: 101 })));
    expect(tooMany).toBeInstanceOf(InvalidParameterException);
    expect(tooMany.message).toContain("less than or equal to 100");
    expect(await rejection(eks.send(new ListClustersCommand({ nextToken: "not-a-token" })))).toBeInstanceOf(InvalidParameterException);
  });
});

describe("DescribeCluster", () => {
  it("returns the seeded cluster with dates as Date objects", async () => {
    const { cluster } = await eks.send(new DescribeClusterCommand({ name: "web-public" }));
    expect(cluster?.arn).toBe("arn:aws:eks:eu-west-1:111111111111:cluster/web-public");
    expect(cluster?.resourcesVpcConfig?.publicAccessCidrs).toEqual(["0.0.0.0/0"]);
    expect(cluster?.createdAt).toEqual(new Date("2025-06-02T10:15:00Z"));
  });

  it("raises ResourceNotFoundException (404) for an unknown cluster", async () => {
    const error = await rejection(eks.send(new DescribeClusterCommand({ name: "nope" })));
    expect(error).toBeInstanceOf(ResourceNotFoundException);
    expect(error.$metadata?.httpStatusCode).toBe(404);
    expect(error.message).toBe("No cluster found for name: nope.");
  });
});

describe("CreateCluster", () => {
  it("creates a cluster that is CREATING until the create duration passes", async () => {
    const created = await eks.send(new CreateClusterCommand({ ...createClusterInput("contract-create"), version: "1.34", tags: { team: "qa" } }));
    expect(created.cluster).toMatchObject({ name: "contract-create", status: "CREATING", version: "1.34", platformVersion: "eks.10", tags: { team: "qa" } });
    expect(created.cluster?.resourcesVpcConfig).toMatchObject({ endpointPublicAccess: true, endpointPrivateAccess: false, publicAccessCidrs: ["0.0.0.0/0"] });
    sim.clock.advance(12 * MINUTE - 1);
    expect((await eks.send(new DescribeClusterCommand({ name: "contract-create" }))).cluster?.status).toBe("CREATING");
    sim.clock.advance(1);
    const { cluster } = await eks.send(new DescribeClusterCommand({ name: "contract-create" }));
    expect(cluster?.status).toBe("ACTIVE");
    expect(cluster?.endpoint).toMatch(/^https:\/\/[0-9A-F]{32}\.gr7\.eu-west-1\.eks\.amazonaws\.com$/);
  });

  it("raises ResourceInUseException for an existing name and InvalidParameterException for bad input", async () => {
    expect(await rejection(eks.send(new CreateClusterCommand(createClusterInput("web-public"))))).toBeInstanceOf(ResourceInUseException);
    const badName = await rejection(eks.send(new CreateClusterCommand(createClusterInput("-bad name"))));
    expect(badName).toBeInstanceOf(InvalidParameterException);
    expect(badName.message).toContain("at 'name' failed to satisfy constraint");
    const bothOff = await rejection(eks.send(new CreateClusterCommand(createClusterInput("both-off", { endpointPublicAccess: false, endpointPrivateAccess: false }))));
    expect(bothOff.message).toBe("Both private and public endpoint access cannot be false");
    const oldVersion = await rejection(eks.send(new CreateClusterCommand({ ...createClusterInput("too-old"), version: "1.28" })));
    expect(oldVersion).toBeInstanceOf(InvalidParameterException);
    const missingRole = await rejection(eks.send(new CreateClusterCommand({ name: "no-role", resourcesVpcConfig: { subnetIds: ["a", "b"] } } as never)));
    expect(missingRole.message).toContain("Value null at 'roleArn'");
  });
});

describe("DeleteCluster", () => {
  it("moves to DELETING, then the cluster is gone", async () => {
    await eks.send(new CreateClusterCommand(createClusterInput("contract-delete")));
    sim.clock.advance(12 * MINUTE);
    const deleting = await eks.send(new DeleteClusterCommand({ name: "contract-delete" }));
    expect(deleting.cluster?.status).toBe("DELETING");
    sim.clock.advance(8 * MINUTE);
    expect(await rejection(eks.send(new DescribeClusterCommand({ name: "contract-delete" })))).toBeInstanceOf(ResourceNotFoundException);
  });

  it("refuses a cluster with node groups (ResourceInUseException) and an unknown one (ResourceNotFoundException)", async () => {
    expect(await rejection(eks.send(new DeleteClusterCommand({ name: "payments-prod" })))).toBeInstanceOf(ResourceInUseException);
    expect(await rejection(eks.send(new DeleteClusterCommand({ name: "ghost" })))).toBeInstanceOf(ResourceNotFoundException);
  });
});

describe("UpdateClusterConfig", () => {
  it("starts an EndpointAccessUpdate with the full resulting configuration in params", async () => {
    const { update } = await eks.send(new UpdateClusterConfigCommand({ name: "web-public", resourcesVpcConfig: { endpointPrivateAccess: true, endpointPublicAccess: false } }));
    expect(update).toMatchObject({
      status: "InProgress",
      type: "EndpointAccessUpdate",
      params: [
        { type: "EndpointPublicAccess", value: "false" },
        { type: "EndpointPrivateAccess", value: "true" },
        { type: "PublicAccessCidrs", value: '["0.0.0.0/0"]' },
      ],
      errors: [],
    });
    expect(update?.createdAt).toEqual(sim.clock.now());
    sim.clock.advance(10 * MINUTE);
  });

  it("raises each documented refusal", async () => {
    const noop = await rejection(eks.send(new UpdateClusterConfigCommand({ name: "payments-prod", resourcesVpcConfig: { endpointPrivateAccess: true, endpointPublicAccess: false } })));
    expect(noop).toBeInstanceOf(InvalidParameterException);
    expect(noop.message).toBe("Cluster is already at the desired configuration with endpointPrivateAccess: true , endpointPublicAccess: false, and Public Endpoint Restrictions: []");
    const two = await rejection(eks.send(new UpdateClusterConfigCommand({ name: "payments-prod", resourcesVpcConfig: { endpointPublicAccess: true }, logging: { clusterLogging: [{ types: ["api"], enabled: false }] } })));
    expect(two.message).toBe("Only one type of update can be allowed.");
    const cidr = await rejection(eks.send(new UpdateClusterConfigCommand({ name: "payments-prod", resourcesVpcConfig: { endpointPublicAccess: true, publicAccessCidrs: ["10.0.0.0/33"] } })));
    expect(cidr).toBeInstanceOf(InvalidParameterException);
    expect(cidr.message).toContain("10.0.0.0/33");
    expect(await rejection(eks.send(new UpdateClusterConfigCommand({ name: "ghost", resourcesVpcConfig: { endpointPublicAccess: true } })))).toBeInstanceOf(ResourceNotFoundException);
  });

  it("applies a logging update when it ends", async () => {
    const { update } = await eks.send(new UpdateClusterConfigCommand({ name: "payments-prod", logging: { clusterLogging: [{ types: ["scheduler"], enabled: true }] } }));
    expect(update?.type).toBe("LoggingUpdate");
    sim.clock.advance(5 * MINUTE);
    const { cluster } = await eks.send(new DescribeClusterCommand({ name: "payments-prod" }));
    expect(cluster?.logging?.clusterLogging?.[0]).toEqual({ types: ["api", "audit", "scheduler"], enabled: true });
  });
});

describe("UpdateClusterVersion, DescribeUpdate, ListUpdates", () => {
  it("upgrades one minor version after the version update duration", async () => {
    const { update } = await eks.send(new UpdateClusterVersionCommand({ name: "payments-prod", version: "1.34" }));
    expect(update).toMatchObject({ type: "VersionUpdate", status: "InProgress", params: [{ type: "Version", value: "1.34" }, { type: "PlatformVersion", value: "eks.10" }] });
    const described = await eks.send(new DescribeUpdateCommand({ name: "payments-prod", updateId: update!.id! }));
    expect(described.update?.status).toBe("InProgress");
    sim.clock.advance(40 * MINUTE);
    expect((await eks.send(new DescribeUpdateCommand({ name: "payments-prod", updateId: update!.id! }))).update?.status).toBe("Successful");
    expect((await eks.send(new DescribeClusterCommand({ name: "payments-prod" }))).cluster?.version).toBe("1.34");
    const { updateIds } = await eks.send(new ListUpdatesCommand({ name: "payments-prod" }));
    expect(updateIds).toContain(update!.id);
  });

  it("refuses skipping a minor version and an unknown update id", async () => {
    const skip = await rejection(eks.send(new UpdateClusterVersionCommand({ name: "web-public", version: "1.36" })));
    expect(skip).toBeInstanceOf(InvalidParameterException);
    expect(skip.message).toBe("Unsupported Kubernetes minor version update from 1.34 to 1.36");
    expect(await rejection(eks.send(new DescribeUpdateCommand({ name: "web-public", updateId: "00000000-0000-0000-0000-000000000000" })))).toBeInstanceOf(ResourceNotFoundException);
    expect(await rejection(eks.send(new ListUpdatesCommand({ name: "ghost" })))).toBeInstanceOf(ResourceNotFoundException);
  });
});

describe("node groups", () => {
  it("ListNodegroups, DescribeNodegroup, CreateNodegroup, UpdateNodegroupVersion", async () => {
    expect((await eks.send(new ListNodegroupsCommand({ clusterName: "web-public" }))).nodegroups).toEqual(["web-arm"]);
    const created = await eks.send(new CreateNodegroupCommand({ clusterName: "web-public", nodegroupName: "batch", subnets: ["subnet-1"], nodeRole: "arn:aws:iam::111111111111:role/node" }));
    // No releaseVersion given: the latest AMI release for the cluster version, from the SSM parameters.
    expect(created.nodegroup).toMatchObject({ status: "CREATING", version: "1.34", amiType: "AL2023_x86_64_STANDARD", releaseVersion: "1.34.7-20261112" });
    sim.clock.advance(5 * MINUTE);
    expect((await eks.send(new DescribeNodegroupCommand({ clusterName: "web-public", nodegroupName: "batch" }))).nodegroup?.status).toBe("ACTIVE");

    const { update } = await eks.send(new UpdateNodegroupVersionCommand({ clusterName: "web-public", nodegroupName: "web-arm" }));
    expect(update?.params).toEqual([{ type: "Version", value: "1.34" }, { type: "ReleaseVersion", value: "1.34.7-20261112" }]);
    expect(await rejection(eks.send(new UpdateNodegroupVersionCommand({ clusterName: "web-public", nodegroupName: "web-arm" })))).toBeInstanceOf(ResourceInUseException);
    const scoped = await eks.send(new ListUpdatesCommand({ name: "web-public", nodegroupName: "web-arm" }));
    expect(scoped.updateIds).toEqual([update!.id]);
    sim.clock.advance(20 * MINUTE);
    const described = await eks.send(new DescribeUpdateCommand({ name: "web-public", updateId: update!.id!, nodegroupName: "web-arm" }));
    expect(described.update?.status).toBe("Successful");
    expect((await eks.send(new DescribeNodegroupCommand({ clusterName: "web-public", nodegroupName: "web-arm" }))).nodegroup).toMatchObject({ status: "ACTIVE", releaseVersion: "1.34.7-20261112" });
  });

  it("raises the node group errors", async () => {
    const missing = await rejection(eks.send(new DescribeNodegroupCommand({ clusterName: "web-public", nodegroupName: "test" })));
    expect(missing).toBeInstanceOf(ResourceNotFoundException);
    expect(missing.message).toBe("No node group found for name: test.");
    expect(await rejection(eks.send(new CreateNodegroupCommand({ clusterName: "web-public", nodegroupName: "web-arm", subnets: ["s"], nodeRole: "r" })))).toBeInstanceOf(ResourceInUseException);
    expect(await rejection(eks.send(new CreateNodegroupCommand({ clusterName: "web-public", nodegroupName: "x", subnets: ["s"], nodeRole: "r", amiType: "NOT_AN_AMI" as never })))).toBeInstanceOf(InvalidParameterException);
    expect(await rejection(eks.send(new UpdateNodegroupVersionCommand({ clusterName: "web-public", nodegroupName: "ghost" })))).toBeInstanceOf(ResourceNotFoundException);
  });
});

describe("add-ons", () => {
  it("ListAddons, DescribeAddon, CreateAddon, UpdateAddon, DescribeAddonVersions", async () => {
    expect((await eks.send(new ListAddonsCommand({ clusterName: "web-public" }))).addons).toEqual(["coredns", "vpc-cni"]);
    const created = await eks.send(new CreateAddonCommand({ clusterName: "web-public", addonName: "kube-proxy" }));
    expect(created.addon).toMatchObject({ status: "CREATING", addonVersion: "v1.34.1-eksbuild.3" });
    sim.clock.advance(2 * MINUTE);
    expect((await eks.send(new DescribeAddonCommand({ clusterName: "web-public", addonName: "kube-proxy" }))).addon?.status).toBe("ACTIVE");

    const { update } = await eks.send(new UpdateAddonCommand({ clusterName: "web-public", addonName: "vpc-cni", addonVersion: "v1.20.1-eksbuild.1", resolveConflicts: "OVERWRITE" }));
    expect(update).toMatchObject({ type: "AddonUpdate", params: [{ type: "AddonVersion", value: "v1.20.1-eksbuild.1" }, { type: "ResolveConflicts", value: "OVERWRITE" }] });
    sim.clock.advance(2 * MINUTE);
    expect((await eks.send(new DescribeAddonCommand({ clusterName: "web-public", addonName: "vpc-cni" }))).addon?.addonVersion).toBe("v1.20.1-eksbuild.1");

    const versions = await eks.send(new DescribeAddonVersionsCommand({ addonName: "coredns", kubernetesVersion: "1.32" }));
    expect(versions.addons?.[0]?.addonVersions?.map((v) => v.addonVersion)).toEqual(["v1.12.1-eksbuild.2"]);
  });

  it("raises the add-on errors", async () => {
    expect(await rejection(eks.send(new DescribeAddonCommand({ clusterName: "web-public", addonName: "ghost" })))).toBeInstanceOf(ResourceNotFoundException);
    expect(await rejection(eks.send(new CreateAddonCommand({ clusterName: "web-public", addonName: "coredns" })))).toBeInstanceOf(ResourceInUseException);
    expect(await rejection(eks.send(new CreateAddonCommand({ clusterName: "web-public", addonName: "not-in-catalogue" })))).toBeInstanceOf(InvalidParameterException);
    expect(await rejection(eks.send(new UpdateAddonCommand({ clusterName: "web-public", addonName: "coredns", addonVersion: "v0.0.1" })))).toBeInstanceOf(InvalidParameterException);
    const creating = await eks.send(new CreateClusterCommand(createClusterInput("addon-too-early")));
    expect(creating.cluster?.status).toBe("CREATING");
    expect(await rejection(eks.send(new CreateAddonCommand({ clusterName: "addon-too-early", addonName: "coredns" })))).toBeInstanceOf(InvalidRequestException);
    expect(await rejection(eks.send(new ListAddonsCommand({ clusterName: "ghost" })))).toBeInstanceOf(ResourceNotFoundException);
  });
});

describe("DescribeClusterVersions", () => {
  it("lists the catalogue newest first, unsupported versions included as in the real recording, and filters", async () => {
    const all = await eks.send(new DescribeClusterVersionsCommand({}));
    expect(all.clusterVersions?.map((v) => v.clusterVersion)).toEqual(["1.35", "1.34", "1.33", "1.32", "1.31", "1.30", "1.29", "1.28"]);
    expect(all.clusterVersions?.[1]?.endOfStandardSupportDate).toEqual(new Date("2026-12-02T00:00:00Z"));
    const page = await eks.send(new DescribeClusterVersionsCommand({ maxResults: 3 }));
    expect(page.clusterVersions).toHaveLength(3);
    const rest = await eks.send(new DescribeClusterVersionsCommand({ nextToken: page.nextToken }));
    expect(rest.clusterVersions?.[0]?.clusterVersion).toBe("1.32");
    const defaults = await eks.send(new DescribeClusterVersionsCommand({ defaultOnly: true }));
    expect(defaults.clusterVersions?.map((v) => v.clusterVersion)).toEqual(["1.35"]);
    const extended = await eks.send(new DescribeClusterVersionsCommand({ versionStatus: "EXTENDED_SUPPORT" }));
    expect(extended.clusterVersions?.map((v) => v.clusterVersion)).toEqual(["1.33", "1.32"]);
  });

  it("rejects an unknown status value", async () => {
    expect(await rejection(eks.send(new DescribeClusterVersionsCommand({ versionStatus: "SOMETIMES" as never })))).toBeInstanceOf(InvalidParameterException);
  });
});

describe("ListInsights", () => {
  it("returns the cluster's insights, filtered", async () => {
    const bob = eksClient(sim, { region: "us-east-1", accessKeyId: "AKIABOBEXAMPLE000002", maxAttempts: 1 });
    const all = await bob.send(new ListInsightsCommand({ clusterName: "legacy-batch" }));
    expect(all.insights?.[0]).toMatchObject({ name: "Kubelet version skew", insightStatus: { status: "WARNING" } });
    const passing = await bob.send(new ListInsightsCommand({ clusterName: "legacy-batch", filter: { statuses: ["PASSING"] } }));
    expect(passing.insights).toEqual([]);
    expect(await rejection(bob.send(new ListInsightsCommand({ clusterName: "ghost" })))).toBeInstanceOf(ResourceNotFoundException);
  });

  it("shows each insight's summary only: the recommendation and resources are DescribeInsight's", async () => {
    const bob = eksClient(sim, { region: "us-east-1", accessKeyId: "AKIABOBEXAMPLE000002", maxAttempts: 1 });
    const [summary] = (await bob.send(new ListInsightsCommand({ clusterName: "legacy-batch" }))).insights ?? [];
    expect(Object.keys(summary ?? {}).sort()).toEqual(["category", "description", "id", "insightStatus", "kubernetesVersion", "lastRefreshTime", "lastTransitionTime", "name"]);
  });
});

describe("DescribeInsight", () => {
  const bob = () => eksClient(sim, { region: "us-east-1", accessKeyId: "AKIABOBEXAMPLE000002", maxAttempts: 1 });
  const ID = "a1b2c3d4-0000-4000-8000-000000000001";

  it("returns the whole insight: status, recommendation, resources, category summary, dates as Date objects", async () => {
    const { insight } = await bob().send(new DescribeInsightCommand({ clusterName: "legacy-batch", id: ID }));
    expect(insight).toMatchObject({
      id: ID,
      name: "Kubelet version skew",
      category: "UPGRADE_READINESS",
      kubernetesVersion: "1.33",
      insightStatus: { status: "WARNING", reason: "Node group batch-al2 runs kubelet 1.31." },
      recommendation: "Upgrade your worker nodes to match the Kubernetes version of your control plane.",
      additionalInfo: { "Kubernetes version skew policy": "https://kubernetes.io/releases/version-skew-policy/#kubelet" },
      resources: [{ insightStatus: { status: "WARNING" }, arn: expect.stringContaining(":nodegroup/legacy-batch/batch-al2/") }],
      categorySpecificSummary: { deprecationDetails: [], addonCompatibilityDetails: [] },
    });
    expect(insight?.lastRefreshTime).toEqual(new Date("2026-11-28T06:00:00Z"));
    expect(sim.calls.get("DescribeInsight")).toBe(1);
  });

  it("raises ResourceNotFoundException for an unknown insight id or cluster, naming the cluster", async () => {
    const unknownId = await rejection(bob().send(new DescribeInsightCommand({ clusterName: "legacy-batch", id: "00000000-0000-0000-0000-000000000000" })));
    expect(unknownId).toBeInstanceOf(ResourceNotFoundException);
    expect(unknownId.message).toContain("00000000-0000-0000-0000-000000000000");
    expect((unknownId as unknown as ResourceNotFoundException).clusterName).toBe("legacy-batch");
    expect(await rejection(bob().send(new DescribeInsightCommand({ clusterName: "ghost", id: ID })))).toBeInstanceOf(ResourceNotFoundException);
    // Another account's cluster is invisible.
    expect(await rejection(eks.send(new DescribeInsightCommand({ clusterName: "legacy-batch", id: ID })))).toBeInstanceOf(ResourceNotFoundException);
  });

  it("is throttled and failed by the fault injector like every other operation", async () => {
    try {
      sim.faults.set("DescribeInsight", { throttleRate: 1 });
      expect(await rejection(bob().send(new DescribeInsightCommand({ clusterName: "legacy-batch", id: ID })))).toBeInstanceOf(ThrottlingException);
      sim.faults.clear();
      sim.faults.failNext("DescribeInsight", 1);
      expect(await rejection(bob().send(new DescribeInsightCommand({ clusterName: "legacy-batch", id: ID })))).toBeInstanceOf(ServerException);
      expect((await bob().send(new DescribeInsightCommand({ clusterName: "legacy-batch", id: ID }))).insight?.id).toBe(ID);
      expect(sim.calls.get("DescribeInsight")).toBe(3);
    } finally {
      sim.faults.clear();
    }
  });
});

describe("TagResource, UntagResource, ListTagsForResource", () => {
  it("adds, lists and removes tags, even during an update", async () => {
    const arn = "arn:aws:eks:eu-west-1:111111111111:cluster/web-public";
    await eks.send(new UpdateClusterConfigCommand({ name: "web-public", resourcesVpcConfig: { endpointPublicAccess: true, publicAccessCidrs: ["203.0.113.0/24"] } }));
    await eks.send(new TagResourceCommand({ resourceArn: arn, tags: { owner: "alice", "eks-warden:exempt": "endpoint-public-access until=2027-01-31 reason=migration" } }));
    expect((await eks.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags).toMatchObject({ owner: "alice", team: "web" });
    await eks.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ["owner", "eks-warden:exempt"] }));
    expect((await eks.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags).toEqual({ team: "web", env: "prod" });
    sim.clock.advance(10 * MINUTE);
  });

  it("raises BadRequestException for a malformed ARN or reserved key, NotFoundException for an unknown resource", async () => {
    expect(await rejection(eks.send(new ListTagsForResourceCommand({ resourceArn: "not-an-arn" })))).toBeInstanceOf(BadRequestException);
    expect(await rejection(eks.send(new TagResourceCommand({ resourceArn: "arn:aws:eks:eu-west-1:111111111111:cluster/web-public", tags: { "aws:owner": "x" } })))).toBeInstanceOf(BadRequestException);
    expect(await rejection(eks.send(new TagResourceCommand({ resourceArn: "arn:aws:eks:eu-west-1:111111111111:cluster/ghost", tags: { a: "b" } })))).toBeInstanceOf(NotFoundException);
    // Another account's cluster is invisible, as without cross-account permissions.
    expect(await rejection(eks.send(new ListTagsForResourceCommand({ resourceArn: "arn:aws:eks:eu-west-1:222222222222:cluster/vendor-ingress" })))).toBeInstanceOf(NotFoundException);
  });
});
