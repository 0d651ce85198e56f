import { describe, expect, it } from "vitest";
import { HANDLED_CLUSTER_EVENTS } from "../../src/events/cloudtrail.ts";
import { clusterEventPattern, EventPatternError, HANDLED_EVENT_NAMES, matchesEventPattern, type EventPattern } from "../../src/events/pattern.ts";
import { CREATE_CLUSTER_OPEN_WORLD, eventBridgeEnvelope, readCloudTrailRecord, UPDATE_CLUSTER_CONFIG_PRIVATE } from "../../../../test/fixtures/index.ts";

const realEvent = (file: string) => eventBridgeEnvelope(readCloudTrailRecord(file));

describe("clusterEventPattern", () => {
  it("is the design's pattern: CloudTrail-recorded EKS calls of the seventeen handled names", () => {
    expect(clusterEventPattern).toEqual({
      source: ["aws.eks"],
      "detail-type": ["AWS API Call via CloudTrail"],
      detail: {
        eventSource: ["eks.amazonaws.com"],
        eventName: [
          "CreateCluster",
          "UpdateClusterConfig",
          "UpdateClusterVersion",
          "DeleteCluster",
          "TagResource",
          "UntagResource",
          "CreateNodegroup",
          "UpdateNodegroupVersion",
          "CreateAddon",
          "UpdateAddon",
          "CreateAccessEntry",
          "UpdateAccessEntry",
          "DeleteAccessEntry",
          "AssociateAccessPolicy",
          "DisassociateAccessPolicy",
          "AssociateIdentityProviderConfig",
          "DisassociateIdentityProviderConfig",
        ],
      },
    });
  });

  it("names exactly the events the CloudTrail parser handles", () => {
    expect([...HANDLED_EVENT_NAMES]).toEqual([...HANDLED_CLUSTER_EVENTS]);
  });

  it("matches both real CloudTrail fixtures in their EventBridge envelope", () => {
    expect(matchesEventPattern(clusterEventPattern, realEvent(CREATE_CLUSTER_OPEN_WORLD))).toBe(true);
    expect(matchesEventPattern(clusterEventPattern, realEvent(UPDATE_CLUSTER_CONFIG_PRIVATE))).toBe(true);
  });

  it("matches a failed call too (the handler records those), since errorCode is not part of the pattern", () => {
    const failed = eventBridgeEnvelope({ ...readCloudTrailRecord(UPDATE_CLUSTER_CONFIG_PRIVATE), errorCode: "ResourceInUseException" });
    expect(matchesEventPattern(clusterEventPattern, failed)).toBe(true);
  });

  it("does not match a read-only call, another source, another detail-type, or another event source", () => {
    const update = readCloudTrailRecord(UPDATE_CLUSTER_CONFIG_PRIVATE);
    expect(matchesEventPattern(clusterEventPattern, eventBridgeEnvelope({ ...update, eventName: "DescribeCluster" }))).toBe(false);
    expect(matchesEventPattern(clusterEventPattern, eventBridgeEnvelope(update, { source: "aws.ec2" }))).toBe(false);
    expect(matchesEventPattern(clusterEventPattern, eventBridgeEnvelope(update, { "detail-type": "EKS Cluster State Change" }))).toBe(false);
    expect(matchesEventPattern(clusterEventPattern, eventBridgeEnvelope({ ...update, eventSource: "ec2.amazonaws.com" }))).toBe(false);
  });

  it("compares exactly and case-sensitively, as EventBridge does", () => {
    const update = readCloudTrailRecord(UPDATE_CLUSTER_CONFIG_PRIVATE);
    expect(matchesEventPattern(clusterEventPattern, eventBridgeEnvelope({ ...update, eventName: "updateclusterconfig" }))).toBe(false);
    expect(matchesEventPattern(clusterEventPattern, eventBridgeEnvelope({ ...update, eventName: "UpdateClusterConfig " }))).toBe(false);
  });

  it("does not match when a field the pattern names is missing or has the wrong shape", () => {
    const { detail: _detail, ...noDetail } = realEvent(UPDATE_CLUSTER_CONFIG_PRIVATE);
    expect(matchesEventPattern(clusterEventPattern, noDetail)).toBe(false);
    expect(matchesEventPattern(clusterEventPattern, { ...noDetail, detail: "UpdateClusterConfig" })).toBe(false);
    expect(matchesEventPattern(clusterEventPattern, { ...noDetail, detail: [{ eventSource: "eks.amazonaws.com" }] })).toBe(false);
    expect(matchesEventPattern(clusterEventPattern, null)).toBe(false);
    expect(matchesEventPattern(clusterEventPattern, "aws.eks")).toBe(false);
    expect(matchesEventPattern(clusterEventPattern, [realEvent(UPDATE_CLUSTER_CONFIG_PRIVATE)])).toBe(false);
  });
});

