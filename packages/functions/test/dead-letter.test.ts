// The dead-letter handler as Lambda runs it, with mocked SNS and SQS clients: what keeps a dead letter from being lost.
// The alert goes to the health topic (never the alerts topic) before the letter is copied to its archive; a letter
// whose alert or copy fails is reported back as a batch item failure, so the event source mapping leaves it on its
// dead-letter queue for the next try instead of deleting it.
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

const HEALTH = "arn:aws:sns:eu-west-1:111122223333:prod-eks-warden-Warden-HealthTopic0A1B2C3D-Xy9Z8w7V6u5T";
const QUEUES = {
  clusterEvent: "arn:aws:sqs:eu-west-1:111122223333:prod-eks-warden-Warden-ClusterEventDeadLetterQueue3048ED0F-AbC",
  clusterEventArchive: "https://sqs.eu-west-1.amazonaws.com/111122223333/prod-eks-warden-Warden-ClusterEventDeadLetterArchive03C93B10-DeF",
  settle: "arn:aws:sqs:eu-west-1:111122223333:prod-eks-warden-Warden-SettleDeadLetterQueueCF6B7B05-GhI",
  settleArchive: "https://sqs.eu-west-1.amazonaws.com/111122223333/prod-eks-warden-Warden-SettleDeadLetterArchiveFEA044E1-JkL",
};
const context = { functionName: "dead-letter", awsRequestId: "req-1", invokedFunctionArn: "arn:aws:lambda:eu-west-1:111122223333:function:dead-letter" } as Context;

const sns = mockClient(SNSClient);
const sqs = mockClient(SQSClient);
const saved = { ...process.env };
let handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

beforeAll(async () => {
  Object.assign(process.env, {
    HEALTH_TOPIC_ARN: HEALTH,
    // Set for other handlers in the same environment: the dead-letter alert must still not go there.
    ALERTS_TOPIC_ARN: "arn:aws:sns:eu-west-1:111122223333:alerts",
    CLUSTER_EVENT_DEAD_LETTER_QUEUE_ARN: QUEUES.clusterEvent,
    CLUSTER_EVENT_DEAD_LETTER_ARCHIVE_URL: QUEUES.clusterEventArchive,
    SETTLE_DEAD_LETTER_QUEUE_ARN: QUEUES.settle,
    SETTLE_DEAD_LETTER_ARCHIVE_URL: QUEUES.settleArchive,
    AWS_REGION: "eu-west-1",
    AWS_ACCESS_KEY_ID: "AKIAEXAMPLE",
    AWS_SECRET_ACCESS_KEY: "secret",
  });
  ({ handler } = (await import("../src/dead-letter.ts")) as unknown as { handler: typeof handler });
});
afterAll(() => {
  process.env = saved;
});
beforeEach(() => {
  sns.reset();
  sqs.reset();
});

const event = {
  source: "aws.eks",
  "detail-type": "AWS API Call via CloudTrail",
  account: "111122223333",
  region: "eu-west-1",
  detail: { eventName: "UpdateClusterConfig", eventID: "0e9d8c7b-6a5f-4e3d-2c1b-0a9f8e7d6c5b", eventTime: "2026-11-30T22:14:07Z", awsRegion: "eu-west-1", recipientAccountId: "111122223333", requestParameters: { name: "payments-prod" } },
};

function record(messageId: string, eventSourceARN: string, body: string, attributes: Record<string, string> = {}): SQSRecord {
  return {
    messageId,
    receiptHandle: `handle-${messageId}`,
    body,
    attributes: { ApproximateReceiveCount: "1", SentTimestamp: "1796076005000", SenderId: "AIDA", ApproximateFirstReceiveTimestamp: "1796076006000" },
    messageAttributes: Object.fromEntries(Object.entries(attributes).map(([name, value]) => [name, { dataType: "String", stringValue: value, stringListValues: [], binaryListValues: [] }])),
    md5OfBody: "",
    eventSource: "aws:sqs",
    eventSourceARN,
    awsRegion: "eu-west-1",
  };
}

