// The tamper handler end to end with a mocked SNS client: a tamper alert reaches the health topic even when the
// alerts topic refuses it, a heartbeat is INFO, a health failure fails the invocation (so it is retried); and the
// metric the stack's RejectedEvents alarm watches is what cluster-event emits for a malformed event.
import { readFileSync } from "node:fs";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import type { Context, SQSEvent, SQSRecord } from "aws-lambda";
import { eventBridgeEnvelope, readCloudTrailRecord, UPDATE_CLUSTER_CONFIG_PRIVATE } from "../../../test/fixtures/index.ts";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

const HEALTH = "arn:aws:sns:eu-west-1:111122223333:prod-eks-warden-Warden-HealthTopic0A1B2C3D-Xy9Z8w7V6u5T";
const ALERTS = "arn:aws:sns:eu-west-1:111122223333:prod-eks-warden-Warden-AlertsTopic5E6F7A8B-Ab1Cd2Ef3Gh4";
const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`../../core/test/tamper/fixtures/${name}`, import.meta.url), "utf8"));
const context = { functionName: "tamper", awsRequestId: "req-1", invokedFunctionArn: "arn:aws:lambda:eu-west-1:111122223333:function:tamper" } as Context;

const sns = mockClient(SNSClient);
const saved = { ...process.env };
let stdout: string[] = [];

beforeAll(() => {
  Object.assign(process.env, {
    HEALTH_TOPIC_ARN: HEALTH,
    ALERTS_TOPIC_ARN: ALERTS,
    AWS_REGION: "eu-west-1",
    AWS_ACCESS_KEY_ID: "AKIAEXAMPLE",
    AWS_SECRET_ACCESS_KEY: "secret",
    POLICY: JSON.stringify({}),
    TABLE_NAME: "state",
    SETTLE_QUEUE_URL: "https://sqs.eu-west-1.amazonaws.com/111122223333/settle",
    // These tests read the metrics the handlers emit; the test run silences them otherwise (vitest.config.ts).
    POWERTOOLS_METRICS_DISABLED: "false",
  });
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    stdout.push(String(chunk));
    return true;
  });
});
afterAll(() => {
  vi.restoreAllMocks();
  process.env = saved;
});
beforeEach(() => {
  sns.reset();
  stdout = [];
});

const published = () => sns.commandCalls(PublishCommand).map((call) => call.args[0].input);
const metricNames = () =>
  stdout.flatMap((line) => line.split("\n")).filter((line) => line.includes("_aws")).flatMap((line) => {
    const record = JSON.parse(line) as { _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] }; service?: string };
    return record._aws.CloudWatchMetrics.flatMap((set) => set.Metrics.map((metric) => `${set.Namespace} ${metric.Name} ${JSON.stringify(set.Dimensions)} service=${record.service}`));
  });

describe("tamper handler", () => {
  it("publishes a CRITICAL tamper notice to both topics", async () => {
    sns.on(PublishCommand).resolves({ MessageId: "m-1" });
    const { handler } = await import("../src/tamper.ts");
    await expect(handler(fixture("kms-ScheduleKeyDeletion.assumed-role.json"), context)).resolves.toEqual({ kind: "tamper", alerts: "published" });
    const calls = published();
    expect(calls.map((input) => input.TopicArn).sort()).toEqual([ALERTS, HEALTH].sort());
    for (const input of calls) {
      expect(input.Subject).toBe("[CRITICAL] EKS Warden tamper: kms:ScheduleKeyDeletion on key/1234abcd-12ab-34cd-56ef-1234567890ab");
      expect(input.MessageStructure).toBe("json");
      expect(input.MessageAttributes).toMatchObject({ kind: { DataType: "String", StringValue: "tamper" }, severity: { DataType: "String", StringValue: "CRITICAL" } });
    }
    expect(metricNames()).toContainEqual('EksWarden TamperAlertPublished [["service"]] service=tamper');
  });

  it("still reaches the health topic when the alerts topic refuses (its key disabled, say), and counts the refusal", async () => {
    sns.on(PublishCommand, { TopicArn: ALERTS }).rejects(Object.assign(new Error("KMS key is disabled"), { name: "KMSDisabledException" }));
    sns.on(PublishCommand, { TopicArn: HEALTH }).resolves({ MessageId: "m-2" });
    const { handler } = await import("../src/tamper.ts");
    await expect(handler(fixture("events-DisableRule.console.json"), context)).resolves.toEqual({ kind: "tamper", alerts: "failed" });
    expect(published().map((input) => input.TopicArn)).toContain(HEALTH);
    expect(metricNames()).toContainEqual('EksWarden AlertsTopicPublishFailed [["service"]] service=tamper');
  });

  it("fails the invocation when the health topic refuses, so EventBridge and Lambda retry it", async () => {
    sns.on(PublishCommand, { TopicArn: HEALTH }).rejects(Object.assign(new Error("not authorised"), { name: "AuthorizationErrorException" }));
    sns.on(PublishCommand, { TopicArn: ALERTS }).resolves({ MessageId: "m-3" });
    const { handler } = await import("../src/tamper.ts");
    await expect(handler(fixture("sns-Unsubscribe.json"), context)).rejects.toThrow();
  });

  it("publishes the daily heartbeat as INFO and counts it for the HeartbeatMissing alarm", async () => {
    sns.on(PublishCommand).resolves({ MessageId: "m-4" });
    const { handler } = await import("../src/tamper.ts");
    await expect(handler(fixture("events-ScheduledEvent.heartbeat.json"), context)).resolves.toEqual({ kind: "heartbeat", alerts: "published" });
    expect(published()[0]!.MessageAttributes).toMatchObject({ kind: { StringValue: "heartbeat" }, severity: { StringValue: "INFO" } });
    expect(metricNames()).toContainEqual('EksWarden HeartbeatPublished [["service"]] service=tamper');
  });
});

describe("cluster-event's rejected events", () => {
  const batchOf = (event: unknown): SQSEvent => ({ Records: [{ messageId: "m-1", receiptHandle: "r-1", body: JSON.stringify(event), attributes: {}, messageAttributes: {}, md5OfBody: "", eventSource: "aws:sqs", eventSourceARN: "arn:aws:sqs:eu-west-1:111122223333:events", awsRegion: "eu-west-1" } as unknown as SQSRecord] });

  it("are counted as Event_rejected with the service dimension cluster-event, which the RejectedEvents alarm watches", async () => {
    const { handler } = await import("../src/cluster-event.ts");
    const response = await handler(batchOf({ "detail-type": "AWS API Call via CloudTrail", source: "aws.eks", detail: { eventName: 7 } }), context);
    expect(response).toEqual({ batchItemFailures: [] });
    expect(metricNames()).toContainEqual('EksWarden Event_rejected [["service"]] service=cluster-event');
  });

  it("from more than 5 minutes in the future are counted as Event_future, which the FutureEvents alarm watches", async () => {
    const { handler } = await import("../src/cluster-event.ts");
    const forged = eventBridgeEnvelope({ ...readCloudTrailRecord(UPDATE_CLUSTER_CONFIG_PRIVATE), eventTime: "2099-01-01T00:00:00Z" });
    const response = await handler(batchOf(forged), context);
    expect(response).toEqual({ batchItemFailures: [] });
    expect(metricNames()).toContainEqual('EksWarden Event_future [["service"]] service=cluster-event');
  });
});
