// The CloudTrail events the simulator emits have the shape of the real records in the shared fixtures.

import { CreateClusterCommand, TagResourceCommand, UpdateClusterConfigCommand, DescribeClusterCommand } from "@aws-sdk/client-eks";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSimulator, type CloudTrailEvent, type Simulator } from "../src/index.ts";
import { createClusterInput, eksClient, rejection, SAMPLE_FLEET } from "./helpers.ts";
import { readFixture } from "../../../test/fixtures/index.ts";

const updateRecord = readFixture("cloudtrail/UpdateClusterConfig.console.private-only.json");
const createRecord = readFixture("cloudtrail/CreateCluster.console.public-open-world.json");
const keys = (value: unknown) => Object.keys(value as object).sort();

let sim: Simulator;
let events: CloudTrailEvent[];
beforeAll(async () => {
  sim = await startSimulator({ fleet: SAMPLE_FLEET });
  sim.onCloudTrailEvent((event) => {
    events.push(event);
  });
});
afterAll(() => sim.stop());
beforeEach(() => {
  events = [];
});

describe("CloudTrail events", () => {
  it("UpdateClusterConfig: same keys as the real record, requestParameters only as sent, update as EKS logs it", async () => {
    const eks = eksClient(sim, { maxAttempts: 1 });
    const { update } = await eks.send(new UpdateClusterConfigCommand({ name: "web-public", resourcesVpcConfig: { endpointPrivateAccess: true, endpointPublicAccess: false } }));
    await sim.cloudTrail.idle();
    expect(events).toHaveLength(1);
    const event = events[0]!;
    expect(keys(event)).toEqual(["account", "detail", "detail-type", "id", "region", "resources", "source", "time", "version"]);
    expect(event).toMatchObject({ version: "0", "detail-type": "AWS API Call via CloudTrail", source: "aws.eks", account: "111111111111", region: "eu-west-1", resources: [] });
    const detail = event.detail;
    expect(keys(detail)).toEqual(keys(updateRecord));
    const { sessionContext: _console, ...fixtureIdentity } = updateRecord["userIdentity"] as Record<string, unknown>;
    // SDK calls with access keys carry no sessionContext (the fixture's came from a console login).
    expect(keys(detail.userIdentity)).toEqual(keys(fixtureIdentity));
    expect(detail.userIdentity).toMatchObject({ type: "IAMUser", arn: "arn:aws:iam::111111111111:user/alice", accountId: "111111111111", userName: "alice", accessKeyId: "AKIAALICEEXAMPLE0001" });
    expect(detail).toMatchObject({ eventVersion: "1.08", eventSource: "eks.amazonaws.com", eventName: "UpdateClusterConfig", awsRegion: "eu-west-1", sourceIPAddress: "198.51.100.23", readOnly: false, eventType: "AwsApiCall", managementEvent: true, recipientAccountId: "111111111111", eventCategory: "Management" });
    expect(detail.userAgent).toMatch(/aws-sdk-js/);
    expect(detail.eventTime).toBe(sim.clock.now().toISOString().replace(/\.\d{3}Z$/, "Z"));
    expect(detail.eventID).toMatch(/^[0-9a-f-]{36}$/);
    expect(keys(detail.requestParameters)).toEqual(keys(updateRecord["requestParameters"]));
    expect(detail.requestParameters).toMatchObject({ name: "web-public", resourcesVpcConfig: { endpointPrivateAccess: true, endpointPublicAccess: false } });
    const fixtureUpdate = (updateRecord["responseElements"] as { update: Record<string, unknown> }).update;
    const logged = (detail.responseElements as { update: Record<string, unknown> }).update;
    expect(keys(logged)).toEqual(keys(fixtureUpdate));
    expect(logged["params"]).toEqual(fixtureUpdate["params"]);
    expect(logged["id"]).toBe(update?.id);
    expect(typeof logged["createdAt"]).toBe("number");
    sim.clock.advance(10 * 60_000);
  });

  it("CreateCluster: responseElements.cluster carries every field the real record has", async () => {
    const eks = eksClient(sim, { maxAttempts: 1 });
    await eks.send(new CreateClusterCommand({ ...createClusterInput("trail-create", { endpointPublicAccess: true, publicAccessCidrs: ["0.0.0.0/0"] }), version: "1.34" }));
    await sim.cloudTrail.idle();
    const detail = events[0]!.detail;
    expect(keys(detail)).toEqual(keys(createRecord));
    expect(keys(detail.requestParameters)).toEqual(["clientRequestToken", "name", "resourcesVpcConfig", "roleArn", "version"]);
    const fixtureCluster = (createRecord["responseElements"] as { cluster: Record<string, unknown> }).cluster;
    const logged = (detail.responseElements as { cluster: Record<string, unknown> }).cluster;
    for (const key of Object.keys(fixtureCluster)) expect(logged, `responseElements.cluster.${key}`).toHaveProperty(key);
    expect(logged).toMatchObject({ name: "trail-create", status: "CREATING", arn: "arn:aws:eks:eu-west-1:111111111111:cluster/trail-create" });
  });

  it("a failed call carries errorCode and errorMessage and no responseElements", async () => {
    const eks = eksClient(sim, { maxAttempts: 1 });
    await rejection(eks.send(new UpdateClusterConfigCommand({ name: "payments-prod", resourcesVpcConfig: { endpointPublicAccess: false, endpointPrivateAccess: false } })));
    await sim.cloudTrail.idle();
    const detail = events[0]!.detail;
    expect(detail).toMatchObject({ errorCode: "InvalidParameterException", errorMessage: "Both private and public endpoint access cannot be false", responseElements: null });
    expect(keys(detail)).toEqual([...keys(updateRecord), "errorCode", "errorMessage"].sort());
  });

  it("a call signed by another identity is logged in its account, with the source IP set per call", async () => {
    const bob = eksClient(sim, { region: "eu-west-1", accessKeyId: "AKIABOBEXAMPLE000002", maxAttempts: 1 });
    bob.middlewareStack.add((next) => (args) => {
      (args.request as { headers: Record<string, string> }).headers["x-sim-source-ip"] = "192.0.2.44";
      return next(args);
    }, { step: "build" });
    await bob.send(new TagResourceCommand({ resourceArn: "arn:aws:eks:eu-west-1:222222222222:cluster/vendor-ingress", tags: { owner: "bob" } }));
    await sim.cloudTrail.idle();
    expect(events[0]).toMatchObject({ account: "222222222222", detail: { eventName: "TagResource", sourceIPAddress: "192.0.2.44", responseElements: null, requestParameters: { resourceArn: "arn:aws:eks:eu-west-1:222222222222:cluster/vendor-ingress", tags: { owner: "bob" } } } });
  });

  it("read-only calls emit nothing; a subscriber with a virtual delay sees the event only after the clock passes it", async () => {
    const delayed: CloudTrailEvent[] = [];
    const unsubscribe = sim.onCloudTrailEvent((event) => {
      delayed.push(event);
    }, { delayMs: 5 * 60_000 });
    const eks = eksClient(sim, { maxAttempts: 1 });
    await eks.send(new DescribeClusterCommand({ name: "web-public" }));
    await eks.send(new TagResourceCommand({ resourceArn: "arn:aws:eks:eu-west-1:111111111111:cluster/web-public", tags: { a: "b" } }));
    await sim.cloudTrail.idle();
    expect(events.map((event) => event.detail.eventName)).toEqual(["TagResource"]);
    expect(delayed).toEqual([]);
    sim.clock.advance(5 * 60_000);
    await sim.cloudTrail.idle();
    expect(delayed.map((event) => event.detail.eventID)).toEqual([events[0]!.detail.eventID]);
    unsubscribe();
  });

  it("a listener that throws does not break the API call; the error is kept", async () => {
    const unsubscribe = sim.onCloudTrailEvent(() => {
      throw new Error("subscriber down");
    });
    const eks = eksClient(sim, { maxAttempts: 1 });
    await eks.send(new TagResourceCommand({ resourceArn: "arn:aws:eks:eu-west-1:111111111111:cluster/web-public", tags: { c: "d" } }));
    await sim.cloudTrail.idle();
    expect(sim.cloudTrail.deliveryErrors.at(-1)?.error).toEqual(new Error("subscriber down"));
    unsubscribe();
  });
});

describe("trails", () => {
  it("emits events only for accounts and regions with a trail, when the fleet lists them", async () => {
    const partial = await startSimulator({ fleet: { trails: [{ account: "123456789012", region: "eu-west-1" }], clusters: [{ cluster: { name: "here" }, region: "eu-west-1" }, { cluster: { name: "there" }, region: "us-east-1" }] } });
    try {
      for (const [region, name] of [["eu-west-1", "here"], ["us-east-1", "there"]] as const) {
        await eksClient(partial, { region, accessKeyId: "AKIANOBODY", maxAttempts: 1 }).send(new TagResourceCommand({ resourceArn: `arn:aws:eks:${region}:123456789012:cluster/${name}`, tags: { a: "b" } }));
      }
      expect(partial.cloudTrail.events.map((event) => event.region)).toEqual(["eu-west-1"]);
    } finally {
      await partial.stop();
    }
  });
});