describe("dead-letter handler", () => {
  it("publishes one alert to the health topic naming cluster and event, then archives the letter with why it failed", async () => {
    const order: string[] = [];
    sns.on(PublishCommand).callsFake(() => (order.push("publish"), { MessageId: "n-1" }));
    sqs.on(SendMessageCommand).callsFake(() => (order.push("archive"), { MessageId: "a-1" }));
    const body = JSON.stringify(event);
    const result = await handler({ Records: [record("m-1", QUEUES.clusterEvent, body, { ErrorCode: "200", ErrorMessage: "EksUnavailable: boom", RequestID: "r-1" })] }, context);
    expect(result).toEqual({ batchItemFailures: [] });
    expect(order).toEqual(["publish", "archive"]);
    const [published] = sns.commandCalls(PublishCommand).map((call) => call.args[0].input);
    expect(published!.TopicArn).toBe(HEALTH);
    expect(published!.Subject).toBe("[HIGH] EKS Warden dead letter: UpdateClusterConfig on payments-prod (eu-west-1) not processed");
    expect(published!.MessageAttributes?.["kind"]).toEqual({ DataType: "String", StringValue: "dead-letter" });
    const text = (JSON.parse(published!.Message!) as { default: string }).default;
    expect(text).toContain("Cluster:    arn:aws:eks:eu-west-1:111122223333:cluster/payments-prod");
    expect(text).toContain("Kept in:    SQS queue prod-eks-warden-Warden-ClusterEventDeadLetterArchive03C93B10-DeF, 14 days");
    const [archived] = sqs.commandCalls(SendMessageCommand).map((call) => call.args[0].input);
    expect(archived).toEqual({
      QueueUrl: QUEUES.clusterEventArchive,
      MessageBody: body,
      MessageAttributes: {
        ErrorCode: { DataType: "String", StringValue: "200" },
        ErrorMessage: { DataType: "String", StringValue: "EksUnavailable: boom" },
        RequestID: { DataType: "String", StringValue: "r-1" },
        WardenDeadLetterSource: { DataType: "String", StringValue: "cluster-event" },
        WardenDeadLetterMessageId: { DataType: "String", StringValue: "m-1" },
      },
    });
  });

  it("archives a settle letter in the settle archive", async () => {
    sns.on(PublishCommand).resolves({ MessageId: "n-1" });
    sqs.on(SendMessageCommand).resolves({ MessageId: "a-1" });
    const check = { version: 1, cluster: { arn: "arn:aws:eks:eu-west-1:111122223333:cluster/payments-prod", account: "111122223333", region: "eu-west-1", name: "payments-prod" }, eventId: "e-1", eventName: "UpdateClusterConfig", attempt: 2, queuedAt: "2026-11-30T22:15:00Z", cause: {} };
    await expect(handler({ Records: [record("m-2", QUEUES.settle, JSON.stringify(check))] }, context)).resolves.toEqual({ batchItemFailures: [] });
    expect(sqs.commandCalls(SendMessageCommand).map((call) => call.args[0].input.QueueUrl)).toEqual([QUEUES.settleArchive]);
  });

  it("leaves a letter whose alert cannot be published on its queue, archiving nothing", async () => {
    sns.on(PublishCommand).rejects(Object.assign(new Error("KMS key disabled"), { name: "KMSDisabledException" }));
    const result = await handler({ Records: [record("m-3", QUEUES.clusterEvent, JSON.stringify(event))] }, context);
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: "m-3" }] });
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
  });

  it("leaves a letter whose copy to the archive fails on its queue, for the next try", async () => {
    sns.on(PublishCommand).resolves({ MessageId: "n-1" });
    sqs.on(SendMessageCommand).rejects(Object.assign(new Error("throttled"), { name: "RequestThrottled" }));
    const result = await handler({ Records: [record("m-4", QUEUES.clusterEvent, JSON.stringify(event))] }, context);
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: "m-4" }] });
  });

  it("refuses a letter from a queue it is not configured for, rather than guessing what it holds", async () => {
    sns.on(PublishCommand).resolves({ MessageId: "n-1" });
    const result = await handler({ Records: [record("m-5", "arn:aws:sqs:eu-west-1:111122223333:someone-elses-queue", "{}")] }, context);
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: "m-5" }] });
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });
});
