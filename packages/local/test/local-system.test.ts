// The local system is the stack, locally: its settle queue, handler environment and event routing come from the same
// description stacks/ deploys (@eks-warden/core/deployment), and the real handlers run on it end to end.
// One system per process (the handlers keep their adapters, as in Lambda), so every check here shares it; it uses the
// test run's DynamoDB Local and SNS/SQS emulator.
import { fileURLToPath } from "node:url";
import { ListSubscriptionsByTopicCommand, SetSubscriptionAttributesCommand, SNSClient } from "@aws-sdk/client-sns";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLUSTER_EVENT_QUEUE, FUNCTION_ENV, HANDLERS, SETTLE_QUEUE } from "@eks-warden/core/deployment";
import { startLocalSystem, type LocalSystem } from "../src/index.ts";
import { ensureLocalAws, stopLocalAws } from "../../core/test/aws/local-aws.ts";

const DEMO_FLEET = fileURLToPath(new URL("../../../scenarios/fleets/demo.json", import.meta.url));
const ALICE = { accessKeyId: "AKIALOCALTESTALICE01", secretAccessKey: "alice" };
const ALICE_ARN = "arn:aws:iam::111111111111:user/alice";

let system: LocalSystem;

beforeAll(async () => {
  await ensureLocalAws();
  system = await startLocalSystem({
    fleet: DEMO_FLEET,
    policy: {},
    identities: [{ accessKeyId: ALICE.accessKeyId, arn: ALICE_ARN, sourceIp: "198.51.100.23" }],
    aws: "environment",
  });
}, 120_000);

afterAll(async () => {
  await system?.stop();
  await stopLocalAws();
});

describe("the local system is wired from the stack's constants", () => {
  it("has the stack's settle queue: redrive after maxReceiveCount receives, visibility timeout and delivery delay", async () => {
    const attributes = await system.settleQueueAttributes();
    const redrive = JSON.parse(attributes["RedrivePolicy"] ?? "{}") as { maxReceiveCount?: number | string; deadLetterTargetArn?: string };
    expect(Number(redrive.maxReceiveCount)).toBe(SETTLE_QUEUE.maxReceiveCount);
    expect(redrive.deadLetterTargetArn).toBe(system.settleQueues.deadLetterQueueArn);
    expect(Number(attributes["VisibilityTimeout"])).toBe(SETTLE_QUEUE.visibilityTimeoutSeconds);
    expect(Number(attributes["DelaySeconds"])).toBe(SETTLE_QUEUE.deliveryDelaySeconds);
    // The values the stack deploys (test/infra.test.ts checks the synthesized template against the same constants).
    expect(SETTLE_QUEUE).toMatchObject({ maxReceiveCount: 5, visibilityTimeoutSeconds: 360, deliveryDelaySeconds: 30 });
  });

  it("runs the handlers the stack deploys, found by the stack's own handler paths", async () => {
    expect(HANDLERS.clusterEvent.handler).toBe("packages/functions/src/cluster-event.handler");
    const deployed = (await import("@eks-warden/functions/cluster-event")) as { handler: unknown };
    expect(system.clusterEventHandler).toBe(deployed.handler);
  });

  it("sets the environment the handlers read, under the names the stack sets", () => {
    expect(process.env[FUNCTION_ENV.tableName]).toBe(system.tableName);
    expect(process.env[FUNCTION_ENV.alertsTopicArn]).toBe(system.topicArn);
    expect(process.env[FUNCTION_ENV.settleQueueUrl]).toBe(system.settleQueues.queueUrl);
    // The scenario's policy, with the regions the scheduled functions read (the fleet's, as the policy lists none).
    expect(JSON.parse(process.env[FUNCTION_ENV.policy] ?? "null")).toEqual({ regions: system.regions });
    expect(process.env[FUNCTION_ENV.reportBucket]).toBe(system.reportBucket);
    expect(process.env[FUNCTION_ENV.settleDelaySeconds]).toBe("0");
  });

  it("routes only what the deployed event pattern matches, through the event queue, and parks an event after the queue's receives", async () => {
    expect(await system.router.deliver({ source: "aws.ec2", "detail-type": "AWS API Call via CloudTrail", detail: { eventSource: "ec2.amazonaws.com", eventName: "RunInstances" } })).toBe("unmatched");
    await system.callEks("TagResource", { resourceArn: "arn:aws:eks:eu-west-1:111111111111:cluster/web-public", tags: { owner: "alice" } }, { credentials: ALICE, region: "eu-west-1" });
    const [event] = await system.takeEvents();
    system.simulator.faults.set("DescribeCluster", { serverErrorRate: 1, serverErrorStatus: 500 });
    try {
      expect(await system.router.deliver(event)).toBe("dead-lettered");
    } finally {
      system.simulator.faults.clear();
    }
    expect(system.router.deadLetters.map((letter) => letter.attempts)).toEqual([CLUSTER_EVENT_QUEUE.maxReceiveCount]);
    // Parked as the event queue's redrive parks it: the event itself, no error (SQS records none; the handler logs it).
    const letters = await system.clusterEventDeadLetters();
    expect(letters).toEqual([{ event }]);
  }, 60_000);

  it("refuses a second system in the same process", async () => {
    await expect(startLocalSystem({ fleet: DEMO_FLEET, policy: {}, aws: "environment" })).rejects.toThrow(/one per process/);
  });
});

