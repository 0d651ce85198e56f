// The self-audit (issue 22, item 5): the live plumbing compared with what the stack deployed. Each way of muting the
// monitor without a tamper alert reaching anyone (a rule disabled, a queue mapping disabled, a filter policy on the
// health subscription, a topic policy rewritten, a key pending deletion, the trail stopped) is a deviation; a read
// that fails is one too; the intact plumbing gives none.
import { describe, expect, it } from "vitest";
import {
  auditPlumbing,
  isOwnHeartbeat,
  logsManagementWrites,
  parsePlumbingIntent,
  PlumbingIntentError,
  refusedHeartbeatSummary,
  statementsOf,
  type ObservedPlumbing,
  type ObservedTopic,
  type PlumbingIntent,
  type Read,
} from "../../src/tamper/self-audit.ts";
import { collectPlumbing, type PlumbingReaders } from "../../src/tamper/self-audit-collect.ts";
import { renderSelfAudit } from "../../src/voice/tamper.ts";

const ACCOUNT = "111122223333";
const STACK = "prod-eks-warden-Warden";
const HEARTBEAT = `arn:aws:events:eu-west-1:${ACCOUNT}:rule/${STACK}-heartbeat`;
const ALERTS = `arn:aws:sns:eu-west-1:${ACCOUNT}:${STACK}-AlertsTopic5E6F7A8B-Ab1Cd2Ef3Gh4`;
const HEALTH = `arn:aws:sns:eu-west-1:${ACCOUNT}:${STACK}-HealthTopic0A1B2C3D-Xy9Z8w7V6u5T`;
const ALERTS_KEY = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const HEALTH_KEY = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/0987dcba-09fe-87dc-65ba-ab0987654321`;
const MAPPING = "7f3e2d1c-0b9a-4c8d-8e7f-6a5b4c3d2e1f";
const TRAIL = `arn:aws:cloudtrail:eu-west-1:${ACCOUNT}:trail/management`;

const SSL_ONLY = { sid: "AllowPublishThroughSSLOnly", effect: "Deny" as const, principals: ["AWS:*"], actions: ["sns:Publish"] };
const ALARMS_PUBLISH = { sid: "ThisStacksAlarmsPublish", effect: "Allow" as const, principals: ["Service:cloudwatch.amazonaws.com"], actions: ["sns:Publish"] };

const intent: PlumbingIntent = {
  heartbeatArn: HEARTBEAT,
  rules: { expect: [{ name: `${STACK}-cluster-events` }, { name: `${STACK}-heartbeat` }, { name: `${STACK}-tamper-trail` }] },
  eventSourceMappings: { expect: [MAPPING] },
  schedules: { expect: ["SweepSchedule-Ab12", "DigestSchedule-Cd34"] },
  topics: [
    { name: "alerts", arn: ALERTS, key: { expect: ALERTS_KEY }, policy: { expect: [SSL_ONLY] }, subscriptions: [{ protocol: "email", endpoint: "secops@example.com" }] },
    { name: "health", arn: HEALTH, key: { expect: HEALTH_KEY }, policy: { expect: [SSL_ONLY, ALARMS_PUBLISH] }, subscriptions: [{ protocol: "email", endpoint: "oncall@example.com" }] },
  ],
  keys: { expect: [ALERTS_KEY, HEALTH_KEY] },
  trail: { expect: { region: "eu-west-1" } },
};

/** A policy document as SNS returns it. */
function policy(...statements: Record<string, unknown>[]): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}
const SSL_STATEMENT = { Sid: "AllowPublishThroughSSLOnly", Effect: "Deny", Principal: "*", Action: "sns:Publish", Resource: "x", Condition: { Bool: { "aws:SecureTransport": "false" } } };
const ALARMS_STATEMENT = { Sid: "ThisStacksAlarmsPublish", Effect: "Allow", Principal: { Service: "cloudwatch.amazonaws.com" }, Action: "SNS:Publish", Resource: HEALTH };

const ok = <T>(value: T): Read<T> => ({ ok: true, value });

function topic(arn: string, key: string, statements: Record<string, unknown>[], endpoint: string, filter?: string): ObservedTopic {
  return {
    attributes: ok({ TopicArn: arn, KmsMasterKeyId: key, Policy: policy(...statements) }),
    subscriptions: ok([{ arn: `${arn}:7f3e2d1c`, protocol: "email", endpoint, attributes: ok({ Protocol: "email", ...(filter ? { FilterPolicy: filter } : {}) }) }]),
  };
}

function intact(): ObservedPlumbing {
  return {
    rules: new Map([`${STACK}-cluster-events`, `${STACK}-heartbeat`, `${STACK}-tamper-trail`].map((name) => [name, ok("ENABLED")])),
    eventSourceMappings: new Map([[MAPPING, ok("Enabled")]]),
    schedules: new Map([["SweepSchedule-Ab12", ok("ENABLED")], ["DigestSchedule-Cd34", ok("ENABLED")]]),
    topics: new Map([
      [ALERTS, topic(ALERTS, ALERTS_KEY, [SSL_STATEMENT], "secops@example.com")],
      [HEALTH, topic(HEALTH, HEALTH_KEY, [SSL_STATEMENT, ALARMS_STATEMENT], "oncall@example.com")],
    ]),
    keys: new Map([[ALERTS_KEY, ok({ state: "Enabled" })], [HEALTH_KEY, ok({ state: "Enabled" })]]),
    trails: ok([{ arn: TRAIL, logging: ok(true), selectors: ok({ basic: [{ readWriteType: "All", includeManagementEvents: true }], advanced: [] }) }]),
  };
}

function changed(change: Partial<ObservedPlumbing>): ObservedPlumbing {
  return { ...intact(), ...change };
}

describe("self-audit: the intact plumbing", () => {
  it("gives no deviation, and counts every check (3 rules, 1 mapping, 2 schedules, 2 keys, per topic key, policy, subscriptions and each filter, the trail)", () => {
    const result = auditPlumbing(intent, intact());
    expect(result.deviations).toEqual([]);
    expect(result.notChecked).toEqual([]);
    expect(result.checks).toBe(3 + 1 + 2 + 2 + 2 * 4 + 1);
  });
});

describe("self-audit: each muting is a deviation naming the resource, what was deployed and what is there", () => {
  it("a disabled rule", () => {
    const rules = new Map(intact().rules);
    rules.set(`${STACK}-tamper-trail`, ok("DISABLED"));
    expect(auditPlumbing(intent, changed({ rules })).deviations).toEqual([{ resource: `EventBridge rule ${STACK}-tamper-trail`, expected: "ENABLED", found: "DISABLED" }]);
  });

  it("a disabled event source mapping (the settle queue or a dead-letter queue no longer feeds its function)", () => {
    expect(auditPlumbing(intent, changed({ eventSourceMappings: new Map([[MAPPING, ok("Disabled")]]) })).deviations).toEqual([
      { resource: `Lambda event source mapping ${MAPPING}`, expected: "Enabled", found: "Disabled" },
    ]);
  });

  it("a disabled schedule", () => {
    const schedules = new Map(intact().schedules);
    schedules.set("SweepSchedule-Ab12", ok("DISABLED"));
    expect(auditPlumbing(intent, changed({ schedules })).deviations).toEqual([{ resource: "schedule SweepSchedule-Ab12", expected: "ENABLED", found: "DISABLED" }]);
  });

  it("a filter policy on the health subscription (every notice but the heartbeat dropped)", () => {
    const topics = new Map(intact().topics);
    topics.set(HEALTH, topic(HEALTH, HEALTH_KEY, [SSL_STATEMENT, ALARMS_STATEMENT], "oncall@example.com", '{"kind":["heartbeat"]}'));
    expect(auditPlumbing(intent, changed({ topics })).deviations).toEqual([
      { resource: `SNS topic health (${HEALTH}): subscription email oncall@example.com: filter policy`, expected: "no filter policy (every notice delivered)", found: 'filter policy {"kind":["heartbeat"]}' },
    ]);
  });

  it("a topic policy changed: the alarms' statement removed, another principal let in, or a statement rewritten", () => {
    const topics = new Map(intact().topics);
    const stranger = { Sid: "grant", Effect: "Allow", Principal: { AWS: "arn:aws:iam::999999999999:root" }, Action: ["SNS:Subscribe", "SNS:Publish"], Resource: HEALTH };
    topics.set(HEALTH, topic(HEALTH, HEALTH_KEY, [SSL_STATEMENT, stranger], "oncall@example.com"));
    expect(auditPlumbing(intent, changed({ topics })).deviations).toEqual([
      { resource: `SNS topic health (${HEALTH}): policy, statement ThisStacksAlarmsPublish`, expected: "Allow sns:Publish to Service:cloudwatch.amazonaws.com", found: "no such statement" },
      { resource: `SNS topic health (${HEALTH}): policy, statement grant`, expected: "no such statement (the stack deployed none)", found: "Allow sns:publish,sns:subscribe to AWS:arn:aws:iam::999999999999:root" },
    ]);
    topics.set(HEALTH, topic(HEALTH, HEALTH_KEY, [{ ...SSL_STATEMENT, Effect: "Allow" }, ALARMS_STATEMENT], "oncall@example.com"));
    expect(auditPlumbing(intent, changed({ topics })).deviations).toEqual([
      { resource: `SNS topic health (${HEALTH}): policy, statement AllowPublishThroughSSLOnly`, expected: "Deny sns:Publish to AWS:*", found: "Allow sns:publish to AWS:*" },
    ]);
  });

  it("a topic moved to another key, a subscription removed or added, one left unconfirmed", () => {
    const topics = new Map(intact().topics);
    topics.set(ALERTS, { ...topic(ALERTS, "alias/aws/sns", [SSL_STATEMENT], "attacker@example.net"), subscriptions: ok([{ arn: "PendingConfirmation", protocol: "email", endpoint: "secops@example.com" }]) });
    expect(auditPlumbing(intent, changed({ topics })).deviations).toEqual([
      { resource: `SNS topic alerts (${ALERTS}): encryption key`, expected: ALERTS_KEY, found: "alias/aws/sns" },
      { resource: `SNS topic alerts (${ALERTS}): subscription email secops@example.com`, expected: "confirmed", found: "pending confirmation: nothing is delivered to it" },
    ]);
    topics.set(ALERTS, topic(ALERTS, ALERTS_KEY, [SSL_STATEMENT], "attacker@example.net"));
    expect(auditPlumbing(intent, changed({ topics })).deviations.map((deviation) => deviation.resource)).toEqual([
      `SNS topic alerts (${ALERTS}): subscription email secops@example.com`,
      `SNS topic alerts (${ALERTS}): subscription email attacker@example.net`,
    ]);
  });

  it("a key disabled or pending deletion", () => {
    const keys = new Map(intact().keys);
    keys.set(HEALTH_KEY, ok({ state: "PendingDeletion", deletionDate: "2026-12-08T00:00:00.000Z" }));
    keys.set(ALERTS_KEY, ok({ state: "Disabled" }));
    expect(auditPlumbing(intent, changed({ keys })).deviations).toEqual([
      { resource: `KMS key ${ALERTS_KEY}`, expected: "Enabled", found: "Disabled" },
      { resource: `KMS key ${HEALTH_KEY}`, expected: "Enabled", found: "PendingDeletion (deletion on 2026-12-08T00:00:00.000Z)" },
    ]);
  });

  it("the trail stopped, narrowed to reads, or gone", () => {
    const expected = "a trail logging management write events (eks.amazonaws.com included)";
    const stopped = ok([{ arn: TRAIL, logging: ok(false), selectors: ok({ basic: [{ readWriteType: "All", includeManagementEvents: true }], advanced: [] }) }]);
    expect(auditPlumbing(intent, changed({ trails: stopped })).deviations).toEqual([{ resource: "CloudTrail in eu-west-1", expected, found: `${TRAIL}: stopped (not logging)` }]);
    const readsOnly = ok([{ arn: TRAIL, logging: ok(true), selectors: ok({ basic: [{ readWriteType: "ReadOnly", includeManagementEvents: true }], advanced: [] }) }]);
    expect(auditPlumbing(intent, changed({ trails: readsOnly })).deviations).toEqual([{ resource: "CloudTrail in eu-west-1", expected, found: `${TRAIL}: logging, but not management write events of EKS` }]);
    expect(auditPlumbing(intent, changed({ trails: ok([]) })).deviations).toEqual([{ resource: "CloudTrail in eu-west-1", expected, found: "no trail applies to the region" }]);
  });

  it("a read that failed is a deviation of its own, never a pass", () => {
    const rules = new Map(intact().rules);
    rules.set(`${STACK}-heartbeat`, { ok: false, reason: "AccessDenied: access denied to eventbridge:DescribeRule" });
    const result = auditPlumbing(intent, changed({ rules, trails: { ok: false, reason: "Throttled: CloudTrail DescribeTrails was still throttled after retries" }, keys: new Map() }));
    expect(result.deviations).toEqual([
      { resource: `EventBridge rule ${STACK}-heartbeat`, expected: "ENABLED", found: "could not read it: AccessDenied: access denied to eventbridge:DescribeRule" },
      { resource: `KMS key ${ALERTS_KEY}`, expected: "Enabled", found: "not read (the self-audit did not reach it)" },
      { resource: `KMS key ${HEALTH_KEY}`, expected: "Enabled", found: "not read (the self-audit did not reach it)" },
      { resource: "CloudTrail in eu-west-1", expected: "a trail logging management write events (eks.amazonaws.com included)", found: "could not read the trails: Throttled: CloudTrail DescribeTrails was still throttled after retries" },
    ]);
  });

  it("what is not checked here is listed with its reason, neither counted nor passed", () => {
    const local: PlumbingIntent = { ...intent, rules: { notChecked: "not checked locally: no EventBridge emulator" }, keys: { notChecked: "not checked locally: no KMS emulator" } };
    const result = auditPlumbing(local, intact());
    expect(result.notChecked).toEqual(["EventBridge rules: not checked locally: no EventBridge emulator", "KMS keys: not checked locally: no KMS emulator"]);
    expect(result.checks).toBe(1 + 2 + 2 * 4 + 1);
  });
});

describe("trail selectors", () => {
  it("management writes are logged by a basic selector (All or WriteOnly) or an advanced Management selector that keeps writes and EKS", () => {
    expect(logsManagementWrites({ basic: [{ readWriteType: "WriteOnly" }], advanced: [] })).toBe(true);
    expect(logsManagementWrites({ basic: [{ readWriteType: "All", includeManagementEvents: false }], advanced: [] })).toBe(false);
    expect(logsManagementWrites({ basic: [{ readWriteType: "All", excludeManagementEventSources: ["eks.amazonaws.com"] }], advanced: [] })).toBe(false);
    expect(logsManagementWrites({ basic: [], advanced: [{ fieldSelectors: [{ field: "eventCategory", equals: ["Management"] }] }] })).toBe(true);
    expect(logsManagementWrites({ basic: [], advanced: [{ fieldSelectors: [{ field: "eventCategory", equals: ["Management"] }, { field: "readOnly", equals: ["true"] }] }] })).toBe(false);
    expect(logsManagementWrites({ basic: [], advanced: [{ fieldSelectors: [{ field: "eventCategory", equals: ["Management"] }, { field: "eventSource", notEquals: ["eks.amazonaws.com"] }] }] })).toBe(false);
    expect(logsManagementWrites({ basic: [], advanced: [{ fieldSelectors: [{ field: "eventCategory", equals: ["Data"] }] }] })).toBe(false);
  });

  it("reads a policy document's statements (a principal of '*' is AWS:*; no Sid is named so)", () => {
    expect(statementsOf(policy({ Effect: "Allow", Principal: "*", Action: ["SNS:Publish"] }))).toEqual([{ sid: "(no Sid)", effect: "Allow", principals: ["AWS:*"], actions: ["sns:publish"] }]);
  });
});

describe("the heartbeat is only the stack's own schedule", () => {
  const own = { version: "0", id: "89e0c8a5", "detail-type": "Scheduled Event", source: "aws.events", account: ACCOUNT, region: "eu-west-1", resources: [HEARTBEAT], detail: {} };

  it("accepts the scheduled event naming exactly the heartbeat rule", () => {
    expect(isOwnHeartbeat(own, HEARTBEAT)).toBe(true);
  });

  it("refuses a scheduled event of another rule, of none, of two, or of another source (a direct invocation)", () => {
    expect(isOwnHeartbeat({ ...own, resources: [`arn:aws:events:eu-west-1:${ACCOUNT}:rule/someone-elses`] }, HEARTBEAT)).toBe(false);
    expect(isOwnHeartbeat({ ...own, resources: [] }, HEARTBEAT)).toBe(false);
    expect(isOwnHeartbeat({ ...own, resources: [HEARTBEAT, HEARTBEAT] }, HEARTBEAT)).toBe(false);
    expect(isOwnHeartbeat({ ...own, source: "my.app" }, HEARTBEAT)).toBe(false);
    expect(isOwnHeartbeat({ ...own, "detail-type": "AWS API Call via CloudTrail" }, HEARTBEAT)).toBe(false);
    expect(isOwnHeartbeat([own], HEARTBEAT)).toBe(false);
    expect(isOwnHeartbeat(undefined, HEARTBEAT)).toBe(false);
  });

  it("logs a refused event's id, source and resources bounded and on one line", () => {
    expect(refusedHeartbeatSummary({ id: "x\ny", source: "aws.events", resources: ["a".repeat(400), 7] })).toEqual({ id: "x y", source: "aws.events", resources: [`${"a".repeat(253)}...`, "7"] });
    expect(refusedHeartbeatSummary(null)).toEqual({ id: "(none)", source: "(none)", resources: [] });
  });
});

describe("the intent", () => {
  it("round-trips as JSON", () => {
    expect(parsePlumbingIntent(JSON.stringify(intent))).toEqual(intent);
  });

  it("refuses what is not one, naming the field", () => {
    expect(() => parsePlumbingIntent("{")).toThrow(PlumbingIntentError);
    expect(() => parsePlumbingIntent(JSON.stringify({ ...intent, heartbeatArn: "" }))).toThrow("self-audit intent.heartbeatArn: expected a non-empty string");
    expect(() => parsePlumbingIntent(JSON.stringify({ ...intent, rules: {} }))).toThrow('self-audit intent.rules: expected "expect" or "notChecked"');
    expect(() => parsePlumbingIntent(JSON.stringify({ ...intent, topics: [{ ...intent.topics[0], policy: { expect: [{ ...SSL_ONLY, effect: "Maybe" }] } }] }))).toThrow(
      'self-audit intent.topics[0].policy.expect[0].effect: expected "Allow" or "Deny"',
    );
  });
});

describe("collecting", () => {
  const readers = (overrides: Partial<PlumbingReaders> = {}): PlumbingReaders => ({
    rules: { state: async () => "ENABLED" },
    eventSourceMappings: { state: async () => "Enabled" },
    schedules: { state: async () => "ENABLED" },
    keys: { describe: async () => ({ state: "Enabled" }) },
    topics: {
      attributes: async (arn) => (arn === ALERTS ? { KmsMasterKeyId: ALERTS_KEY, Policy: policy(SSL_STATEMENT) } : { KmsMasterKeyId: HEALTH_KEY, Policy: policy(SSL_STATEMENT, ALARMS_STATEMENT) }),
      subscriptions: async (arn) => [{ arn: `${arn}:1`, protocol: "email", endpoint: arn === ALERTS ? "secops@example.com" : "oncall@example.com" }],
      subscriptionAttributes: async () => ({}),
    },
    trails: { trails: async () => [TRAIL], logging: async () => true, selectors: async () => ({ basic: [{ readWriteType: "All" }], advanced: [] }) },
    ...overrides,
  });

  it("reads what the intent expects and the comparison finds it intact", async () => {
    expect(auditPlumbing(intent, await collectPlumbing(intent, readers())).deviations).toEqual([]);
  });

  it("keeps a failed read as its reason, and a missing reader as one, so the audit still completes", async () => {
    const refused = Object.assign(new Error("access denied to kms:DescribeKey: the function's role needs this action"), { name: "AccessDenied" });
    const observed = await collectPlumbing(intent, readers({ keys: { describe: () => Promise.reject(refused) }, trails: undefined }));
    const deviations = auditPlumbing(intent, observed).deviations;
    expect(deviations).toContainEqual({ resource: `KMS key ${HEALTH_KEY}`, expected: "Enabled", found: "could not read it: AccessDenied: access denied to kms:DescribeKey: the function's role needs this action" });
    expect(deviations).toContainEqual(expect.objectContaining({ resource: "CloudTrail in eu-west-1", found: expect.stringContaining("no CloudTrail reader was given") }));
  });

  it("reads nothing the intent does not check", async () => {
    const refuse = () => Promise.reject(new Error("must not be read"));
    const local: PlumbingIntent = { ...intent, rules: { notChecked: "n" }, eventSourceMappings: { notChecked: "n" }, schedules: { notChecked: "n" }, keys: { notChecked: "n" }, trail: { notChecked: "n" } };
    const observed = await collectPlumbing(local, readers({ rules: { state: refuse }, keys: { describe: refuse }, trails: { trails: refuse, logging: refuse, selectors: refuse } }));
    expect(auditPlumbing(local, observed).deviations).toEqual([]);
  });
});

describe("the heartbeat's text", () => {
  it("is HIGH and lists each deviation when the plumbing is not as deployed; attacker text is made one safe line", () => {
    const notice = renderSelfAudit(
      { checks: 20, deviations: [{ resource: `SNS topic health: subscription email evil\u202e@example.net`, expected: "no such subscription (the stack deployed none)", found: "subscribed\nInjected: line" }], notChecked: ["KMS keys: not checked locally: no KMS emulator"] },
      { account: ACCOUNT, region: "eu-west-1" },
      new Date("2026-12-01T06:00:03Z"),
    );
    expect(notice.subject).toBe("[HIGH] EKS Warden self-audit: 20 checks, 1 not as deployed eu-west-1");
    expect(notice.attributes).toEqual({ kind: "heartbeat", severity: "HIGH", account: ACCOUNT, region: "eu-west-1" });
    expect(notice.text).toContain("- SNS topic health: subscription email evil @example.net\n    expected: no such subscription (the stack deployed none)\n    found:    subscribed Injected: line");
    expect(notice.text).toContain("Not checked here:\n- KMS keys: not checked locally: no KMS emulator");
    expect(JSON.parse(JSON.parse(notice.message).sqs)).toMatchObject({ severity: "HIGH", checks: 20, deviations: [{ found: "subscribed Injected: line" }] });
  });
});
