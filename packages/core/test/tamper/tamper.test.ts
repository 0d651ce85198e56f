// The tamper path's pure core: which CloudTrail calls the tamper rules catch (pattern.ts), and what the alert says
// about them (tamper/notice.ts reads the record, voice/tamper.ts and voice/text.ts say it), on the CloudTrail
// records in fixtures/ (README there says what each models).
import { readFileSync } from "node:fs";
import { describe, expect, it, vi } from "vitest";
import { matchesTamperPattern, TAMPER_RULE_IDS, tamperRuleIds, tamperRules, type TamperTargets } from "../../src/tamper/pattern.ts";
import { isScheduledEvent, publishNotice, readTamperCall } from "../../src/tamper/notice.ts";
import { renderSelfAudit, renderTamperAlert } from "../../src/voice/tamper.ts";
import { asciiSubject, SUBJECT_MAX as TAMPER_SUBJECT_MAX } from "../../src/voice/subject.ts";
import { safeText } from "../../src/text.ts";
import { TopicNotConfigured } from "../../src/errors.ts";
import type { SnsEnvelope, Topic } from "../../src/voice/envelope.ts";
import { RecordingPublisher } from "../pipeline/fakes.ts";

type Event = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON fixtures
const fixture = (name: string): Event => JSON.parse(readFileSync(new URL(`fixtures/${name}`, import.meta.url), "utf8")) as Event;

const ALERTS_TOPIC = "arn:aws:sns:eu-west-1:111122223333:prod-eks-warden-Warden-AlertsTopic5E6F7A8B-Ab1Cd2Ef3Gh4";
const HEALTH_TOPIC = "arn:aws:sns:eu-west-1:111122223333:prod-eks-warden-Warden-HealthTopic0A1B2C3D-Xy9Z8w7V6u5T";
const TABLE_NAME = "prod-eks-warden-Warden-StateTable9A8B7C6D-1A2B3C4D5E6F";
const TABLE_ARN = `arn:aws:dynamodb:eu-west-1:111122223333:table/${TABLE_NAME}`;
const SETTLE_MAPPING = "a1b2c3d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d";
const targets: TamperTargets = {
  ruleNames: ["prod-eks-warden-Warden-cluster-events", "prod-eks-warden-Warden-heartbeat", ...TAMPER_RULE_IDS.map((id) => `prod-eks-warden-Warden-tamper-${id}`)],
  keyArns: ["arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", "arn:aws:kms:eu-west-1:111122223333:key/9876fedc-98fe-76dc-54ba-0987654321fe"],
  keyIds: ["1234abcd-12ab-34cd-56ef-1234567890ab", "9876fedc-98fe-76dc-54ba-0987654321fe"],
  topicArns: [ALERTS_TOPIC, HEALTH_TOPIC],
  alarmNames: ["prod-eks-warden-Warden-SettleDeadLetters", "prod-eks-warden-Warden-HeartbeatMissing"],
  functionNames: ["prod-eks-warden-Warden-ClusterEvent0490C859-AbCdEf123456", "prod-eks-warden-Warden-TamperD91FBCA7-ZyXwVu987654"],
  functionArns: [
    "arn:aws:lambda:eu-west-1:111122223333:function:prod-eks-warden-Warden-ClusterEvent0490C859-AbCdEf123456",
    "arn:aws:lambda:eu-west-1:111122223333:function:prod-eks-warden-Warden-TamperD91FBCA7-ZyXwVu987654",
  ],
  queues: [
    { account: "111122223333", name: "prod-eks-warden-Warden-SettleQueue4F7A9B2C-AbCdEfGh1234" },
    { account: "111122223333", name: "prod-eks-warden-Warden-SettleDeadLetterQueue1A2B3C4D-IjKlMnOp5678" },
  ],
  table: { name: TABLE_NAME, arn: TABLE_ARN },
  scheduleNames: ["SweepSchedule-AbCdEf123456", "DigestSchedule-ZyXwVu987654"],
  eventSourceMappingIds: [SETTLE_MAPPING, "b2c3d4e5-6f70-4a81-92b3-c4d5e6f7a8b9"],
  centralEventBusName: "prod-eks-warden-Warden-central",
};
const rules = tamperRules(targets);
const caughtBy = (event: unknown): string[] => rules.filter((rule) => matchesTamperPattern(rule.pattern, event)).map((rule) => rule.id);

/** A fixture with its CloudTrail record changed. */
function variant(name: string, detail: Event, envelope: Event = {}): Event {
  const original = fixture(name);
  return { ...original, ...envelope, detail: { ...original["detail"], ...detail } };
}

