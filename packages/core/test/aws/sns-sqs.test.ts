// Edge cases of the SNS and SQS adapters (the happy path runs against the emulator in test/realtime.e2e.test.ts).
import { afterEach, describe, expect, it } from "vitest";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";
import { SnsNotifier } from "../../src/aws/sns.ts";
import { SqsSettleQueue } from "../../src/aws/sqs.ts";
import { ServiceUnavailable, Throttled } from "../../src/errors.ts";
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

describe("SnsNotifier", () => {
  it("publishes with MessageStructure json and every attribute as a String", async () => {
    sns.on(PublishCommand).resolves({ MessageId: "m-1" });
    await new SnsNotifier({ topicArn: "arn:aws:sns:eu-west-1:111122223333:alerts", client: new SNSClient({}) }).publish(alert);
    const input = sns.commandCalls(PublishCommand)[0]!.args[0].input;
    expect(input).toMatchObject({ TopicArn: "arn:aws:sns:eu-west-1:111122223333:alerts", Subject: alert.subject, MessageStructure: "json" });
    expect(input.MessageAttributes?.severity).toEqual({ DataType: "String", StringValue: "CRITICAL" });
    expect(Object.keys(input.MessageAttributes ?? {}).sort()).toEqual(["account", "cluster", "kind", "region", "ruleId", "severity", "transition"]);
  });

  it("translates throttling and other failures, keeping the cause", async () => {
    const notifier = new SnsNotifier({ topicArn: "t", client: new SNSClient({}) });
    sns.on(PublishCommand).rejects(Object.assign(new Error("slow"), { name: "ThrottledException" }));
    await expect(notifier.publish(alert)).rejects.toBeInstanceOf(Throttled);
    const notFound = Object.assign(new Error("Topic does not exist"), { name: "NotFoundException" });
    sns.on(PublishCommand).rejects(notFound);
    const error = await notifier.publish(alert).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ServiceUnavailable);
    expect((error as Error).cause).toBe(notFound);
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
