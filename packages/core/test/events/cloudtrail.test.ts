import { describe, it, expect } from "vitest";
import { clusterOfResourceArn, partitionOfRegion } from "../../src/arn.ts";
import { EventRejected, parseClusterEvent, startsAsynchronousChange } from "../../src/events/cloudtrail.ts";
import { CREATE_CLUSTER_OPEN_WORLD, UPDATE_CLUSTER_CONFIG_PRIVATE, eventBridgeEnvelope, readCloudTrailRecord } from "../../../../test/fixtures/index.ts";

function rejection(input: unknown): EventRejected {
  try {
    parseClusterEvent(input);
  } catch (error) {
    expect(error).toBeInstanceOf(EventRejected);
    return error as EventRejected;
  }
  throw new Error("expected the event to be rejected");
}

/** A minimal accepted call of the given name, in CloudTrail's shape, for the shapes the shared fixtures lack. */
function record(eventName: string, requestParameters: unknown, responseElements: unknown, extra: Record<string, unknown> = {}) {
  return {
    eventVersion: "1.08",
    userIdentity: {
      type: "AssumedRole",
      principalId: "AROAEXAMPLE:bob",
      arn: "arn:aws:sts::111122223333:assumed-role/Admin/bob",
      accountId: "111122223333",
      accessKeyId: "ASIAEXAMPLEKEY",
      sessionContext: { sessionIssuer: { type: "Role", arn: "arn:aws:iam::111122223333:role/Admin", userName: "Admin" } },
    },
    eventTime: "2026-01-05T10:00:00Z",
    eventSource: "eks.amazonaws.com",
    eventName,
    awsRegion: "eu-west-1",
    sourceIPAddress: "203.0.113.7",
    userAgent: "aws-cli/2.15.0",
    requestParameters,
    responseElements,
    eventID: `evt-${eventName}`,
    recipientAccountId: "111122223333",
    ...extra,
  };
}

describe("parseClusterEvent on the shared real CloudTrail records", () => {
  it("reads CreateCluster's intent from responseElements.cluster and trusts requestParameters.name", () => {
    const event = parseClusterEvent(eventBridgeEnvelope(readCloudTrailRecord(CREATE_CLUSTER_OPEN_WORLD)));
    expect(event.eventId).toBe("11c209ea-98e1-4db6-99e3-76d0b7e005f7");
    expect(event.eventName).toBe("CreateCluster");
    expect(event.clusterName).toBe("amazon-eks");
    expect(event.clusterArn).toBe("arn:aws:eks:ap-northeast-2:999999999999:cluster/amazon-eks");
    expect(event.account).toBe("999999999999");
    expect(event.region).toBe("ap-northeast-2");
    expect(event.actor).toEqual({ type: "IAMUser", arn: "arn:aws:iam::999999999999:user/alice", principalId: "EXAMPLE6E4XEGITWATV6R", userName: "alice" });
    expect(event.sourceIp).toBe("115.142.120.217");
    expect(event.userAgent).toContain("Chrome/121");
    expect(event.eventTime.toISOString()).toBe("2024-03-08T14:09:42.000Z");
    expect(event.createdStatus).toBe("CREATING");
    expect(startsAsynchronousChange(event)).toBe(true);
    expect(event.intent?.kind).toBe("cluster");
    if (event.intent?.kind !== "cluster") throw new Error("unreachable");
    expect(event.intent.cluster.name).toBe("amazon-eks");
    expect(event.intent.cluster.arn).toBe(event.clusterArn);
    expect(event.intent.cluster.createdAt).toEqual(new Date(1709906982067));
    expect(event.intent.cluster.resourcesVpcConfig).toMatchObject({ endpointPublicAccess: true, endpointPrivateAccess: false, publicAccessCidrs: ["0.0.0.0/0"] });
    expect(JSON.stringify(event)).not.toContain("accessKeyId");
  });

  it("reads UpdateClusterConfig's intent from update.params, decoding the string values", () => {
    const event = parseClusterEvent(eventBridgeEnvelope(readCloudTrailRecord(UPDATE_CLUSTER_CONFIG_PRIVATE)));
    expect(event.eventName).toBe("UpdateClusterConfig");
    expect(event.clusterArn).toBe("arn:aws:eks:ap-northeast-2:999999999999:cluster/amazon-eks");
    expect(event.updateId).toBe("a6a26d0a-c985-40df-8d17-9d994525339f");
    expect(event.intent).toEqual({
      kind: "endpoint-update",
      resourcesVpcConfig: { endpointPublicAccess: false, endpointPrivateAccess: true, publicAccessCidrs: ["0.0.0.0/0"] },
    });
    expect(startsAsynchronousChange(event)).toBe(true);
  });
});

