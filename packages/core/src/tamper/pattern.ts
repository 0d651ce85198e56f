// The EventBridge patterns of the tamper rules, defined ONCE: the stack deploys them (stacks/Warden.ts) and the tests
// match CloudTrail records against them. Each pattern catches a CloudTrail-recorded call that would blind the
// monitor: stop or narrow the trail it reads, disable or re-target its rules, disable, delete, re-policy or grant its
// keys, delete, re-policy or subscribe to its topics, cut or filter their subscriptions, delete or mute its alarms,
// throttle, replace or cut off its functions or the mappings that feed them, purge, delete or re-configure its queues,
// re-configure, re-policy, restore or delete its state table, re-time or delete its schedules, open, close or delete
// the central bus of an organisation deployment (docs/threat-model.md).

/** A value in a pattern: an exact value, or EventBridge's prefix or suffix filter. */
export type TamperPatternValue = string | { readonly prefix: string } | { readonly suffix: string };
/** A field's values, a nested pattern, or, under the key `$or`, EventBridge's alternatives (any one may match). */
export interface TamperPattern {
  readonly [field: string]: readonly TamperPatternValue[] | TamperPattern | readonly TamperPattern[];
}

/** What this deployment owns; the stack passes its resources (CloudFormation tokens are fine: they are strings). */
export interface TamperTargets {
  /** Names of every EventBridge rule of the stack (the tamper rules and the heartbeat included). */
  readonly ruleNames: readonly string[];
  /** ARNs and ids of the stack's KMS keys: KMS requests name a key by either. */
  readonly keyArns: readonly string[];
  readonly keyIds: readonly string[];
  /** ARNs of the stack's SNS topics. */
  readonly topicArns: readonly string[];
  /** Names of the stack's CloudWatch alarms. */
  readonly alarmNames: readonly string[];
  /** Names and ARNs of the stack's Lambda functions: Lambda requests name a function by either (or a qualified ARN). */
  readonly functionNames: readonly string[];
  readonly functionArns: readonly string[];
  /** The stack's SQS queues (settle queue, dead-letter queues, their archives): account and queue name. */
  readonly queues: readonly { readonly account: string; readonly name: string }[];
  /** The state table: its name and ARN (DynamoDB requests name a table by either). */
  readonly table: { readonly name: string; readonly arn: string };
  /** Names of the stack's EventBridge Scheduler schedules (sweep, digest). */
  readonly scheduleNames: readonly string[];
  /** Ids (UUIDs) of the stack's Lambda event source mappings (the queues its functions read). */
  readonly eventSourceMappingIds: readonly string[];
  /** Name of the central event bus the member accounts forward to; only an organisation deployment has one. */
  readonly centralEventBusName?: string;
}

