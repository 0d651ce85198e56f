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