describe("matchesEventPattern", () => {
  it("matches an event array when any element equals one of the values", () => {
    const pattern: EventPattern = { resources: ["arn:aws:eks:eu-west-1:111122223333:cluster/a"] };
    expect(matchesEventPattern(pattern, { resources: ["arn:other", "arn:aws:eks:eu-west-1:111122223333:cluster/a"] })).toBe(true);
    expect(matchesEventPattern(pattern, { resources: ["arn:other"] })).toBe(false);
    expect(matchesEventPattern(pattern, { resources: [] })).toBe(false);
  });

  it("matches numbers, booleans and null exactly, without converting types", () => {
    expect(matchesEventPattern({ detail: { readOnly: [false] } }, { detail: { readOnly: false } })).toBe(true);
    expect(matchesEventPattern({ detail: { readOnly: [false] } }, { detail: { readOnly: "false" } })).toBe(false);
    expect(matchesEventPattern({ code: [404] }, { code: 404 })).toBe(true);
    expect(matchesEventPattern({ code: [404] }, { code: "404" })).toBe(false);
    expect(matchesEventPattern({ errorCode: [null] }, { errorCode: null })).toBe(true);
    expect(matchesEventPattern({ errorCode: [null] }, { errorCode: "AccessDenied" })).toBe(false);
  });

  it("does not let an object in the event stand for a value", () => {
    expect(matchesEventPattern({ detail: ["x"] }, { detail: { x: 1 } })).toBe(false);
  });

  it("ignores fields the pattern does not name", () => {
    expect(matchesEventPattern({ source: ["aws.eks"] }, { source: "aws.eks", anything: { else: true } })).toBe(true);
  });

  it("refuses pattern forms it does not implement instead of answering wrongly, naming the field", () => {
    const prefix = { detail: { eventName: [{ prefix: "Update" }] } } as unknown as EventPattern;
    expect(() => matchesEventPattern(prefix, realEvent(UPDATE_CLUSTER_CONFIG_PRIVATE))).toThrow(EventPatternError);
    expect(() => matchesEventPattern(prefix, realEvent(UPDATE_CLUSTER_CONFIG_PRIVATE))).toThrow(/detail\.eventName\[0\]: content filters .*not supported/);
  });

  it("rejects an empty value list and a scalar where a list or object belongs", () => {
    expect(() => matchesEventPattern({ source: [] }, { source: "aws.eks" })).toThrow(/source: expected at least one value/);
    const scalar = { source: "aws.eks" } as unknown as EventPattern;
    expect(() => matchesEventPattern(scalar, { source: "aws.eks" })).toThrow(/source: expected a list of values or a nested object/);
  });

  it("rejects an empty pattern, which EventBridge does not accept", () => {
    expect(() => matchesEventPattern({}, { source: "aws.eks" })).toThrow(EventPatternError);
    expect(() => matchesEventPattern(null as unknown as EventPattern, {})).toThrow(/expected an object naming at least one field/);
  });
});
