// The two handlers as Lambda runs them (middy, Powertools), over the real adapters with mocked AWS clients: what
// each reports back to its trigger, and the keys its log lines carry.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { DescribeUpdateCommand, EKSClient } from "@aws-sdk/client-eks";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { UPDATE_CLUSTER_CONFIG_PRIVATE, eventBridgeEnvelope, readCloudTrailRecord } from "../../../test/fixtures/index.ts";

const ARN = "arn:aws:eks:eu-west-1:111122223333:cluster/payments-prod";
const context = (functionName: string): Context => ({
  callbackWaitsForEmptyEventLoop: false,
  functionName,
  functionVersion: "$LATEST",
  invokedFunctionArn: `arn:aws:lambda:eu-west-1:111122223333:function:${functionName}`,
  memoryLimitInMB: "512",
  awsRequestId: `request-${functionName}`,
  logGroupName: `/aws/lambda/${functionName}`,
  logStreamName: "test",
  getRemainingTimeInMillis: () => 30_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
});

const mocks = { dynamo: mockClient(DynamoDBDocumentClient), eks: mockClient(EKSClient), sqs: mockClient(SQSClient) };
let settle: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
let clusterEvent: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
const saved = { ...process.env };
let logLines: Record<string, unknown>[] = [];

beforeAll(async () => {
  Object.assign(process.env, {
    POLICY: JSON.stringify({}),
    TABLE_NAME: "state",
    ALERTS_TOPIC_ARN: "arn:aws:sns:eu-west-1:111122223333:alerts",
    SETTLE_QUEUE_URL: "https://sqs.eu-west-1.amazonaws.com/111122223333/settle",
    AWS_REGION: "eu-west-1",
    AWS_ACCESS_KEY_ID: "AKIAHANDLERTEST00001",
    AWS_SECRET_ACCESS_KEY: "secret",
    POWERTOOLS_DEV: "false",
    // These tests read the handlers' log lines; the test run is silent otherwise (vitest.config.ts).
    POWERTOOLS_LOG_LEVEL: "INFO",
  });
  settle = ((await import("../src/settle.ts")).handler as unknown as typeof settle);
  clusterEvent = ((await import("../src/cluster-event.ts")).handler as unknown as typeof clusterEvent);
});
beforeEach(() => captureLogs());
afterEach(() => {
  for (const mock of Object.values(mocks)) mock.reset();
  vi.restoreAllMocks();
  logLines = [];
});
afterAll(() => {
  for (const mock of Object.values(mocks)) mock.restore();
  process.env = saved;
});

/** Captures the handlers' JSON log lines (Powertools writes info to stdout, warn and error to stderr). */
function captureLogs(): void {
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, "write").mockImplementation((chunk: string | Uint8Array) => {
      for (const line of String(chunk).split("\n")) if (line.startsWith("{") && line.includes('"level"')) logLines.push(JSON.parse(line) as Record<string, unknown>);
      return true;
    });
  }
}
const logged = (message: string) => logLines.filter((line) => line.message === message);

const settleMessage = (eventId: string, updateId: string) => ({
  version: 1,
  cluster: { arn: ARN, account: "111122223333", region: "eu-west-1", name: "payments-prod" },
  eventId,
  eventName: "UpdateClusterConfig",
  updateId,
  attempt: 1,
  queuedAt: new Date().toISOString(),
  cause: {},
});
const record = (messageId: string, body: string): SQSRecord =>
  ({ messageId, receiptHandle: `r-${messageId}`, body, attributes: {}, messageAttributes: {}, md5OfBody: "", eventSource: "aws:sqs", eventSourceARN: "arn:aws:sqs:eu-west-1:111122223333:settle", awsRegion: "eu-west-1" }) as unknown as SQSRecord;