describe("tamper rules", () => {
  it("are one rule per request shape, in the order of TAMPER_RULE_IDS", () => {
    expect(rules.map((rule) => rule.id)).toEqual([...TAMPER_RULE_IDS]);
  });

  it("watch the central event bus only in a deployment that has one", () => {
    const { centralEventBusName: _bus, ...singleAccount } = targets;
    expect(tamperRules(singleAccount).map((rule) => rule.id)).toEqual([...tamperRuleIds({ centralEventBus: false })]);
    expect(tamperRuleIds({ centralEventBus: false })).not.toContain("bus-policy");
    expect(tamperRuleIds({ centralEventBus: false })).not.toContain("bus");
    expect(tamperRuleIds({ centralEventBus: true })).toEqual([...TAMPER_RULE_IDS]);
    const removePermission = variant("events-DisableRule.console.json", { eventName: "RemovePermission", requestParameters: { eventBusName: "prod-eks-warden-Warden-central", statementId: "x" } });
    expect(tamperRules(singleAccount).filter((rule) => matchesTamperPattern(rule.pattern, removePermission))).toEqual([]);
    expect(() => tamperRules({ ...targets, centralEventBusName: "" })).toThrow(/empty central event bus name/);
  });

  it("catch the central bus re-policied (the organisation's statement removed, the bus opened) or deleted, by its name", () => {
    const events = (eventName: string, requestParameters: Event) => variant("events-DisableRule.console.json", { eventName, requestParameters });
    const bus = "prod-eks-warden-Warden-central";
    expect(caughtBy(events("RemovePermission", { statementId: "OrganizationAccountsForwardEksEvents", eventBusName: bus }))).toEqual(["bus-policy"]);
    expect(caughtBy(events("RemovePermission", { removeAllPermissions: true, eventBusName: bus }))).toEqual(["bus-policy"]);
    expect(caughtBy(events("PutPermission", { eventBusName: bus, action: "events:PutEvents", principal: "*", statementId: "open" }))).toEqual(["bus-policy"]);
    expect(caughtBy(events("PutPermission", { eventBusName: bus, policy: '{"Version":"2012-10-17","Statement":[]}' }))).toEqual(["bus-policy"]);
    expect(caughtBy(events("DeleteEventBus", { name: bus }))).toEqual(["bus"]);
    expect(caughtBy(events("UpdateEventBus", { name: bus, kmsKeyIdentifier: "arn:aws:kms:eu-west-1:444455556666:key/00000000-0000-0000-0000-000000000000" }))).toEqual(["bus"]);
    expect(readTamperCall(events("RemovePermission", { statementId: "OrganizationAccountsForwardEksEvents", eventBusName: bus }))).toMatchObject({ call: "events:RemovePermission", resource: bus });
    expect(readTamperCall(events("DeleteEventBus", { name: bus }))).toMatchObject({ call: "events:DeleteEventBus", resource: bus });
  });

  it("ignore other buses (another name, one that extends ours, the default bus named by omission) and calls that change nothing", () => {
    const events = (eventName: string, requestParameters: Event) => variant("events-DisableRule.console.json", { eventName, requestParameters });
    const bus = "prod-eks-warden-Warden-central";
    expect(caughtBy(events("RemovePermission", { statementId: "x", eventBusName: "someone-elses-bus" }))).toEqual([]);
    expect(caughtBy(events("PutPermission", { eventBusName: `${bus}-copy`, action: "events:PutEvents", principal: "*", statementId: "open" }))).toEqual([]);
    expect(caughtBy(events("PutPermission", { action: "events:PutEvents", principal: "444455556666", statementId: "default-bus" }))).toEqual([]);
    expect(caughtBy(events("DeleteEventBus", { name: "someone-elses-bus" }))).toEqual([]);
    expect(caughtBy(events("DescribeEventBus", { name: bus }))).toEqual([]);
    // A rule's DeleteRule is the rule pattern's, even on the central bus; the bus's name is not a rule name.
    expect(caughtBy(events("DeleteRule", { name: bus }))).toEqual([]);
  });

  it("catch each fixture's call by exactly one rule", () => {
    expect(caughtBy(fixture("kms-ScheduleKeyDeletion.assumed-role.json"))).toEqual(["key"]);
    expect(caughtBy(fixture("cloudtrail-StopLogging.iam-user.json"))).toEqual(["trail"]);
    expect(caughtBy(fixture("events-DisableRule.console.json"))).toEqual(["rule"]);
    expect(caughtBy(fixture("sns-Unsubscribe.json"))).toEqual(["unsubscribe"]);
    expect(caughtBy(fixture("events-RemoveTargets.hostile-text.json"))).toEqual(["targets"]);
    // A refused attempt is still an attempt to blind the monitor.
    expect(caughtBy(fixture("sns-SetTopicAttributes.denied.json"))).toEqual(["topic"]);
  });

  it("catch a key named by its id as well as by its ARN, and every watched KMS call", () => {
    for (const eventName of ["DisableKey", "ScheduleKeyDeletion", "PutKeyPolicy"]) {
      expect(caughtBy(variant("kms-ScheduleKeyDeletion.assumed-role.json", { eventName, requestParameters: { keyId: "9876fedc-98fe-76dc-54ba-0987654321fe" } }))).toEqual(["key"]);
    }
  });

  it("catch any trail, and every call that stops, deletes or narrows one", () => {
    for (const eventName of ["StopLogging", "DeleteTrail", "UpdateTrail"]) {
      expect(caughtBy(variant("cloudtrail-StopLogging.iam-user.json", { eventName, requestParameters: { name: "someone-elses-trail" } }))).toEqual(["trail"]);
    }
    expect(caughtBy(variant("cloudtrail-StopLogging.iam-user.json", { eventName: "PutEventSelectors", requestParameters: { trailName: "org", eventSelectors: [] } }))).toEqual(["trail"]);
  });

  it("catch rule changes by name (DisableRule, DeleteRule, PutRule) and target changes by rule (RemoveTargets, PutTargets)", () => {
    for (const eventName of ["DisableRule", "DeleteRule", "PutRule"]) {
      expect(caughtBy(variant("events-DisableRule.console.json", { eventName, requestParameters: { name: "prod-eks-warden-Warden-heartbeat" } }))).toEqual(["rule"]);
    }
    expect(caughtBy(variant("events-RemoveTargets.hostile-text.json", { eventName: "PutTargets", requestParameters: { rule: "prod-eks-warden-Warden-cluster-events", targets: [] } }))).toEqual(["targets"]);
  });

  it("catch topic deletion and alarm deletion or muting, with an alarm among several names", () => {
    expect(caughtBy(variant("sns-SetTopicAttributes.denied.json", { eventName: "DeleteTopic", errorCode: undefined, requestParameters: { topicArn: HEALTH_TOPIC } }))).toEqual(["topic"]);
    const alarms = (eventName: string, requestParameters: Event) => variant("events-DisableRule.console.json", { eventSource: "monitoring.amazonaws.com", eventName, requestParameters }, { source: "aws.cloudwatch" });
    expect(caughtBy(alarms("DeleteAlarms", { alarmNames: ["unrelated", "prod-eks-warden-Warden-HeartbeatMissing"] }))).toEqual(["alarms"]);
    expect(caughtBy(alarms("DisableAlarmActions", { alarmNames: ["prod-eks-warden-Warden-SettleDeadLetters"] }))).toEqual(["alarms"]);
    expect(caughtBy(alarms("PutMetricAlarm", { alarmName: "prod-eks-warden-Warden-SettleDeadLetters" }))).toEqual(["alarm"]);
    expect(caughtBy(alarms("DeleteAlarms", { alarmNames: ["unrelated"] }))).toEqual([]);
  });

  it("catch a function throttled, replaced, reconfigured, deleted or cut off, by name, ARN or qualified ARN", () => {
    expect(caughtBy(fixture("lambda-PutFunctionConcurrency.zero.json"))).toEqual(["function"]);
    const lambda = (eventName: string, functionName: string) => variant("lambda-PutFunctionConcurrency.zero.json", { eventName, requestParameters: { functionName } });
    const arn = targets.functionArns[1]!;
    for (const eventName of ["UpdateFunctionCode20150331v2", "UpdateFunctionConfiguration20150331v2", "DeleteFunction20150331", "DeleteFunctionConcurrency20171031", "RemovePermission20150331v2", "PutFunctionEventInvokeConfig20190925"]) {
      expect(caughtBy(lambda(eventName, arn)), eventName).toEqual(["function"]);
    }
    expect(caughtBy(lambda("UpdateFunctionCode20150331v2", `${arn}:$LATEST`))).toEqual(["function"]);
    expect(caughtBy(lambda("UpdateFunctionCode20150331v2", "someone-elses-function"))).toEqual([]);
    expect(caughtBy(lambda("GetFunction20150331v2", arn))).toEqual([]);
    expect(readTamperCall(fixture("lambda-PutFunctionConcurrency.zero.json"))).toMatchObject({
      call: "lambda:PutFunctionConcurrency20171031",
      resource: "prod-eks-warden-Warden-ClusterEvent0490C859-AbCdEf123456",
    });
  });

  it("ignore the same calls on other resources, other calls, and look-alikes from other sources", () => {
    expect(caughtBy(variant("events-DisableRule.console.json", { requestParameters: { name: "prod-eks-warden-Warden-cluster-events-copy" } }))).toEqual([]);
    expect(caughtBy(variant("kms-ScheduleKeyDeletion.assumed-role.json", { requestParameters: { keyId: "arn:aws:kms:eu-west-1:111122223333:key/00000000-0000-0000-0000-000000000000" } }))).toEqual([]);
    expect(caughtBy(variant("kms-ScheduleKeyDeletion.assumed-role.json", { eventName: "Decrypt" }))).toEqual([]);
    expect(caughtBy(variant("sns-SetTopicAttributes.denied.json", { requestParameters: { topicArn: `${ALERTS_TOPIC}-other` } }))).toEqual([]);
    // Forged with PutEvents: a custom source cannot be "aws.*", so it never matches.
    expect(caughtBy(fixture("cloudtrail-StopLogging.iam-user.json") && { ...fixture("cloudtrail-StopLogging.iam-user.json"), source: "my.app" })).toEqual([]);
  });

  it("match an unsubscription by the topic ARN and ':' only, not a topic whose name extends ours", () => {
    const unsubscribe = (subscriptionArn: string) => variant("sns-Unsubscribe.json", { requestParameters: { subscriptionArn } });
    expect(caughtBy(unsubscribe(`${ALERTS_TOPIC}:0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e`))).toEqual(["unsubscribe"]);
    expect(caughtBy(unsubscribe(`${HEALTH_TOPIC}2:0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e`))).toEqual([]);
  });

  it("catch the settle queue or a dead-letter queue purged, deleted or re-configured, whatever host its URL names", () => {
    expect(caughtBy(fixture("sqs-PurgeQueue.settle-queue.json"))).toEqual(["queue"]);
    const sqs = (eventName: string, queueUrl: string, more: Event = {}) => variant("sqs-PurgeQueue.settle-queue.json", { eventName, requestParameters: { queueUrl, ...more } });
    const deadLetters = "prod-eks-warden-Warden-SettleDeadLetterQueue1A2B3C4D-IjKlMnOp5678";
    expect(caughtBy(sqs("DeleteQueue", `https://sqs.eu-west-1.amazonaws.com/111122223333/${deadLetters}`))).toEqual(["queue"]);
    // Retention cut to a minute and the redrive policy removed: the pending checks expire or never reach a dead letter.
    expect(caughtBy(sqs("SetQueueAttributes", `https://sqs.eu-west-1.amazonaws.com/111122223333/${deadLetters}`, { attributes: { MessageRetentionPeriod: "60", RedrivePolicy: "" } }))).toEqual(["queue"]);
    // The legacy endpoint names the same queue.
    expect(caughtBy(sqs("PurgeQueue", `https://eu-west-1.queue.amazonaws.com/111122223333/${deadLetters}`))).toEqual(["queue"]);
    expect(readTamperCall(fixture("sqs-PurgeQueue.settle-queue.json"))).toMatchObject({
      call: "sqs:PurgeQueue",
      resource: "https://sqs.eu-west-1.amazonaws.com/111122223333/prod-eks-warden-Warden-SettleQueue4F7A9B2C-AbCdEfGh1234",
    });
  });

  it("ignore other queues (another account's of the same name, a name that extends ours) and calls that change nothing", () => {
    const sqs = (eventName: string, queueUrl: string) => variant("sqs-PurgeQueue.settle-queue.json", { eventName, requestParameters: { queueUrl } });
    const settle = "prod-eks-warden-Warden-SettleQueue4F7A9B2C-AbCdEfGh1234";
    expect(caughtBy(sqs("PurgeQueue", `https://sqs.eu-west-1.amazonaws.com/444455556666/${settle}`))).toEqual([]);
    expect(caughtBy(sqs("PurgeQueue", `https://sqs.eu-west-1.amazonaws.com/111122223333/x${settle}`))).toEqual([]);
    expect(caughtBy(sqs("PurgeQueue", `https://sqs.eu-west-1.amazonaws.com/111122223333/${settle}-copy`))).toEqual([]);
    expect(caughtBy(sqs("GetQueueAttributes", `https://sqs.eu-west-1.amazonaws.com/111122223333/${settle}`))).toEqual([]);
    expect(caughtBy(sqs("CreateQueue", `https://sqs.eu-west-1.amazonaws.com/111122223333/${settle}`))).toEqual([]);
  });

  /** A call of `service` recorded by CloudTrail, on the shape of a fixture (identity, source IP, user agent). */
  const call = (service: string, eventName: string, requestParameters: Event, more: Event = {}) =>
    variant("events-DisableRule.console.json", { eventSource: `${service}.amazonaws.com`, eventName, requestParameters, ...more }, { source: `aws.${service}` });

  it("catch the state table re-configured, its TTL changed, deleted, re-policied or restored, by its name or its ARN", () => {
    for (const eventName of ["UpdateTable", "UpdateTimeToLive", "DeleteTable"]) {
      expect(caughtBy(call("dynamodb", eventName, { tableName: TABLE_NAME })), eventName).toEqual(["table"]);
      expect(caughtBy(call("dynamodb", eventName, { tableName: TABLE_ARN })), `${eventName} by ARN`).toEqual(["table"]);
    }
    expect(caughtBy(call("dynamodb", "UpdateTimeToLive", { tableName: TABLE_NAME, timeToLiveSpecification: { enabled: false, attributeName: "expiresAt" } }))).toEqual(["table"]);
    for (const eventName of ["PutResourcePolicy", "DeleteResourcePolicy"]) {
      expect(caughtBy(call("dynamodb", eventName, { resourceArn: TABLE_ARN, policy: "{}" })), eventName).toEqual(["table"]);
    }
    expect(caughtBy(call("dynamodb", "RestoreTableToPointInTime", { sourceTableName: TABLE_NAME, targetTableName: "copy", useLatestRestorableTime: true }))).toEqual(["table"]);
    expect(caughtBy(call("dynamodb", "RestoreTableToPointInTime", { sourceTableArn: TABLE_ARN, targetTableName: "copy" }))).toEqual(["table"]);
    expect(readTamperCall(call("dynamodb", "PutResourcePolicy", { resourceArn: TABLE_ARN, policy: "{}" }))).toMatchObject({ call: "dynamodb:PutResourcePolicy", resource: TABLE_ARN });
    expect(readTamperCall(call("dynamodb", "UpdateTimeToLive", { tableName: TABLE_NAME }))).toMatchObject({ call: "dynamodb:UpdateTimeToLive", resource: TABLE_NAME });
    // Another table, a table whose name extends ours, and reads or writes of items (data events, not re-configuration).
    expect(caughtBy(call("dynamodb", "DeleteTable", { tableName: "someone-elses-table" }))).toEqual([]);
    expect(caughtBy(call("dynamodb", "UpdateTable", { tableName: `${TABLE_NAME}-copy` }))).toEqual([]);
    expect(caughtBy(call("dynamodb", "DescribeTable", { tableName: TABLE_NAME }))).toEqual([]);
    expect(caughtBy(call("dynamodb", "PutItem", { tableName: TABLE_NAME }))).toEqual([]);
  });

  it("catch a topic subscribed to, re-permissioned or given a data protection policy, and a subscription filtered", () => {
    for (const eventName of ["Subscribe", "AddPermission", "RemovePermission", "SetTopicAttributes", "DeleteTopic"]) {
      expect(caughtBy(call("sns", eventName, { topicArn: HEALTH_TOPIC })), eventName).toEqual(["topic"]);
      expect(caughtBy(call("sns", eventName, { topicArn: "arn:aws:sns:eu-west-1:111122223333:someone-elses-topic" })), `${eventName} elsewhere`).toEqual([]);
    }
    expect(caughtBy(call("sns", "PutDataProtectionPolicy", { resourceArn: ALERTS_TOPIC, dataProtectionPolicy: "{}" }))).toEqual(["topic"]);
    // The filter policy that lets only the heartbeat through.
    const filtered = call("sns", "SetSubscriptionAttributes", { subscriptionArn: `${HEALTH_TOPIC}:7f3e2d1c-0b9a-4c8d-8e7f-6a5b4c3d2e1f`, attributeName: "FilterPolicy", attributeValue: '{"kind":["heartbeat"]}' });
    expect(caughtBy(filtered)).toEqual(["unsubscribe"]);
    expect(caughtBy(call("sns", "SetSubscriptionAttributes", { subscriptionArn: "arn:aws:sns:eu-west-1:111122223333:other:7f3e2d1c", attributeName: "FilterPolicy" }))).toEqual([]);
    // Lambda's RemovePermission is the function rule's, SNS's the topic's.
    expect(caughtBy(call("lambda", "RemovePermission20150331v2", { functionName: targets.functionArns[0]!, statementId: "x" }))).toEqual(["function"]);
  });

  it("catch grants created, retired or revoked on the stack's keys, a grant retired by token alone by the record's resources", () => {
    const [alertsKeyArn, healthKeyArn] = targets.keyArns;
    expect(caughtBy(call("kms", "CreateGrant", { keyId: healthKeyArn, granteePrincipal: "arn:aws:iam::111122223333:role/x", operations: ["Decrypt"] }))).toEqual(["grant"]);
    expect(caughtBy(call("kms", "RevokeGrant", { keyId: targets.keyIds[0]!, grantId: "abc" }))).toEqual(["grant"]);
    expect(caughtBy(call("kms", "RetireGrant", { grantToken: "AQpAM2R..." }, { resources: [{ accountId: "111122223333", type: "AWS::KMS::Key", ARN: alertsKeyArn }] }))).toEqual(["grant"]);
    expect(caughtBy(call("kms", "CreateGrant", { keyId: "arn:aws:kms:eu-west-1:111122223333:key/00000000-0000-0000-0000-000000000000" }, { resources: [{ ARN: "arn:aws:kms:eu-west-1:111122223333:key/00000000-0000-0000-0000-000000000000" }] }))).toEqual([]);
    expect(caughtBy(call("kms", "ListGrants", { keyId: healthKeyArn }))).toEqual([]);
  });

  it("catch the sweep or digest schedule changed or deleted, and a function's queue mapping disabled or deleted", () => {
    for (const eventName of ["UpdateSchedule", "DeleteSchedule"]) {
      expect(caughtBy(call("scheduler", eventName, { name: "DigestSchedule-ZyXwVu987654", groupName: "default", state: "DISABLED" })), eventName).toEqual(["schedule"]);
      expect(caughtBy(call("scheduler", eventName, { name: "someone-elses-schedule" })), `${eventName} elsewhere`).toEqual([]);
    }
    for (const eventName of ["UpdateEventSourceMapping20150331", "DeleteEventSourceMapping20150331"]) {
      expect(caughtBy(call("lambda", eventName, { uUID: SETTLE_MAPPING, enabled: false })), eventName).toEqual(["mapping"]);
      expect(caughtBy(call("lambda", eventName, { uUID: "00000000-0000-4000-8000-000000000000" })), `${eventName} elsewhere`).toEqual([]);
    }
    expect(readTamperCall(call("lambda", "DeleteEventSourceMapping20150331", { uUID: SETTLE_MAPPING }))).toMatchObject({ resource: SETTLE_MAPPING });
    // PutFunctionConcurrency and UpdateFunctionConfiguration on a function of the stack were watched before: still are.
    expect(caughtBy(call("lambda", "UpdateFunctionConfiguration20150331v2", { functionName: targets.functionNames[1]!, environment: {} }))).toEqual(["function"]);
  });

  it("refuse to build a pattern without the resources to watch (EventBridge rejects empty lists)", () => {
    expect(() => tamperRules({ ...targets, scheduleNames: [] })).toThrow(/no schedule names given/);
    expect(() => tamperRules({ ...targets, eventSourceMappingIds: [] })).toThrow(/no event source mapping ids given/);
    expect(() => tamperRules({ ...targets, keyIds: [] })).toThrow(/no key ids given/);
    expect(() => tamperRules({ ...targets, queues: [] })).toThrow(/no queues given/);
  });

  it("treat what is not an object as no match", () => {
    expect(matchesTamperPattern(rules[0]!.pattern, null)).toBe(false);
    expect(matchesTamperPattern(rules[0]!.pattern, { source: "aws.cloudtrail" })).toBe(false);
  });
});

