// The tamper handler end to end with a mocked SNS client: a tamper alert reaches the health topic even when the
// alerts topic refuses it, a heartbeat is INFO, a health failure fails the invocation (so it is retried); and the
// metric the stack's RejectedEvents alarm watches is what cluster-event emits for a malformed event.
import { readFileSync } from "node:fs";
import { GetSubscriptionAttributesCommand, GetTopicAttributesCommand, ListSubscriptionsByTopicCommand, PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { mockClient } from "aws-sdk-client-mock";
import type { Context, SQSEvent, SQSRecord } from "aws-lambda";
import { eventBridgeEnvelope, readCloudTrailRecord, UPDATE_CLUSTER_CONFIG_PRIVATE } from "../../../test/fixtures/index.ts";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

const HEALTH = "arn:aws:sns:eu-west-1:111122223333:prod-eks-warden-Warden-HealthTopic0A1B2C3D-Xy9Z8w7V6u5T";
const ALERTS = "arn:aws:sns:eu-west-1:111122223333:prod-eks-warden-Warden-AlertsTopic5E6F7A8B-Ab1Cd2Ef3Gh4";
const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`../../core/test/tamper/fixtures/${name}`, import.meta.url), "utf8"));
const context = { functionName: "tamper", awsRequestId: "req-1", invokedFunctionArn: "arn:aws:lambda:eu-west-1:111122223333:function:tamper" } as Context;

// The self-audit's clients as core's adapters load them (core's own copies: the root may hold older ones for SST).
const fromCore = createRequire(new URL("../../core/package.json", import.meta.url));
// Typed loosely on purpose: the type packages this workspace resolves are the root's (another SDK release), not core's.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const load = (name: string): Promise<Record<string, any>> => import(pathToFileURL(fromCore.resolve(name)).href);
const { DescribeRuleCommand, EventBridgeClient } = await load("@aws-sdk/client-eventbridge");
const { GetEventSourceMappingCommand, LambdaClient } = await load("@aws-sdk/client-lambda");
const { GetScheduleCommand, SchedulerClient } = await load("@aws-sdk/client-scheduler");
const { DescribeKeyCommand, KMSClient } = await load("@aws-sdk/client-kms");
const { CloudTrailClient, DescribeTrailsCommand, GetEventSelectorsCommand, GetTrailStatusCommand } = await load("@aws-sdk/client-cloudtrail");

const sns = mockClient(SNSClient);
/** aws-sdk-client-mock's stub, as these tests use it on clients whose types are not this workspace's. */
interface LooseMock {
  on(command: unknown, input?: unknown): { resolves(output: unknown): void; rejects(error: unknown): void };
  reset(): void;
  commandCalls(command: unknown): { args: [{ input: Record<string, unknown> }] }[];
}
const loose = (client: unknown): LooseMock => mockClient(client as Parameters<typeof mockClient>[0]) as unknown as LooseMock;
const events = loose(EventBridgeClient);
const lambda = loose(LambdaClient);
const scheduler = loose(SchedulerClient);
const kms = loose(KMSClient);
const cloudtrail = loose(CloudTrailClient);

