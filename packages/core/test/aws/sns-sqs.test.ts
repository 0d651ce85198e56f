// Edge cases of the SNS and SQS adapters (the happy path runs against the emulator in test/realtime.e2e.test.ts).
import { afterEach, describe, expect, it } from "vitest";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";
import { SnsPublisher } from "../../src/aws/sns.ts";
import { SqsSettleQueue } from "../../src/aws/sqs.ts";
import { ServiceUnavailable, Throttled, TopicNotConfigured } from "../../src/errors.ts";
import type { SettleMessage } from "../../src/pipeline/ports.ts";

const sns = mockClient(SNSClient);
const sqs = mockClient(SQSClient);
afterEach(() => {
  sns.reset();
  sqs.reset();
});

const alert = {
  subject: "[CRITICAL] payments-prod (eu-west-1): EKS API endpoint open to 0.0.0.0/0",
  message: JSON.stringify({ default: "text", sqs: "{}" }),
  messageStructure: "json" as const,
  attributes: { severity: "CRITICAL", ruleId: "endpoint-public-access", transition: "OPENED", account: "111122223333", region: "eu-west-1", cluster: "payments-prod", kind: "alert" },
};
const message: SettleMessage = {
  version: 1,
  cluster: { arn: "arn:aws:eks:eu-west-1:111122223333:cluster/p", account: "111122223333", region: "eu-west-1", name: "p" },
  eventId: "e",
  eventName: "UpdateClusterConfig",
  attempt: 1,
  queuedAt: "2026-01-05T10:00:00Z",
  cause: {},
};

describe("SnsPublisher", () => {
  it("publishes with MessageStructure json and every attribute as a String", async () => {
    sns.on(PublishCommand).resolves({ MessageId: "m-1" });
    await new SnsPublisher({ topics: { alerts: "arn:aws:sns:eu-west-1:111122223333:alerts" }, client: new SNSClient({}) }).publish("alerts", alert);
    const input = sns.commandCalls(PublishCommand)[0]!.args[0].input;
    expect(input).toMatchObject({ TopicArn: "arn:aws:sns:eu-west-1:111122223333:alerts", Subject: alert.subject, MessageStructure: "json" });
    expect(input.MessageAttributes?.severity).toEqual({ DataType: "String", StringValue: "CRITICAL" });
    expect(Object.keys(input.MessageAttributes ?? {}).sort()).toEqual(["account", "cluster", "kind", "region", "ruleId", "severity", "transition"]);
  });

  it("translates throttling and other failures, keeping the cause", async () => {
    const publisher = new SnsPublisher({ topics: { alerts: "t" }, client: new SNSClient({}) });
    sns.on(PublishCommand).rejects(Object.assign(new Error("slow"), { name: "ThrottledException" }));
    await expect(publisher.publish("alerts", alert)).rejects.toBeInstanceOf(Throttled);
    const notFound = Object.assign(new Error("Topic does not exist"), { name: "NotFoundException" });
    sns.on(PublishCommand).rejects(notFound);
    const error = await publisher.publish("alerts", alert).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ServiceUnavailable);
    expect((error as Error).cause).toBe(notFound);
  });

  it("publishes each topic to its own ARN through one client", async () => {
    sns.on(PublishCommand).resolves({ MessageId: "m-1" });
    const publisher = new SnsPublisher({ topics: { alerts: "arn:aws:sns:eu-west-1:111122223333:alerts", health: "arn:aws:sns:eu-west-1:111122223333:health" }, client: new SNSClient({}) });
    await publisher.publish("health", alert);
    await publisher.publish("alerts", alert);
    expect(sns.commandCalls(PublishCommand).map((call) => call.args[0].input.TopicArn)).toEqual(["arn:aws:sns:eu-west-1:111122223333:health", "arn:aws:sns:eu-west-1:111122223333:alerts"]);
  });

  it("refuses a topic it was not given, naming it, and calls nothing", async () => {
    const alertsOnly = new SnsPublisher({ topics: { alerts: "arn:aws:sns:eu-west-1:111122223333:alerts" }, client: new SNSClient({}) });
    const error = await alertsOnly.publish("health", alert).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TopicNotConfigured);
    expect(error).toMatchObject({ topic: "health", message: expect.stringContaining("no health topic is configured") });
    await expect(new SnsPublisher({ topics: {}, client: new SNSClient({}) }).publish("alerts", alert)).rejects.toBeInstanceOf(TopicNotConfigured);
    expect(sns.commandCalls(PublishCommand)).toEqual([]);
  });
});

describe("SqsSettleQueue", () => {
  it("sends the message as JSON with the delay clamped to SQS's 0-900 seconds", async () => {
    sqs.on(SendMessageCommand).resolves({});
    const queue = new SqsSettleQueue({ queueUrl: "https://sqs/q", client: new SQSClient({}) });
    await queue.enqueue(message, 1800);
    await queue.enqueue(message, -5);
    await queue.enqueue(message, 29.6);
    expect(sqs.commandCalls(SendMessageCommand).map((call) => call.args[0].input.DelaySeconds)).toEqual([900, 0, 30]);
    expect(JSON.parse(sqs.commandCalls(SendMessageCommand)[0]!.args[0].input.MessageBody!)).toEqual(message);
  });

  it("a failure to queue is a typed error", async () => {
    sqs.on(SendMessageCommand).rejects(new Error("down"));
    await expect(new SqsSettleQueue({ queueUrl: "q", client: new SQSClient({}) }).enqueue(message, 0)).rejects.toBeInstanceOf(ServiceUnavailable);
  });
});