describe("tamper alert", () => {
  it("names the call, the resource, who, from where, with what and when", () => {
    const call = readTamperCall(fixture("kms-ScheduleKeyDeletion.assumed-role.json"));
    expect(call).toEqual({
      call: "kms:ScheduleKeyDeletion",
      resource: "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
      actor: "arn:aws:sts::111122223333:assumed-role/platform-eks-admin/mallory-session",
      sourceIp: "198.51.100.77",
      userAgent: expect.stringMatching(/^aws-cli\/2\.27\.0 .*command\/kms\.schedule-key-deletion$/),
      eventTime: "2026-11-30T22:14:07Z",
      eventId: "0e9d8c7b-6a5f-4e3d-2c1b-0a9f8e7d6c5b",
      account: "111122223333",
      region: "eu-west-1",
    });
    const alert = renderTamperAlert(call);
    expect(alert.subject).toBe("[CRITICAL] EKS Warden tamper: kms:ScheduleKeyDeletion on key/1234abcd-12ab-34cd-56ef-1234567890ab");
    expect(alert.subject.length).toBeLessThanOrEqual(TAMPER_SUBJECT_MAX);
    expect(alert.attributes).toEqual({ kind: "tamper", severity: "CRITICAL", account: "111122223333", region: "eu-west-1" });
    for (const part of ["kms:ScheduleKeyDeletion on arn:aws:kms:", "Who:        arn:aws:sts::111122223333:assumed-role/platform-eks-admin/mallory-session", "Source IP:  198.51.100.77", "User agent: aws-cli/2.27.0", "When:       2026-11-30T22:14:07Z", "Event id:   0e9d8c7b"]) {
      expect(alert.text).toContain(part);
    }
    // Never the access key id CloudTrail records: half of a credential.
    expect(alert.message).not.toContain("ASIAEXAMPLEKEY000001");
    const bodies = JSON.parse(alert.message) as Record<string, string>;
    expect(bodies["email"]).toBe(alert.text);
    expect(JSON.parse(bodies["sqs"]!)).toMatchObject({ kind: "tamper", version: 1, severity: "CRITICAL", call: { call: "kms:ScheduleKeyDeletion" } });
  });

  it("says what the call can do to the monitor, for the calls that mute a channel without touching a function", () => {
    const filter = readTamperCall(
      variant("sns-Unsubscribe.json", { eventName: "SetSubscriptionAttributes", requestParameters: { subscriptionArn: `${HEALTH_TOPIC}:7f3e2d1c`, attributeName: "FilterPolicy", attributeValue: '{"kind":["heartbeat"]}' } }),
    );
    expect(renderTamperAlert(filter).text).toContain("A filter policy on a subscription drops every notice it does not match");
    const mapping = readTamperCall(variant("lambda-PutFunctionConcurrency.zero.json", { eventName: "DeleteEventSourceMapping20150331", requestParameters: { uUID: SETTLE_MAPPING } }));
    expect(renderTamperAlert(mapping).subject).toMatch(/^\[CRITICAL\] EKS Warden tamper: lambda:DeleteEventSourceMapping20150331 on a1b2c3d4-/);
    expect(renderTamperAlert(mapping).text).toContain(`lambda:DeleteEventSourceMapping20150331 on ${SETTLE_MAPPING}.`);
    expect(renderTamperAlert(mapping).text).toContain("its messages wait unread");
  });

  it("says when AWS refused the call: an attempt, with what AWS said", () => {
    const alert = renderTamperAlert(readTamperCall(fixture("sns-SetTopicAttributes.denied.json")));
    expect(alert.subject).toMatch(/^\[CRITICAL\] EKS Warden tamper: sns:SetTopicAttributes \(refused\) on prod-eks-warden-Warden-Alerts/);
    expect(alert.subject.length).toBeLessThanOrEqual(TAMPER_SUBJECT_MAX);
    expect(alert.text).toContain("was attempted (refused: AuthorizationError): sns:SetTopicAttributes");
    expect(alert.text).toContain("AWS said:   User: arn:aws:iam::111122223333:user/eks-operator is not authorized");
  });

  it("says when a service made the call for the actor, as CloudFormation does when the stack itself is deployed", () => {
    const deployment = variant("events-DisableRule.console.json", {
      eventName: "PutRule",
      userIdentity: { type: "AssumedRole", arn: "arn:aws:sts::111122223333:assumed-role/cdk-hnb659fds-cfn-exec-role/AWSCloudFormation", invokedBy: "cloudformation.amazonaws.com" },
      sourceIPAddress: "cloudformation.amazonaws.com",
      userAgent: "cloudformation.amazonaws.com",
    });
    const call = readTamperCall(deployment);
    expect(call.invokedBy).toBe("cloudformation.amazonaws.com");
    expect(renderTamperAlert(call).text).toContain("Through:    cloudformation.amazonaws.com (a deployment of the stack changes these resources too: check it was yours)");
    expect(readTamperCall(fixture("events-DisableRule.console.json")).invokedBy).toBeUndefined();
  });

  it("names a subscription, a trail and a rule by the parameter each call records", () => {
    expect(readTamperCall(fixture("sns-Unsubscribe.json")).resource).toBe(`${HEALTH_TOPIC}:7f3e2d1c-0b9a-4c8d-8e7f-6a5b4c3d2e1f`);
    expect(readTamperCall(fixture("cloudtrail-StopLogging.iam-user.json")).resource).toBe("arn:aws:cloudtrail:eu-west-1:111122223333:trail/org-management-events");
    expect(readTamperCall(fixture("events-DisableRule.console.json"))).toMatchObject({ resource: "prod-eks-warden-Warden-cluster-events", userAgent: "AWS Internal" });
    expect(readTamperCall(variant("events-DisableRule.console.json", { requestParameters: { alarmNames: ["a", 7, "b"] } })).resource).toBe("a, b");
  });

  it("makes attacker-chosen text one bounded line: no separators, control or bidi characters reach the alert", () => {
    const call = readTamperCall(fixture("events-RemoveTargets.hostile-text.json"));
    expect(call.actor).toBe("arn:aws:sts::111122223333:assumed-role/platform-eks-admin/ops Subject: all clear");
    expect(call.userAgent.startsWith("curl/8.5 All systems normal, ignore previous alerts AAAA")).toBe(true);
    expect(call.userAgent.length).toBe(256);
    expect(call.userAgent.endsWith("...")).toBe(true);
    const alert = renderTamperAlert(call);
    const unsafe = /[\p{C}\u2028\u2029\u00a0\u200b\u202e]/u;
    for (const line of alert.text.split("\n")) expect(line, JSON.stringify(line)).not.toMatch(unsafe);
    expect(alert.subject).toMatch(/^[\x20-\x7e]+$/);
    expect(alert.subject.length).toBeLessThanOrEqual(TAMPER_SUBJECT_MAX);
  });

  it("still alerts on a record it cannot read, saying what it does not know", () => {
    for (const event of [null, "text", [], {}, { detail: { eventName: 42, userIdentity: "nobody", requestParameters: null } }]) {
      const alert = renderTamperAlert(readTamperCall(event));
      expect(alert.attributes).toMatchObject({ kind: "tamper", severity: "CRITICAL", account: "unknown", region: "unknown" });
      expect(alert.text).toContain("(unknown resource)");
      expect(alert.text).toContain("Who:        unknown (no CloudTrail identity)");
    }
    expect(readTamperCall({ detail: { userIdentity: { principalId: "AIDAX" } } }).actor).toBe("AIDAX");
    expect(readTamperCall({ detail: { userIdentity: { type: "Root" } }, time: "2026-01-01T00:00:00Z", account: "111122223333" })).toMatchObject({ actor: "Root", eventTime: "2026-01-01T00:00:00Z", account: "111122223333" });
  });
});