// What the stack deployed, as it tells the function (stacks/warden/self-audit.ts); the heartbeat fixture's rule.
const HEARTBEAT_RULE = "arn:aws:events:eu-west-1:111122223333:rule/prod-eks-warden-Warden-heartbeat";
const HEALTH_KEY = "arn:aws:kms:eu-west-1:111122223333:key/0987dcba-09fe-87dc-65ba-ab0987654321";
const ALERTS_KEY = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const TRAIL = "arn:aws:cloudtrail:eu-west-1:111122223333:trail/management";
const SSL_ONLY = { sid: "AllowPublishThroughSSLOnly", effect: "Deny", principals: ["AWS:*"], actions: ["sns:Publish"] };
const INTENT = {
  heartbeatArn: HEARTBEAT_RULE,
  rules: { expect: [{ name: "prod-eks-warden-Warden-heartbeat" }, { name: "prod-eks-warden-Warden-tamper-trail" }] },
  eventSourceMappings: { expect: ["7f3e2d1c-0b9a-4c8d-8e7f-6a5b4c3d2e1f"] },
  schedules: { expect: ["SweepSchedule-Ab12"] },
  topics: [
    { name: "alerts", arn: ALERTS, key: { expect: ALERTS_KEY }, policy: { expect: [SSL_ONLY] }, subscriptions: [{ protocol: "email", endpoint: "secops@example.com" }] },
    { name: "health", arn: HEALTH, key: { expect: HEALTH_KEY }, policy: { expect: [SSL_ONLY] }, subscriptions: [{ protocol: "email", endpoint: "secops@example.com" }] },
  ],
  keys: { expect: [ALERTS_KEY, HEALTH_KEY] },
  trail: { expect: { region: "eu-west-1" } },
};
const SSL_POLICY = JSON.stringify({ Statement: [{ Sid: "AllowPublishThroughSSLOnly", Effect: "Deny", Principal: "*", Action: "sns:Publish", Resource: "*" }] });