/** The watched calls, per service. */
export const TAMPER_CALLS = {
  cloudtrail: ["StopLogging", "DeleteTrail", "UpdateTrail", "PutEventSelectors"],
  eventsRule: ["DisableRule", "DeleteRule", "PutRule"],
  eventsTargets: ["RemoveTargets", "PutTargets"],
  kms: ["DisableKey", "ScheduleKeyDeletion", "PutKeyPolicy"],
  /** A grant lets its grantee use or administer a key outside the key policy; retiring or revoking one of the stack's
   * own (none today) cuts a user off. RetireGrant may name the grant by token alone: matched by the record's resources. */
  kmsGrant: ["CreateGrant", "RetireGrant", "RevokeGrant"],
  /** Subscribe adds a reader (or an endpoint that swallows), AddPermission/RemovePermission rewrite who may publish
   * (RemovePermission mutes every alarm), PutDataProtectionPolicy can mask or deny what a notice carries. */
  snsTopic: ["DeleteTopic", "SetTopicAttributes", "Subscribe", "AddPermission", "RemovePermission", "PutDataProtectionPolicy"],
  /** A filter policy on a subscription (SetSubscriptionAttributes) drops every notice it does not match. */
  snsSubscription: ["Unsubscribe", "SetSubscriptionAttributes"],
  alarms: ["DeleteAlarms", "DisableAlarmActions"],
  alarmRedefinition: ["PutMetricAlarm"],
  /** Lambda records its calls with an API version suffix (e.g. UpdateFunctionCode20150331v2): matched by prefix.
   * DeleteFunction also covers DeleteFunctionConcurrency; RemovePermission takes EventBridge's right to invoke. */
  lambda: ["UpdateFunctionCode", "UpdateFunctionConfiguration", "PutFunctionConcurrency", "DeleteFunction", "RemovePermission", "PutFunctionEventInvokeConfig", "UpdateFunctionEventInvokeConfig"],
  /** Disabling, re-batching or deleting the mapping that feeds a function from its queue (settle, dead letters).
   * Recorded with the API version suffix too, and naming the mapping by its UUID only. */
  lambdaMapping: ["UpdateEventSourceMapping", "DeleteEventSourceMapping"],
  /** The state table: re-configured (stream, billing, deletion protection, replicas), its TTL moved or stopped, deleted,
   * its resource policy (who may write) replaced or removed, or its history restored from a point in time. */
  dynamodb: ["UpdateTable", "UpdateTimeToLive", "DeleteTable", "PutResourcePolicy", "DeleteResourcePolicy", "RestoreTableToPointInTime"],
  /** A sweep or digest schedule disabled, re-timed, re-targeted or deleted. */
  scheduler: ["UpdateSchedule", "DeleteSchedule"],
  /** PurgeQueue drops every pending settle check or dead letter; SetQueueAttributes can shorten retention, remove the
   * redrive policy or rewrite the queue policy; DeleteQueue takes all of it. */
  sqs: ["PurgeQueue", "DeleteQueue", "SetQueueAttributes"],
  /** The central bus's resource policy: RemovePermission drops the organisation's statement (every forwarder's
   * PutEvents is refused), PutPermission opens the bus to anyone or replaces the whole policy. Both name the bus by
   * `eventBusName`. */
  centralBusPolicy: ["PutPermission", "RemovePermission"],
  /** DeleteEventBus takes every member account's events with it; UpdateEventBus can move the bus to a key the caller
   * then disables. Both name the bus by `name`. */
  centralBus: ["DeleteEventBus", "UpdateEventBus"],
} as const;

/** The ids of tamperRules' rules, in order, so a stack can name every rule before it knows its resources. The last
 * two exist only in an organisation deployment (see tamperRuleIds). */
export const TAMPER_RULE_IDS = ["trail", "rule", "targets", "key", "grant", "topic", "unsubscribe", "alarms", "alarm", "function", "mapping", "queue", "table", "schedule", "bus-policy", "bus"] as const;
export type TamperRuleId = (typeof TAMPER_RULE_IDS)[number];

/** The rules watching the central event bus: deployed only where there is one. */
const CENTRAL_BUS_RULE_IDS: readonly TamperRuleId[] = ["bus-policy", "bus"];

/** The ids of the rules tamperRules builds, in order, for a deployment with or without the central event bus. */
export function tamperRuleIds(deployment: { readonly centralEventBus: boolean }): readonly TamperRuleId[] {
  return deployment.centralEventBus ? TAMPER_RULE_IDS : TAMPER_RULE_IDS.filter((id) => !CENTRAL_BUS_RULE_IDS.includes(id));
}

export interface TamperRule {
  /** Short, stable id: the stack names the rule `<stack>-tamper-<id>`. */
  readonly id: TamperRuleId;
  readonly description: string;
  readonly pattern: TamperPattern;
}

function cloudTrailCalls(service: string, eventNames: readonly TamperPatternValue[], requestParameters?: TamperPattern): TamperPattern {
  return cloudTrailCallsWhere(service, eventNames, requestParameters ? { requestParameters } : {});
}

/** The calls, where the record's detail also matches `where` (e.g. an `$or` of the parameters naming the resource). */
function cloudTrailCallsWhere(service: string, eventNames: readonly TamperPatternValue[], where: TamperPattern): TamperPattern {
  return {
    source: [`aws.${service === "monitoring" ? "cloudwatch" : service}`],
    "detail-type": ["AWS API Call via CloudTrail"],
    detail: { eventSource: [`${service}.amazonaws.com`], eventName: [...eventNames], ...where },
  };
}

/** Any one of these request parameters names one of `values`. */
function anyParameter(names: readonly string[], values: readonly TamperPatternValue[]): TamperPattern {
  return { $or: names.map((name) => ({ requestParameters: { [name]: [...values] } })) };
}