describe("parseClusterEvent on the other handled calls", () => {
  const update = { id: "u-1", status: "InProgress", type: "VersionUpdate", params: [{ type: "Version", value: "1.31" }], errors: [] };

  it("UpdateClusterVersion carries the update id and keeps the assumed role's issuer as the actor", () => {
    const event = parseClusterEvent(eventBridgeEnvelope(record("UpdateClusterVersion", { name: "prod", version: "1.31" }, { update })));
    expect(event.updateId).toBe("u-1");
    expect(event.intent).toBeUndefined();
    expect(event.actor.sessionIssuer).toEqual({ arn: "arn:aws:iam::111122223333:role/Admin", userName: "Admin", type: "Role" });
    expect(event.clusterArn).toBe("arn:aws:eks:eu-west-1:111122223333:cluster/prod");
  });

  it("nodegroup and add-on calls name their resource; creations in CREATING are asynchronous", () => {
    const nodegroup = parseClusterEvent(eventBridgeEnvelope(record("CreateNodegroup", { name: "prod", nodegroupName: "ng-a" }, { nodegroup: { status: "CREATING" } })));
    expect(nodegroup).toMatchObject({ nodegroupName: "ng-a", createdStatus: "CREATING" });
    expect(startsAsynchronousChange(nodegroup)).toBe(true);
    const nodegroupUpdate = parseClusterEvent(eventBridgeEnvelope(record("UpdateNodegroupVersion", { clusterName: "prod", nodegroupName: "ng-a" }, { update })));
    expect(nodegroupUpdate).toMatchObject({ clusterName: "prod", nodegroupName: "ng-a", updateId: "u-1" });
    const addon = parseClusterEvent(eventBridgeEnvelope(record("CreateAddon", { name: "prod", addonName: "vpc-cni" }, { addon: { status: "ACTIVE" } })));
    expect(addon).toMatchObject({ addonName: "vpc-cni", createdStatus: "ACTIVE" });
    expect(startsAsynchronousChange(addon)).toBe(false);
    const addonUpdate = parseClusterEvent(eventBridgeEnvelope(record("UpdateAddon", { name: "prod", addonName: "vpc-cni" }, { update })));
    expect(addonUpdate).toMatchObject({ addonName: "vpc-cni", updateId: "u-1" });
  });

  it("TagResource and UntagResource find the cluster from the resource ARN, including a nodegroup's", () => {
    const tag = parseClusterEvent(
      eventBridgeEnvelope(record("TagResource", { resourceArn: "arn:aws:eks:eu-west-1:444455556666:cluster/shop", tags: { a: "b" } }, null)),
    );
    expect(tag.clusterArn).toBe("arn:aws:eks:eu-west-1:444455556666:cluster/shop");
    expect(tag.account).toBe("444455556666");
    const untag = parseClusterEvent(
      eventBridgeEnvelope(record("UntagResource", { resourceArn: "arn:aws:eks:eu-west-1:111122223333:nodegroup/shop/ng-a/uuid", tagKeys: ["a"] }, null)),
    );
    expect(untag.clusterName).toBe("shop");
    expect(startsAsynchronousChange(untag)).toBe(false);
  });

  it("DeleteCluster is not an asynchronous change to follow", () => {
    const event = parseClusterEvent(eventBridgeEnvelope(record("DeleteCluster", { name: "prod" }, { cluster: { status: "DELETING" } })));
    expect(event.eventName).toBe("DeleteCluster");
    expect(startsAsynchronousChange(event)).toBe(false);
  });

  it("a failed call is kept with its error and no intent, even when the response is null", () => {
    const event = parseClusterEvent(
      eventBridgeEnvelope(
        record("UpdateClusterConfig", { name: "prod", nodegroupName: "x", addonName: "y" }, null, {
          errorCode: "AccessDenied",
          errorMessage: "User is not authorized to perform eks:UpdateClusterConfig",
        }),
      ),
    );
    expect(event.failed).toEqual({ errorCode: "AccessDenied", errorMessage: "User is not authorized to perform eks:UpdateClusterConfig" });
    expect(event.intent).toBeUndefined();
    expect(startsAsynchronousChange(event)).toBe(false);
    const noMessage = parseClusterEvent(eventBridgeEnvelope(record("DeleteCluster", { name: "prod" }, null, { errorCode: "ResourceInUseException" })));
    expect(noMessage.failed).toEqual({ errorCode: "ResourceInUseException", errorMessage: "" });
  });

  it("an UpdateClusterConfig without endpoint params (logging) has no endpoint intent", () => {
    const event = parseClusterEvent(
      eventBridgeEnvelope(
        record("UpdateClusterConfig", { name: "prod" }, { update: { id: "u-2", status: "InProgress", type: "LoggingUpdate", params: [{ type: "ClusterLogging", value: "{}" }] } }),
      ),
    );
    expect(event.intent).toBeUndefined();
    expect(event.updateId).toBe("u-2");
  });

  it("knows the partitions of China and GovCloud regions", () => {
    expect(partitionOfRegion("cn-north-1")).toBe("aws-cn");
    expect(partitionOfRegion("us-gov-west-1")).toBe("aws-us-gov");
    expect(clusterOfResourceArn("arn:aws-cn:eks:cn-north-1:111122223333:cluster/x")).toEqual({ partition: "aws-cn", region: "cn-north-1", account: "111122223333", name: "x" });
  });
});

