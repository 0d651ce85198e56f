// The self-audit's adapters at their edges (the comparison is tested without them in tamper/self-audit.test.ts):
// every page of a topic's subscriptions, a pending subscription kept as such, the central bus named, a key's
// deletion date, a trail's selectors as the comparison reads them.
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { mockClient } from "aws-sdk-client-mock";
import { ListSubscriptionsByTopicCommand, SNSClient } from "@aws-sdk/client-sns";
import { DescribeRuleCommand, EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { DescribeKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { CloudTrailClient, DescribeTrailsCommand, GetEventSelectorsCommand } from "@aws-sdk/client-cloudtrail";
import { SnsTopicReader } from "../../src/aws/sns.ts";
import { EventBridgeRules } from "../../src/aws/events.ts";
import { KmsKeys } from "../../src/aws/kms.ts";
import { CloudTrailTrails } from "../../src/aws/cloudtrail.ts";

const TOPIC = "arn:aws:sns:eu-west-1:111122223333:health";
const mocks = { sns: mockClient(SNSClient), events: mockClient(EventBridgeClient), kms: mockClient(KMSClient), cloudtrail: mockClient(CloudTrailClient) };
afterEach(() => Object.values(mocks).forEach((mock) => mock.reset()));
afterAll(() => Object.values(mocks).forEach((mock) => mock.restore()));

describe("self-audit adapters", () => {
  it("SNS: reads every page of a topic's subscriptions, and keeps a pending one as PendingConfirmation", async () => {
    mocks.sns.on(ListSubscriptionsByTopicCommand, { TopicArn: TOPIC }).resolves({ Subscriptions: [{ SubscriptionArn: `${TOPIC}:1`, Protocol: "email", Endpoint: "a@example.com" }], NextToken: "page-2" });
    mocks.sns.on(ListSubscriptionsByTopicCommand, { TopicArn: TOPIC, NextToken: "page-2" }).resolves({ Subscriptions: [{ SubscriptionArn: "PendingConfirmation", Protocol: "email", Endpoint: "b@example.com" }] });
    expect(await new SnsTopicReader({ client: new SNSClient({}) }).subscriptions(TOPIC)).toEqual([
      { arn: `${TOPIC}:1`, protocol: "email", endpoint: "a@example.com" },
      { arn: "PendingConfirmation", protocol: "email", endpoint: "b@example.com" },
    ]);
  });

  it("EventBridge: names the central bus for the organisation's rule, the default bus otherwise; no State is never ENABLED", async () => {
    mocks.events.on(DescribeRuleCommand, { Name: "org-rule", EventBusName: "central" }).resolves({ State: "ENABLED" });
    mocks.events.on(DescribeRuleCommand, { Name: "rule" }).resolves({});
    const rules = new EventBridgeRules({ client: new EventBridgeClient({}) });
    expect(await rules.state("org-rule", "central")).toBe("ENABLED");
    expect(await rules.state("rule")).toBe("(no state)");
    expect(mocks.events.commandCalls(DescribeRuleCommand)[1]!.args[0].input).toEqual({ Name: "rule" });
  });

  it("KMS: a key pending deletion says when", async () => {
    mocks.kms.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: "k", KeyState: "PendingDeletion", DeletionDate: new Date("2026-12-15T00:00:00Z") } });
    expect(await new KmsKeys({ client: new KMSClient({}) }).describe("k")).toEqual({ state: "PendingDeletion", deletionDate: "2026-12-15T00:00:00.000Z" });
  });

  it("CloudTrail: asks for the shadow trails too, and reads basic and advanced selectors", async () => {
    mocks.cloudtrail.on(DescribeTrailsCommand).resolves({ trailList: [{ TrailARN: "arn:aws:cloudtrail:us-east-1:999999999999:trail/org" }, { Name: "no-arn" }] });
    mocks.cloudtrail.on(GetEventSelectorsCommand).resolves({
      EventSelectors: [{ ReadWriteType: "WriteOnly", IncludeManagementEvents: true, ExcludeManagementEventSources: ["kms.amazonaws.com"] }],
      AdvancedEventSelectors: [{ FieldSelectors: [{ Field: "eventCategory", Equals: ["Management"] }, { Field: "eventSource", NotEquals: ["eks.amazonaws.com"] }] }],
    });
    const trails = new CloudTrailTrails({ client: new CloudTrailClient({}) });
    expect(await trails.trails()).toEqual(["arn:aws:cloudtrail:us-east-1:999999999999:trail/org"]);
    expect(mocks.cloudtrail.commandCalls(DescribeTrailsCommand)[0]!.args[0].input).toEqual({ includeShadowTrails: true });
    expect(await trails.selectors("arn:aws:cloudtrail:us-east-1:999999999999:trail/org")).toEqual({
      basic: [{ readWriteType: "WriteOnly", includeManagementEvents: true, excludeManagementEventSources: ["kms.amazonaws.com"] }],
      advanced: [{ fieldSelectors: [{ field: "eventCategory", equals: ["Management"] }, { field: "eventSource", notEquals: ["eks.amazonaws.com"] }] }],
    });
  });
});