function nonEmpty(what: string, values: readonly string[]): readonly string[] {
  // EventBridge rejects an empty list, and an empty list here would mean the stack forgot its own resources.
  if (values.length === 0) throw new Error(`tamper patterns: no ${what} given; the stack must name every resource it owns`);
  return values;
}

/** One rule per distinct request shape (the parameter naming the resource differs per call). */
export function tamperRules(targets: TamperTargets): readonly TamperRule[] {
  const rules = nonEmpty("rule names", targets.ruleNames);
  const keyArns = nonEmpty("key ARNs", targets.keyArns);
  const keys = [...keyArns, ...nonEmpty("key ids", targets.keyIds)];
  const topics = nonEmpty("topic ARNs", targets.topicArns);
  const table = [nonEmpty("table name", [targets.table.name])[0]!, nonEmpty("table ARN", [targets.table.arn])[0]!];
  const schedules = nonEmpty("schedule names", targets.scheduleNames);
  const mappings = nonEmpty("event source mapping ids", targets.eventSourceMappingIds);
  const alarms = nonEmpty("alarm names", targets.alarmNames);
  const functionArns = nonEmpty("function ARNs", targets.functionArns);
  const functions = [...nonEmpty("function names", targets.functionNames), ...functionArns, ...functionArns.map((arn) => ({ prefix: `${arn}:` }))];
  if (targets.queues.length === 0) throw new Error("tamper patterns: no queues given; the stack must name every resource it owns");
  // SQS requests name a queue by URL, whose host has several valid spellings (sqs.<region>.amazonaws.com, the legacy
  // <region>.queue.amazonaws.com, a VPC endpoint's): the path, "/<account>/<name>", is what identifies the queue.
  const queueUrls = targets.queues.map((queue) => ({ suffix: `/${queue.account}/${queue.name}` }));
  if (targets.centralEventBusName === "") throw new Error("tamper patterns: an empty central event bus name; omit it when the deployment has no central bus");
  const centralBus = targets.centralEventBusName;
  // Matched by name only: these calls take a bus name (no ARN), and an absent name means the default bus, not ours.
  const centralBusRules: readonly TamperRule[] = centralBus
    ? [
        {
          id: "bus-policy",
          description: "The central event bus's policy changed: the organisation's statement removed, or the bus opened or re-policied",
          pattern: cloudTrailCalls("events", TAMPER_CALLS.centralBusPolicy, { eventBusName: [centralBus] }),
        },
        {
          id: "bus",
          description: "The central event bus deleted or re-configured: every member account's events go with it",
          pattern: cloudTrailCalls("events", TAMPER_CALLS.centralBus, { name: [centralBus] }),
        },
      ]
    : [];
  return [
    {
      id: "trail",
      description: "CloudTrail trail stopped, deleted or narrowed (any trail): the monitor reads CloudTrail",
      pattern: cloudTrailCalls("cloudtrail", TAMPER_CALLS.cloudtrail),
    },
    {
      id: "rule",
      description: "One of EKS Warden's EventBridge rules disabled, deleted or redefined",
      pattern: cloudTrailCalls("events", TAMPER_CALLS.eventsRule, { name: [...rules] }),
    },
    {
      id: "targets",
      description: "Targets of one of EKS Warden's EventBridge rules removed or replaced",
      pattern: cloudTrailCalls("events", TAMPER_CALLS.eventsTargets, { rule: [...rules] }),
    },
    {
      id: "key",
      description: "One of EKS Warden's KMS keys disabled, scheduled for deletion or re-policied",
      pattern: cloudTrailCalls("kms", TAMPER_CALLS.kms, { keyId: keys }),
    },
    {
      id: "grant",
      description: "A grant created, retired or revoked on one of EKS Warden's KMS keys",
      // RetireGrant may carry a grant token and no key id; CloudTrail still lists the key among the record's resources.
      pattern: cloudTrailCallsWhere("kms", TAMPER_CALLS.kmsGrant, { $or: [{ requestParameters: { keyId: keys } }, { resources: { ARN: [...keyArns] } }] }),
    },
    {
      id: "topic",
      description: "One of EKS Warden's SNS topics deleted, subscribed to, re-policied (attributes, permissions) or given a data protection policy",
      // PutDataProtectionPolicy names the topic as resourceArn; every other call as topicArn.
      pattern: cloudTrailCallsWhere("sns", TAMPER_CALLS.snsTopic, anyParameter(["topicArn", "resourceArn"], topics)),
    },
    {
      id: "unsubscribe",
      description: "A subscription of one of EKS Warden's SNS topics removed or re-configured (a filter policy drops notices)",
      // These name only the subscription, whose ARN is the topic's ARN, ":", and an id.
      pattern: cloudTrailCalls("sns", TAMPER_CALLS.snsSubscription, { subscriptionArn: topics.map((arn) => ({ prefix: `${arn}:` })) }),
    },
    {
      id: "alarms",
      description: "One of EKS Warden's CloudWatch alarms deleted or muted",
      pattern: cloudTrailCalls("monitoring", TAMPER_CALLS.alarms, { alarmNames: [...alarms] }),
    },
    {
      id: "alarm",
      description: "One of EKS Warden's CloudWatch alarms redefined (actions, metric or threshold)",
      pattern: cloudTrailCalls("monitoring", TAMPER_CALLS.alarmRedefinition, { alarmName: [...alarms] }),
    },
    {
      id: "function",
      description: "One of EKS Warden's functions replaced, reconfigured, throttled, deleted or cut off from its triggers",
      // A qualified ARN (version or alias) is the ARN, ":", and the qualifier.
      pattern: cloudTrailCalls("lambda", TAMPER_CALLS.lambda.map((name) => ({ prefix: name })), { functionName: functions }),
    },
    {
      id: "mapping",
      description: "A queue's feed into one of EKS Warden's functions (event source mapping) disabled, re-configured or deleted",
      // CloudTrail spells the UUID request parameter "uUID"; "uuid" is accepted too, in case a record lower-cases it.
      pattern: cloudTrailCallsWhere("lambda", TAMPER_CALLS.lambdaMapping.map((name) => ({ prefix: name })), anyParameter(["uUID", "uuid"], mappings)),
    },
    {
      id: "queue",
      description: "One of EKS Warden's SQS queues purged, deleted or re-configured (retention, redrive, policy)",
      pattern: cloudTrailCalls("sqs", TAMPER_CALLS.sqs, { queueUrl: queueUrls }),
    },
    {
      id: "table",
      description: "EKS Warden's state table re-configured, its TTL changed, deleted, re-policied or restored",
      // The table by name or ARN: tableName (UpdateTable, UpdateTimeToLive, DeleteTable), resourceArn (the resource
      // policy calls), sourceTableName or sourceTableArn (RestoreTableToPointInTime).
      pattern: cloudTrailCallsWhere("dynamodb", TAMPER_CALLS.dynamodb, anyParameter(["tableName", "resourceArn", "sourceTableName", "sourceTableArn"], table)),
    },
    {
      id: "schedule",
      description: "EKS Warden's sweep or digest schedule disabled, re-timed, re-targeted or deleted",
      pattern: cloudTrailCalls("scheduler", TAMPER_CALLS.scheduler, { name: [...schedules] }),
    },
    ...centralBusRules,
  ];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function valueMatches(allowed: readonly TamperPatternValue[], actual: unknown): boolean {
  const candidates = Array.isArray(actual) ? actual : [actual];
  return candidates.some(
    (candidate) =>
      typeof candidate === "string" &&
      allowed.some((value) => (typeof value === "string" ? value === candidate : "prefix" in value ? candidate.startsWith(value.prefix) : candidate.endsWith(value.suffix))),
  );
}

/**
 * Whether EventBridge would deliver `event` to a rule with `pattern`, for the forms tamper patterns use: lists of exact
 * strings, `{ prefix }` and `{ suffix }` filters (an event array matches when any element does), nested objects field by
 * field (against any element of an array of objects), and `$or` (any alternative).
 */
export function matchesTamperPattern(pattern: TamperPattern, event: unknown): boolean {
  if (!isObject(event)) return false;
  return Object.entries(pattern).every(([field, expected]) => {
    if (field === "$or") return (expected as readonly TamperPattern[]).some((alternative) => matchesTamperPattern(alternative, event));
    if (!(field in event)) return false;
    if (Array.isArray(expected)) return valueMatches(expected as readonly TamperPatternValue[], event[field]);
    // EventBridge matches a nested pattern against each element of an array of objects (CloudTrail's resources).
    const actual = event[field];
    const elements = Array.isArray(actual) ? actual : [actual];
    return elements.some((element) => matchesTamperPattern(expected as TamperPattern, element));
  });
}
