// Edge shapes of CloudTrail records that the shared fixtures do not show: minimal identities, missing optional
// fields, other cluster-scoped resource ARNs, and the best-effort log keys of unreadable events.
import { describe, expect, it } from "vitest";
import { clusterOfResourceArn } from "../../src/arn.ts";
import { parseClusterEvent } from "../../src/events/cloudtrail.ts";
import { eventBridgeEnvelope } from "../../../../test/fixtures/index.ts";

function minimal(eventName: string, requestParameters: unknown, responseElements: unknown, extra: Record<string, unknown> = {}) {
  return {
    userIdentity: { type: "AWSService", invokedBy: "eks.amazonaws.com" },
    eventTime: "2026-01-05T10:00:00Z",
    eventSource: "eks.amazonaws.com",
    eventName,
    awsRegion: "eu-west-1",
    sourceIPAddress: "eks.amazonaws.com",
    requestParameters,
    responseElements,
    eventID: `evt-${eventName}`,
    ...extra,
  };
}

describe("parseClusterEvent edge shapes", () => {
  it("cuts over-long free text (a 4 KB user agent, a long identity name) instead of rejecting the event", () => {
    const long = minimal("DeleteCluster", { name: "lab" }, null, {
      userAgent: `aws-cli/2 ${"x".repeat(4096)}`,
      sourceIPAddress: "s".repeat(600),
      userIdentity: { type: "IAMUser", arn: "arn:aws:iam::123456789012:user/mallory", userName: "m".repeat(3000) },
      errorCode: "E".repeat(300),
      errorMessage: "e".repeat(9000),
    });
    const event = parseClusterEvent(eventBridgeEnvelope(long, { account: "123456789012" }));
    expect(event.userAgent).toHaveLength(1024);
    expect(event.userAgent.endsWith("…")).toBe(true);
    expect(event.sourceIp).toHaveLength(256);
    expect(event.actor.userName).toHaveLength(2048);
    expect(event.failed?.errorCode).toHaveLength(256);
    expect(event.failed?.errorMessage).toHaveLength(2048);
  });

  it("records who set or removed the exemption tag on the cluster itself, never on a node group", () => {
    const value = "endpoint-public-access until=2026-02-01 reason=lab";
    const arn = "arn:aws:eks:eu-west-1:123456789012:cluster/lab";
    const tagged = parseClusterEvent(eventBridgeEnvelope(minimal("TagResource", { resourceArn: arn, tags: { "eks-warden:exempt": value } }, null), { account: "123456789012" }));
    expect(tagged.exemptionTag).toEqual({ value });
    const other = parseClusterEvent(eventBridgeEnvelope(minimal("TagResource", { resourceArn: arn, tags: { team: "x" } }, null), { account: "123456789012" }));
    expect(other.exemptionTag).toBeUndefined();
    const nodegroup = parseClusterEvent(
      eventBridgeEnvelope(minimal("TagResource", { resourceArn: "arn:aws:eks:eu-west-1:123456789012:nodegroup/lab/ng/1", tags: { "eks-warden:exempt": value } }, null), { account: "123456789012" }),
    );
    expect(nodegroup.exemptionTag).toBeUndefined();
    const removed = parseClusterEvent(eventBridgeEnvelope(minimal("UntagResource", { resourceArn: arn, tagKeys: ["eks-warden:exempt"] }, null), { account: "123456789012" }));
    expect(removed.exemptionTag).toEqual({});
    const created = parseClusterEvent(
      eventBridgeEnvelope(minimal("CreateCluster", { name: "lab", tags: { "eks-warden:exempt": value } }, { cluster: { name: "lab", status: "CREATING" } }), { account: "123456789012" }),
    );
    expect(created.exemptionTag).toEqual({ value });
  });

  it("records who set or removed the remediation override tag on the cluster itself, never on a node group", () => {
    const arn = "arn:aws:eks:eu-west-1:123456789012:cluster/lab";
    const OVERRIDE = "eks-warden:remediation";
    const tagged = parseClusterEvent(eventBridgeEnvelope(minimal("TagResource", { resourceArn: arn, tags: { [OVERRIDE]: "opt-out", team: "x" } }, null), { account: "123456789012" }));
    expect(tagged.overrideTag).toEqual({ value: "opt-out" });
    expect(tagged.exemptionTag).toBeUndefined();
    const nodegroup = parseClusterEvent(eventBridgeEnvelope(minimal("TagResource", { resourceArn: "arn:aws:eks:eu-west-1:123456789012:nodegroup/lab/ng/1", tags: { [OVERRIDE]: "opt-out" } }, null), { account: "123456789012" }));
    expect(nodegroup.overrideTag).toBeUndefined();
    const removed = parseClusterEvent(eventBridgeEnvelope(minimal("UntagResource", { resourceArn: arn, tagKeys: [OVERRIDE, "eks-warden:exempt"] }, null), { account: "123456789012" }));
    expect([removed.overrideTag, removed.exemptionTag]).toEqual([{}, {}]);
    const created = parseClusterEvent(eventBridgeEnvelope(minimal("CreateCluster", { name: "lab", tags: { [OVERRIDE]: "private" } }, { cluster: { name: "lab", status: "CREATING" } }), { account: "123456789012" }));
    expect(created.overrideTag).toEqual({ value: "private" });
  });

  it("UpdateClusterConfig: the request's endpoint fields are part of the intent, the update's params win", () => {
    const event = parseClusterEvent(
      eventBridgeEnvelope(
        minimal("UpdateClusterConfig", { name: "lab", resourcesVpcConfig: { endpointPublicAccess: true, endpointPrivateAccess: false, subnetIds: ["s"] } }, {
          update: { id: "u1", status: "InProgress", params: [{ type: "EndpointPrivateAccess", value: "true" }] },
        }),
        { account: "123456789012" },
      ),
    );
    expect(event.intent).toEqual({ kind: "endpoint-update", resourcesVpcConfig: { endpointPublicAccess: true, endpointPrivateAccess: true } });
  });

  it("takes the account from the envelope when the record has no recipientAccountId, and keeps a service actor", () => {
    const event = parseClusterEvent(eventBridgeEnvelope(minimal("DeleteCluster", { name: "lab" }, null), { account: "123456789012" }));
    expect(event.clusterArn).toBe("arn:aws:eks:eu-west-1:123456789012:cluster/lab");
    expect(event.actor).toEqual({ type: "AWSService", invokedBy: "eks.amazonaws.com" });
    expect(event.userAgent).toBe("");
  });

  it("CreateCluster: request tags are kept in the intent, a string createdAt is passed on as is", () => {
    const event = parseClusterEvent(
      eventBridgeEnvelope(
        minimal("CreateCluster", { name: "lab", tags: { "eks-warden:exempt": "endpoint-public-access until=2026-02-01 reason=lab" } }, {
          cluster: { name: "lab", status: "CREATING", createdAt: "2026-01-05T10:00:00Z", tags: { team: "x" } },
        }),
      ),
    );
    if (event.intent?.kind !== "cluster") throw new Error("expected a cluster intent");
    expect(event.intent.cluster.tags).toEqual({ "eks-warden:exempt": "endpoint-public-access until=2026-02-01 reason=lab", team: "x" });
    expect(event.intent.cluster.createdAt).toBe("2026-01-05T10:00:00Z");
    const bare = parseClusterEvent(eventBridgeEnvelope(minimal("CreateCluster", { name: "lab" }, { cluster: {} })));
    expect(bare.createdStatus).toBeUndefined();
  });

  it("updates without params, creations without status", () => {
    const update = parseClusterEvent(eventBridgeEnvelope(minimal("UpdateClusterConfig", { name: "lab" }, { update: { id: "u", status: "InProgress" } })));
    expect(update.intent).toBeUndefined();
    const nodegroup = parseClusterEvent(eventBridgeEnvelope(minimal("CreateNodegroup", { name: "lab", nodegroupName: "ng" }, { nodegroup: {} })));
    expect(nodegroup.createdStatus).toBeUndefined();
    const addon = parseClusterEvent(eventBridgeEnvelope(minimal("CreateAddon", { name: "lab", addonName: "coredns" }, { addon: {} })));
    expect(addon.createdStatus).toBeUndefined();
  });

  it("knows which EKS resources belong to a cluster", () => {
    expect(clusterOfResourceArn("arn:aws:eks:eu-west-1:111122223333:fargateprofile/shop/fp/uuid")?.name).toBe("shop");
    expect(clusterOfResourceArn("arn:aws:eks:eu-west-1:111122223333:eks-anywhere-subscription/x")).toBeUndefined();
    expect(clusterOfResourceArn("not an arn")).toBeUndefined();
  });
});