describe("the real handlers on the local system", () => {
  it("sweeps, alerts early on an opening call, settles without a second alert, and resolves on closing", async () => {
    await system.sweep();
    const atStart = await system.readNotifications();
    expect(atStart.map((notification) => notification.subject)).toContain("[CRITICAL] web-public (eu-west-1): EKS API endpoint open to 0.0.0.0/0");

    const reply = await system.callEks("UpdateClusterConfig", { name: "payments-prod", resourcesVpcConfig: { endpointPublicAccess: true, publicAccessCidrs: ["0.0.0.0/0"] } }, { credentials: ALICE, region: "eu-west-1" });
    expect((reply["update"] as { status?: string }).status).toBe("InProgress");
    const delivered = await system.deliverEvents();
    expect(delivered.map((event) => [event.detail.eventName, event.detail.userIdentity.arn, event.detail.sourceIPAddress])).toEqual([["UpdateClusterConfig", ALICE_ARN, "198.51.100.23"]]);
    const early = await system.readNotifications();
    expect(early.map((notification) => notification.subject)).toEqual(["[CRITICAL] [CHANGE IN PROGRESS] payments-prod (eu-west-1): EKS API endpoint opening to 0.0.0.0/0"]);
    expect(early[0]!.text).toContain(`Who:          ${ALICE_ARN}`);

    await system.advance(11 * 60_000);
    expect(await system.readNotifications()).toEqual([]);
    const arn = "arn:aws:eks:eu-west-1:111111111111:cluster/payments-prod";
    expect((await system.readState(arn)).find((record) => record.ruleId === "endpoint-public-access")).toMatchObject({ status: "FAIL", severity: "CRITICAL" });

    await system.callEks("UpdateClusterConfig", { name: "payments-prod", resourcesVpcConfig: { endpointPublicAccess: false, endpointPrivateAccess: true } }, { credentials: ALICE, region: "eu-west-1" });
    await system.deliverEvents();
    await system.advance(11 * 60_000);
    const resolved = await system.readNotifications();
    expect(resolved.map((notification) => notification.attributes["transition"])).toEqual(["RESOLVED"]);
    expect(await system.deadLetters()).toBe(0);
  }, 60_000);

  it("holds a grant undone and redone within 5 minutes, and tells the summary when `advance` ends the hold", async () => {
    const grantee = "arn:aws:iam::999988887777:role/flapper";
    const grant = { clusterName: "payments-prod", principalArn: grantee, policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy" };
    const as = { credentials: ALICE, region: "eu-west-1" };
    await system.readNotifications();
    await system.callEks("CreateAccessEntry", { clusterName: "payments-prod", principalArn: grantee }, as);
    await system.callEks("AssociateAccessPolicy", { ...grant, accessScope: { type: "cluster" } }, as);
    await system.deliverEvents();
    expect((await system.readNotifications()).map((notification) => notification.attributes["transition"])).toEqual(["OPENED"]);

    for (const [call, input] of [["DisassociateAccessPolicy", grant], ["AssociateAccessPolicy", { ...grant, accessScope: { type: "cluster" } }], ["DisassociateAccessPolicy", grant]] as const) {
      await system.callEks(call, input, as);
      await system.deliverEvents();
    }
    expect(await system.readNotifications()).toEqual([]);

    await system.advance(6 * 60_000);
    const summary = await system.readNotifications();
    expect(summary.map((notification) => [notification.attributes["ruleId"], notification.attributes["transition"]])).toEqual([["access-cluster-admin", "RESOLVED"]]);
    expect(summary[0]!.subject).toMatch(/flapped 3 more times, last resolved/i);
    expect(await system.deadLetters()).toBe(0);
  }, 60_000);

  it("gives EKS's own error for a refused call, as the AWS CLI would see it", async () => {
    await expect(system.callEks("DescribeCluster", { name: "no-such-cluster" }, { region: "eu-west-1" })).rejects.toMatchObject({ name: "ResourceNotFoundException" });
    await expect(system.callEks("NoSuchOperation", {})).rejects.toThrow(/no NoSuchOperationCommand/);
  });
});

describe("the heartbeat's self-audit, over the SNS emulator", () => {
  const sns = new SNSClient({ endpoint: process.env["AWS_ENDPOINT_URL_SNS"] });
  const setHealthFilter = async (filter: string): Promise<void> => {
    const listed = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: system.healthTopicArn }));
    const [subscription] = listed.Subscriptions ?? [];
    await sns.send(new SetSubscriptionAttributesCommand({ SubscriptionArn: subscription!.SubscriptionArn!, AttributeName: "FilterPolicy", AttributeValue: filter }));
  };

  it("checks the topics' subscriptions as in AWS, and names what no emulator answers as not checked locally", async () => {
    await system.readHealthNotifications();
    await expect(system.runSchedule("heartbeat")).resolves.toMatchObject({ kind: "heartbeat" });
    const [heartbeat] = (await system.readHealthNotifications()).filter((notice) => notice.attributes["kind"] === "heartbeat");
    // Per topic: its subscriptions and the one subscription's filter.
    expect(heartbeat!.subject).toBe("[INFO] EKS Warden self-audit: 4 checks, all as deployed");
    expect(heartbeat!.attributes["severity"]).toBe("INFO");
  });

  it("reports a filter policy on the health subscription HIGH, through the very filter it found", async () => {
    await setHealthFilter('{"kind":["heartbeat"]}');
    try {
      await system.readHealthNotifications();
      await system.runSchedule("heartbeat");
      const [heartbeat] = await system.readHealthNotifications();
      expect(heartbeat!.subject).toBe("[HIGH] EKS Warden self-audit: 4 checks, 1 not as deployed");
      expect(heartbeat!.attributes["severity"]).toBe("HIGH");
    } finally {
      await setHealthFilter("");
    }
  });

  it("refuses a scheduled event that is not the local heartbeat rule, and sends nothing", async () => {
    await system.readHealthNotifications();
    const tamper = (await import("@eks-warden/functions/tamper")) as { handler: (event: unknown, context: unknown) => Promise<unknown> };
    const forged = { source: "aws.events", "detail-type": "Scheduled Event", resources: ["arn:aws:events:eu-west-1:111111111111:rule/not-ours"], detail: {} };
    await expect(tamper.handler(forged, { functionName: "tamper", awsRequestId: "forged-1" })).resolves.toEqual({ kind: "rejected", alerts: "skipped" });
    expect(await system.readHealthNotifications()).toEqual([]);
  });
});