/** The AWS answers of plumbing exactly as deployed. */
function plumbingAsDeployed(): void {
  events.on(DescribeRuleCommand).resolves({ State: "ENABLED" });
  lambda.on(GetEventSourceMappingCommand).resolves({ State: "Enabled" });
  scheduler.on(GetScheduleCommand).resolves({ State: "ENABLED" });
  kms.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: "k", KeyState: "Enabled" } });
  sns.on(GetTopicAttributesCommand, { TopicArn: ALERTS }).resolves({ Attributes: { KmsMasterKeyId: ALERTS_KEY, Policy: SSL_POLICY } });
  sns.on(GetTopicAttributesCommand, { TopicArn: HEALTH }).resolves({ Attributes: { KmsMasterKeyId: HEALTH_KEY, Policy: SSL_POLICY } });
  sns.on(ListSubscriptionsByTopicCommand).callsFake((input: { TopicArn: string }) => ({ Subscriptions: [{ SubscriptionArn: `${input.TopicArn}:1`, Protocol: "email", Endpoint: "secops@example.com", TopicArn: input.TopicArn }] }));
  sns.on(GetSubscriptionAttributesCommand).resolves({ Attributes: { Protocol: "email" } });
  cloudtrail.on(DescribeTrailsCommand).resolves({ trailList: [{ TrailARN: TRAIL }] });
  cloudtrail.on(GetTrailStatusCommand).resolves({ IsLogging: true });
  cloudtrail.on(GetEventSelectorsCommand).resolves({ EventSelectors: [{ ReadWriteType: "All", IncludeManagementEvents: true }] });
}
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
    SELF_AUDIT: JSON.stringify(INTENT),
    POWERTOOLS_LOG_LEVEL: "INFO",
    // These tests read the metrics the handlers emit; the test run silences them otherwise (vitest.config.ts).
    POWERTOOLS_METRICS_DISABLED: "false",
  });
  // Powertools writes info to stdout, warn and error to stderr: both are read here.
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, "write").mockImplementation((chunk: string | Uint8Array) => {
      stdout.push(String(chunk));
      return true;
    });
  }
});
afterAll(() => {
  vi.restoreAllMocks();
  process.env = saved;
});
beforeEach(() => {
  for (const mock of [sns, events, lambda, scheduler, kms, cloudtrail]) mock.reset();
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

  it("publishes the daily heartbeat, the self-audit, as INFO when all is as deployed, and counts it for the HeartbeatMissing alarm", async () => {
    plumbingAsDeployed();
    sns.on(PublishCommand).resolves({ MessageId: "m-4" });
    const { handler } = await import("../src/tamper.ts");
    await expect(handler(fixture("events-ScheduledEvent.heartbeat.json"), context)).resolves.toEqual({ kind: "heartbeat", alerts: "published" });
    const health = published().find((input) => input.TopicArn === HEALTH)!;
    expect(health.MessageAttributes).toMatchObject({ kind: { StringValue: "heartbeat" }, severity: { StringValue: "INFO" } });
    // 2 rules, 1 mapping, 1 schedule, 2 keys, per topic its key, policy, subscriptions and one filter, the trail.
    expect(health.Subject).toBe("[INFO] EKS Warden self-audit: 15 checks, all as deployed eu-west-1");
    expect(metricNames()).toContainEqual('EksWarden HeartbeatPublished [["service"]] service=tamper');
    expect(kms.commandCalls(DescribeKeyCommand).map((call) => String(call.args[0].input["KeyId"])).sort()).toEqual([ALERTS_KEY, HEALTH_KEY].sort());
  });

  it("reports HIGH each deviation: a tamper rule disabled, a filter policy on the health subscription, the trail stopped, a read refused", async () => {
    plumbingAsDeployed();
    events.on(DescribeRuleCommand, { Name: "prod-eks-warden-Warden-tamper-trail" }).resolves({ State: "DISABLED" });
    sns.on(GetSubscriptionAttributesCommand, { SubscriptionArn: `${HEALTH}:1` }).resolves({ Attributes: { FilterPolicy: '{"kind":["heartbeat"]}' } });
    cloudtrail.on(GetTrailStatusCommand).resolves({ IsLogging: false });
    lambda.on(GetEventSourceMappingCommand).rejects(Object.assign(new Error("not authorized"), { name: "AccessDeniedException" }));
    sns.on(PublishCommand).resolves({ MessageId: "m-5" });
    const { handler } = await import("../src/tamper.ts");
    await expect(handler(fixture("events-ScheduledEvent.heartbeat.json"), context)).resolves.toEqual({ kind: "heartbeat", alerts: "published" });
    const health = published().find((input) => input.TopicArn === HEALTH)!;
    expect(health.Subject).toBe("[HIGH] EKS Warden self-audit: 15 checks, 4 not as deployed eu-west-1");
    expect(health.MessageAttributes).toMatchObject({ kind: { StringValue: "heartbeat" }, severity: { StringValue: "HIGH" } });
    const text = JSON.parse(health.Message!).default as string;
    expect(text).toContain("- EventBridge rule prod-eks-warden-Warden-tamper-trail\n    expected: ENABLED\n    found:    DISABLED");
    expect(text).toContain(`- SNS topic health (${HEALTH}): subscription email secops@example.com: filter policy\n    expected: no filter policy (every notice delivered)\n    found:    filter policy {"kind":["heartbeat"]}`);
    expect(text).toContain(`found:    ${TRAIL}: stopped (not logging)`);
    expect(text).toContain("- Lambda event source mapping 7f3e2d1c-0b9a-4c8d-8e7f-6a5b4c3d2e1f\n    expected: Enabled\n    found:    could not read it: AccessDenied: access denied to lambda:GetEventSourceMapping");
    expect(metricNames()).toContainEqual('EksWarden SelfAuditDeviations [["service"]] service=tamper');
  });

  it("refuses a scheduled event that is not the stack's heartbeat rule (a forged invocation): nothing read, nothing sent, counted", async () => {
    plumbingAsDeployed();
    sns.on(PublishCommand).resolves({ MessageId: "m-6" });
    const { handler } = await import("../src/tamper.ts");
    const forged = { ...(fixture("events-ScheduledEvent.heartbeat.json") as object), resources: ["arn:aws:events:eu-west-1:111122223333:rule/not-ours"] };
    await expect(handler(forged, context)).resolves.toEqual({ kind: "rejected", alerts: "skipped" });
    await expect(handler({ ...forged, source: "aws.scheduler", resources: [] }, context)).resolves.toEqual({ kind: "rejected", alerts: "skipped" });
    expect(published()).toEqual([]);
    expect(events.commandCalls(DescribeRuleCommand)).toEqual([]);
    expect(metricNames()).toContainEqual('EksWarden HeartbeatRejected [["service"]] service=tamper');
    expect(stdout.join("")).toContain("refused: a scheduled event that is not the stack's heartbeat rule");
    expect(stdout.join("")).toContain("rule/not-ours");
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