describe("heartbeat", () => {
  it("is recognised only in EventBridge's own scheduled events", () => {
    expect(isScheduledEvent(fixture("events-ScheduledEvent.heartbeat.json"))).toBe(true);
    expect(isScheduledEvent({ ...fixture("events-ScheduledEvent.heartbeat.json"), source: "my.app" })).toBe(false);
    expect(isScheduledEvent({ ...fixture("events-ScheduledEvent.heartbeat.json"), source: "aws.scheduler" })).toBe(true);
    expect(isScheduledEvent(fixture("events-DisableRule.console.json"))).toBe(false);
    expect(isScheduledEvent(undefined)).toBe(false);
  });

  it("is the self-audit's INFO result when all is as deployed, saying what its absence means", () => {
    const notice = renderSelfAudit({ checks: 42, deviations: [], notChecked: [] }, { account: "111122223333", region: "eu-west-1" }, new Date("2026-12-01T06:00:03Z"));
    expect(notice.subject).toBe("[INFO] EKS Warden self-audit: 42 checks, all as deployed eu-west-1");
    expect(notice.attributes).toEqual({ kind: "heartbeat", severity: "INFO", account: "111122223333", region: "eu-west-1" });
    expect(notice.text).toContain("A day without this message means the health path is broken");
    expect(JSON.parse(JSON.parse(notice.message).sqs)).toEqual({ kind: "heartbeat", version: 1, severity: "INFO", at: "2026-12-01T06:00:03.000Z", checks: 42, deviations: [], notChecked: [] });
    expect(renderSelfAudit({ checks: 0, deviations: [], notChecked: [] }, {}, new Date(0)).attributes).toMatchObject({ account: "unknown", region: "unknown" });
  });
});