describe("parseClusterEvent rejects what it cannot trust, naming the event and the field", () => {
  const good = () => eventBridgeEnvelope(readCloudTrailRecord(UPDATE_CLUSTER_CONFIG_PRIVATE));

  it("missing detail", () => {
    const { detail: _dropped, ...noDetail } = good();
    const error = rejection(noDetail);
    expect(error.reason).toBe("malformed");
    expect(error.eventId).toBe("eb-194fa348-c30a-4cff-87a9-fd21a6178bc7");
    expect(error.issues.map((issue) => issue.path)).toContain("detail");
  });

  it("wrong types, with the field path", () => {
    const event = good();
    (event.detail as Record<string, unknown>).sourceIPAddress = 42;
    const error = rejection(event);
    expect(error.eventId).toBe("194fa348-c30a-4cff-87a9-fd21a6178bc7");
    expect(error.issues[0]?.path).toBe("detail.sourceIPAddress");
    expect(error.message).toContain("detail.sourceIPAddress");
  });

  it("an unknown event name", () => {
    const event = good();
    (event.detail as Record<string, unknown>).eventName = "DescribeCluster";
    const error = rejection(event);
    expect(error.reason).toBe("unknown-event");
    expect(error.issues[0]?.path).toBe("detail.eventName");
  });

  it("another source or detail type", () => {
    expect(rejection(eventBridgeEnvelope(readCloudTrailRecord(UPDATE_CLUSTER_CONFIG_PRIVATE), { source: "aws.ec2" })).issues[0]?.path).toBe("source");
  });

  it("a payload above EventBridge's 256 KiB limit", () => {
    const event = good();
    (event.detail as Record<string, unknown>).userAgent = "x".repeat(1024 * 1024);
    const error = rejection(event);
    expect(error.reason).toBe("too-large");
    expect(error.eventId).toBe("194fa348-c30a-4cff-87a9-fd21a6178bc7");
  });

  it("not an object at all, or not serialisable", () => {
    expect(rejection("hello").eventId).toBeUndefined();
    expect(rejection(null).reason).toBe("malformed");
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(rejection(cyclic).reason).toBe("malformed");
  });

  it("an update param that is not a boolean string, or cidrs that are not JSON", () => {
    const event = good();
    const detail = event.detail as { responseElements: { update: { params: { type: string; value: string }[] } } };
    detail.responseElements.update.params[0] = { type: "EndpointPublicAccess", value: "yes" };
    expect(rejection(event).issues[0]?.path).toBe("detail.responseElements.update.params[0].value");
    const second = good();
    (second.detail as typeof detail).responseElements.update.params[2] = { type: "PublicAccessCidrs", value: "[0.0.0.0/0" };
    expect(rejection(second).issues[0]?.message).toContain("JSON-encoded array");
    const third = good();
    (third.detail as typeof detail).responseElements.update.params[2] = { type: "PublicAccessCidrs", value: "[1]" };
    expect(rejection(third).issues[0]?.path).toBe("detail.responseElements.update.params[2].value[0]");
  });

  it("a request without a cluster name, a tag call on a non-cluster ARN, an accepted call without its response", () => {
    expect(rejection(eventBridgeEnvelope(record("DeleteCluster", {}, null))).issues[0]?.path).toBe("detail.requestParameters.name");
    expect(rejection(eventBridgeEnvelope(record("DeleteCluster", { name: "bad name!" }, null))).issues[0]?.path).toBe("detail.requestParameters.name");
    expect(
      rejection(eventBridgeEnvelope(record("TagResource", { resourceArn: "arn:aws:iam::111122223333:role/x" }, null))).issues[0]?.path,
    ).toBe("detail.requestParameters.resourceArn");
    expect(rejection(eventBridgeEnvelope(record("UpdateClusterVersion", { name: "p" }, null))).issues[0]?.path).toBe("detail.responseElements.update");
    expect(rejection(eventBridgeEnvelope(record("CreateAddon", { name: "p" }, { addon: {} }))).issues[0]?.path).toBe("detail.requestParameters.addonName");
  });
});