describe("settle handler", () => {
  it("reports only the record that failed in batchItemFailures; an unreadable message is dropped, not retried", async () => {
    mocks.dynamo.on(QueryCommand).resolves({ Items: [] });
    mocks.eks.on(DescribeUpdateCommand, { updateId: "u-running" }).resolves({ update: { status: "InProgress" } });
    mocks.eks.on(DescribeUpdateCommand, { updateId: "u-broken" }).rejects(Object.assign(new Error("boom"), { name: "ServerException" }));
    mocks.sqs.on(SendMessageCommand).resolves({});
    const response = await settle(
      {
        Records: [
          record("m-running", JSON.stringify(settleMessage("e-running", "u-running"))),
          record("m-broken", JSON.stringify(settleMessage("e-broken", "u-broken"))),
          record("m-garbage", "{not json"),
        ],
      },
      context("settle"),
    );
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: "m-broken" }] });
    expect(mocks.sqs.commandCalls(SendMessageCommand)).toHaveLength(1);
    // Each record's lines carry its own keys, read from the one parse of its body.
    expect(logged("settle check handled").map((line) => [line.messageId, line.eventId, line.clusterArn, line.outcome])).toEqual([
      ["m-running", "e-running", ARN, "requeued"],
      ["m-garbage", undefined, undefined, "rejected"],
    ]);
    expect(logged("settle check failed: left on the queue for retry").map((line) => [line.messageId, line.eventId])).toEqual([["m-broken", "e-broken"]]);
  });

  it("a batch whose every record fails is reported record by record, not thrown", async () => {
    mocks.dynamo.on(QueryCommand).rejects(Object.assign(new Error("down"), { name: "InternalServerError" }));
    const response = await settle({ Records: [record("a", JSON.stringify(settleMessage("e-a", "u"))), record("b", JSON.stringify(settleMessage("e-b", "u")))] }, context("settle"));
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: "a" }, { itemIdentifier: "b" }] });
  });
});

describe("cluster-event handler", () => {
  // The event queue hands cluster-event a batch of EventBridge events, each an SQS message's body.
  const eventRecord = (messageId: string, event: unknown) => record(messageId, typeof event === "string" ? event : JSON.stringify(event));

  it("drops a malformed record with its message id and event id in the log, not reported for retry (no retry storm)", async () => {
    const response = await clusterEvent(
      { Records: [eventRecord("m-garbage", "{not json"), eventRecord("m-malformed", { id: "envelope-1", "detail-type": "AWS API Call via CloudTrail", detail: { eventID: "" } })] },
      context("cluster-event"),
    );
    expect(response).toEqual({ batchItemFailures: [] });
    expect(logged("event rejected: dropped without retry").map((line) => [line.messageId, line.eventId])).toEqual([
      ["m-garbage", undefined],
      ["m-malformed", "envelope-1"],
    ]);
    expect(logged("event handled").map((line) => [line.messageId, line.outcome])).toEqual([
      ["m-garbage", "rejected"],
      ["m-malformed", "rejected"],
    ]);
    expect(mocks.dynamo.calls()).toHaveLength(0);
  });

  it("reports a service failure for that record alone (the queue retries it), with the event's keys on its log lines", async () => {
    mocks.dynamo.on(PutCommand).rejects(Object.assign(new Error("down"), { name: "InternalServerError" }));
    const event = eventBridgeEnvelope(readCloudTrailRecord(UPDATE_CLUSTER_CONFIG_PRIVATE));
    const response = await clusterEvent({ Records: [eventRecord("m-failing", event), eventRecord("m-garbage", "[]")] }, context("cluster-event"));
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: "m-failing" }] });
    const detail = event.detail as { eventID: string };
    expect(mocks.dynamo.commandCalls(PutCommand)[0]!.args[0].input.Item?.pk).toBe(`EVENT#${detail.eventID}`);
    expect(logged("event failed: left on the queue for retry").map((line) => [line.messageId, line.eventId])).toEqual([["m-failing", detail.eventID]]);
  });

  it("rejects an event whose eventTime is more than 5 minutes ahead, counted, and stores nothing", async () => {
    const event = eventBridgeEnvelope({ ...readCloudTrailRecord(UPDATE_CLUSTER_CONFIG_PRIVATE), eventTime: "2099-01-01T00:00:00Z" });
    const response = await clusterEvent({ Records: [eventRecord("m-future", event)] }, context("cluster-event"));
    expect(response).toEqual({ batchItemFailures: [] });
    expect(logged("event from the future rejected: dropped without retry")[0]).toMatchObject({ messageId: "m-future", eventTime: "2099-01-01T00:00:00.000Z" });
    expect(logged("event handled")[0]).toMatchObject({ messageId: "m-future", outcome: "future" });
    expect(mocks.dynamo.calls()).toHaveLength(0);
  });
});