describe("publishing", () => {
  const notice = renderTamperAlert(readTamperCall(fixture("events-DisableRule.console.json")));

  /** One publisher with both topics; `refuse` names the topics whose publish fails, with the error. */
  function twoTopics(refuse: Partial<Record<Topic, Error>> = {}) {
    const publisher = new RecordingPublisher(["alerts", "health"]);
    const publish = vi.fn(async (topic: Topic, message: SnsEnvelope) => {
      const refused = refuse[topic];
      if (refused) throw refused;
      await publisher.publish(topic, message);
    });
    return { publisher: { publish }, published: publisher.published };
  }

  it("sends to the health topic and the alerts topic through the one publisher", async () => {
    const { publisher, published } = twoTopics();
    await expect(publishNotice(notice, publisher, { alerts: true })).resolves.toEqual({ alerts: "published" });
    expect(publisher.publish).toHaveBeenCalledTimes(2);
    expect(published).toEqual([
      { topic: "health", message: notice },
      { topic: "alerts", message: notice },
    ]);
  });

  it("does not let the alerts topic's failure stop the health topic", async () => {
    const refused = new Error("KMSDisabledException");
    const { publisher, published } = twoTopics({ alerts: refused });
    const result = await publishNotice(notice, publisher, { alerts: true });
    expect(result).toEqual({ alerts: "failed", alertsError: refused });
    expect(published).toEqual([{ topic: "health", message: notice }]);
  });

  it("fails when the health topic refuses, so the event is retried; without an alerts topic it skips it", async () => {
    await expect(publishNotice(notice, twoTopics({ health: new Error("down") }).publisher, { alerts: true })).rejects.toThrow("down");
    // A function with the health topic alone: its publisher would refuse the alerts topic, and is never asked.
    const healthOnly = new RecordingPublisher(["health"]);
    await expect(publishNotice(notice, healthOnly, { alerts: false })).resolves.toEqual({ alerts: "skipped" });
    expect(healthOnly.published).toEqual([{ topic: "health", message: notice }]);
  });

  it("throws, even with an alerts topic, when the publisher has no health topic: never only the alerts topic", async () => {
    const alertsOnly = new RecordingPublisher(["alerts"]);
    await expect(publishNotice(notice, alertsOnly, { alerts: true })).rejects.toBeInstanceOf(TopicNotConfigured);
  });
});

describe("safe text", () => {
  it("turns runs of control, format and separator characters into one space, and refuses non-text", () => {
    expect(safeText("a\u2028\u2029b\r\nc\u0000\u200bd\u00a0e\u202ef", 100)).toBe("a b c d e f");
    expect(safeText("  \u2028 ", 10)).toBeUndefined();
    expect(safeText({ toString: () => "x" }, 10)).toBeUndefined();
    expect(safeText(42, 10)).toBe("42");
  });

  it("bounds by characters, not UTF-16 units, and marks the cut", () => {
    expect(safeText("😀".repeat(10), 5)).toBe("😀😀...");
    expect(safeText("abcdef", 6)).toBe("abcdef");
  });

  it("keeps subjects ASCII and bounded", () => {
    expect(asciiSubject("résumé 😀", 100)).toBe("r?sum? ??");
    expect(asciiSubject("x".repeat(120), 100)).toHaveLength(100);
  });
});
