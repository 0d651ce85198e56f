// The deployment's topology as data: its functions and what each is told, its topics, its queues and their redrive,
// the event rules and schedules that feed the functions. stacks/ builds the CloudFormation resources from it and
// packages/local the emulated system, so what feeds which handler is written here once (docs/design.md, Data flow).
// Keys name the parts in code; `id` is the CDK construct id, which the logical ids, alarms, cdk-nag findings and
// deployed stacks depend on: never rename one without an upgrade plan.
import { clusterEventPattern, type EventPattern } from "../events/pattern.ts";
import type { Policy } from "../model.ts";
import {
  CLUSTER_EVENT_QUEUE,
  DEAD_LETTER_QUEUES,
  FUNCTION_ENV,
  FUNCTION_TIMEOUT_SECONDS,
  SCHEDULED_FUNCTION_TIMEOUT_SECONDS,
  SETTLE_QUEUE,
  type HandlerName,
} from "./constants.ts";

export type FunctionKey = HandlerName;
export type EnvKey = keyof typeof FUNCTION_ENV;

/** The function that reads a queue (an SQS event source mapping): it alone deletes the queue's messages. */
export interface QueueConsumer {
  readonly fn: FunctionKey;
  readonly batchSize: number;
  readonly reportBatchItemFailures: boolean;
}

export interface QueueDescription {
  readonly id: string;
  /** The queue's default delay; unset: none. */
  readonly deliveryDelaySeconds?: number;
  /** Unset: SQS's default (30 s). */
  readonly visibilityTimeoutSeconds?: number;
  /** Where a message goes after `maxReceiveCount` receives. */
  readonly redrive?: { readonly to: QueueKey; readonly maxReceiveCount: number };
  readonly consumer?: QueueConsumer;
}

/** SQS's maximum: every queue keeps a message this long, so nothing parked expires before someone can look. */
export const QUEUE_RETENTION_DAYS = DEAD_LETTER_QUEUES.retentionDays;

/** Each dead-letter queue of the alert path is consumed by `dead-letter` (one health alert per letter). */
const DEAD_LETTER_CONSUMER: QueueConsumer = { fn: "deadLetter", batchSize: DEAD_LETTER_QUEUES.batchSize, reportBatchItemFailures: true };

export type QueueKey =
  | "clusterEvents"
  | "settle"
  | "settleDeadLetters"
  | "settleDeadLetterArchive"
  | "clusterEventDeadLetters"
  | "clusterEventDeadLetterArchive"
  | "tamperDeadLetters"
  | "sweepDeadLetters"
  | "digestDeadLetters";

export const QUEUES: Readonly<Record<QueueKey, QueueDescription>> = {
  // The event rules' target: its policy lets only those rules send (stacks/warden/queues.ts), so nothing but
  // EventBridge feeds `cluster-event`. A failed event is retried by the queue, then redriven to the dead letters.
  clusterEvents: {
    id: "ClusterEventQueue",
    visibilityTimeoutSeconds: CLUSTER_EVENT_QUEUE.visibilityTimeoutSeconds,
    redrive: { to: "clusterEventDeadLetters", maxReceiveCount: CLUSTER_EVENT_QUEUE.maxReceiveCount },
    consumer: { fn: "clusterEvent", batchSize: CLUSTER_EVENT_QUEUE.batchSize, reportBatchItemFailures: CLUSTER_EVENT_QUEUE.reportBatchItemFailures },
  },
  settle: {
    id: "SettleQueue",
    deliveryDelaySeconds: SETTLE_QUEUE.deliveryDelaySeconds,
    visibilityTimeoutSeconds: SETTLE_QUEUE.visibilityTimeoutSeconds,
    redrive: { to: "settleDeadLetters", maxReceiveCount: SETTLE_QUEUE.maxReceiveCount },
    consumer: { fn: "settle", batchSize: SETTLE_QUEUE.batchSize, reportBatchItemFailures: SETTLE_QUEUE.reportBatchItemFailures },
  },
  settleDeadLetters: {
    id: "SettleDeadLetterQueue",
    visibilityTimeoutSeconds: DEAD_LETTER_QUEUES.visibilityTimeoutSeconds,
    redrive: { to: "settleDeadLetterArchive", maxReceiveCount: DEAD_LETTER_QUEUES.settleMaxReceiveCount },
    consumer: DEAD_LETTER_CONSUMER,
  },
  // The archives keep each dead letter for redrive once announced; they are also the dead-letter queues' own redrive
  // target, so a letter whose alert cannot be published still reaches one.
  settleDeadLetterArchive: { id: "SettleDeadLetterArchive" },
  // The event queue's redrive parks events here (already received), and EventBridge what it could not deliver to the
  // event queue (SendMessage, never received).
  clusterEventDeadLetters: {
    id: "ClusterEventDeadLetterQueue",
    visibilityTimeoutSeconds: DEAD_LETTER_QUEUES.visibilityTimeoutSeconds,
    redrive: { to: "clusterEventDeadLetterArchive", maxReceiveCount: DEAD_LETTER_QUEUES.clusterEventMaxReceiveCount },
    consumer: DEAD_LETTER_CONSUMER,
  },
  clusterEventDeadLetterArchive: { id: "ClusterEventDeadLetterArchive" },
  tamperDeadLetters: { id: "TamperDeadLetterQueue" },
  sweepDeadLetters: { id: "SweepDeadLetterQueue" },
  digestDeadLetters: { id: "DigestDeadLetterQueue" },
};

/** The queues, each after the queue it redrives to (the order both builders create them in). */
export function queueKeysInCreationOrder(): QueueKey[] {
  const ordered: QueueKey[] = [];
  const visit = (key: QueueKey): void => {
    if (ordered.includes(key)) return;
    const target = queueOf(key).redrive?.to;
    if (target) visit(target);
    ordered.push(key);
  };
  for (const key of Object.keys(QUEUES) as QueueKey[]) visit(key);
  return ordered;
}

export function queueOf(key: QueueKey): QueueDescription {
  return QUEUES[key];
}

/** The queues a function consumes, in creation order. */
export function queuesConsumedBy(fn: FunctionKey): QueueKey[] {
  return queueKeysInCreationOrder().filter((key) => queueOf(key).consumer?.fn === fn);
}

export const TOPICS = {
  alerts: { id: "AlertsTopic", keyId: "AlertsKey", displayName: "EKS Warden alerts" },
  /** Tamper alerts, alarms, heartbeats and dead letters: its own key, apart from the alerts topic's. */
  health: { id: "HealthTopic", keyId: "HealthKey", displayName: "EKS Warden health" },
} as const;

export type TopicKey = keyof typeof TOPICS;

/** What an environment variable of a function holds; each builder resolves it to its own resource. */
export type EnvValue =
  | { readonly kind: "table" }
  | { readonly kind: "topicArn"; readonly topic: TopicKey }
  | { readonly kind: "queueUrl"; readonly queue: QueueKey }
  | { readonly kind: "queueArn"; readonly queue: QueueKey }
  | { readonly kind: "reportBucket" }
  | { readonly kind: "policy" }
  | { readonly kind: "historyRetentionDays" }
  /** The role of the function that remediates (settle): its own CloudTrail events are recognised. */
  | { readonly kind: "remediationRoleArn" }
  /** The account the deployment runs in. */
  | { readonly kind: "deploymentAccount" }
  /** What the stack deployed, for the self-audit (tamper/self-audit.ts PlumbingIntent, JSON). */
  | { readonly kind: "selfAudit" };

export type FunctionEnvironment = Readonly<Partial<Record<EnvKey, EnvValue>>>;

export interface FunctionDescription {
  readonly id: string;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  readonly environment: FunctionEnvironment;
  /** Asynchronous invocation: Lambda's retries of a failed one, then its dead-letter queue. */
  readonly onFailure?: { readonly retryAttempts: number; readonly deadLetterQueue: QueueKey };
}

/** The dead-letter queues `dead-letter` consumes, and the variables naming each queue and its archive to it. */
export const DEAD_LETTER_ROUTES = [
  { queue: "clusterEventDeadLetters", queueArnEnv: "clusterEventDeadLetterQueueArn", archiveUrlEnv: "clusterEventDeadLetterArchiveUrl" },
  { queue: "settleDeadLetters", queueArnEnv: "settleDeadLetterQueueArn", archiveUrlEnv: "settleDeadLetterArchiveUrl" },
] as const satisfies readonly { queue: QueueKey; queueArnEnv: EnvKey; archiveUrlEnv: EnvKey }[];

/** A dead-letter queue's archive: where its redrive sends a letter. */
export function archiveOf(queue: QueueKey): QueueKey {
  const archive = queueOf(queue).redrive?.to;
  if (!archive) throw new Error(`queue ${queue} has no archive (no redrive)`);
  return archive;
}

/** The scheduled functions queue no settle check, so they are not told the settle queue. */
const SCHEDULED_ENVIRONMENT = {
  tableName: { kind: "table" },
  alertsTopicArn: { kind: "topicArn", topic: "alerts" },
  historyRetentionDays: { kind: "historyRetentionDays" },
  policy: { kind: "policy" },
} as const satisfies FunctionEnvironment;

const REALTIME_ENVIRONMENT = {
  ...SCHEDULED_ENVIRONMENT,
  settleQueueUrl: { kind: "queueUrl", queue: "settle" },
  remediationRoleArn: { kind: "remediationRoleArn" },
} as const satisfies FunctionEnvironment;

const DEAD_LETTER_ENVIRONMENT: FunctionEnvironment = Object.fromEntries(
  DEAD_LETTER_ROUTES.flatMap((route) => [
    [route.queueArnEnv, { kind: "queueArn", queue: route.queue }],
    [route.archiveUrlEnv, { kind: "queueUrl", queue: archiveOf(route.queue) }],
  ]),
);

export const FUNCTIONS = {
  // Fed by the event queue alone (an event source mapping): no asynchronous invocation, so no Lambda retries. The
  // health topic too: a call made as the monitor's remediation identity outside remediation is told there.
  clusterEvent: {
    id: "ClusterEvent",
    timeoutSeconds: FUNCTION_TIMEOUT_SECONDS,
    memoryMb: 512,
    // The deployment's account: events of an account neither it nor policy.accounts names are dropped and counted.
    environment: { ...REALTIME_ENVIRONMENT, healthTopicArn: { kind: "topicArn", topic: "health" }, deploymentAccount: { kind: "deploymentAccount" } },
  },
  settle: { id: "Settle", timeoutSeconds: FUNCTION_TIMEOUT_SECONDS, memoryMb: 512, environment: REALTIME_ENVIRONMENT },
  // Tamper publishes to the health topic, and the tamper alert best effort to the alerts topic too.
  tamper: {
    id: "Tamper",
    timeoutSeconds: FUNCTION_TIMEOUT_SECONDS,
    memoryMb: 512,
    // The heartbeat is the daily self-audit: the function is told what the stack deployed, to compare with what is live.
    environment: { healthTopicArn: { kind: "topicArn", topic: "health" }, alertsTopicArn: { kind: "topicArn", topic: "alerts" }, selfAudit: { kind: "selfAudit" } },
    onFailure: { retryAttempts: 2, deadLetterQueue: "tamperDeadLetters" },
  },
  // No retries by Lambda: a sweep or digest that failed waits in its dead-letter queue rather than running twice.
  sweep: {
    id: "Sweep",
    timeoutSeconds: SCHEDULED_FUNCTION_TIMEOUT_SECONDS,
    memoryMb: 1024,
    environment: SCHEDULED_ENVIRONMENT,
    onFailure: { retryAttempts: 0, deadLetterQueue: "sweepDeadLetters" },
  },
  digest: {
    id: "Digest",
    timeoutSeconds: SCHEDULED_FUNCTION_TIMEOUT_SECONDS,
    memoryMb: 1024,
    environment: { ...SCHEDULED_ENVIRONMENT, reportBucket: { kind: "reportBucket" } },
    onFailure: { retryAttempts: 0, deadLetterQueue: "digestDeadLetters" },
  },
  // The health topic only: no alerts topic, no table, no policy.
  deadLetter: {
    id: "DeadLetter",
    timeoutSeconds: FUNCTION_TIMEOUT_SECONDS,
    memoryMb: 512,
    environment: { healthTopicArn: { kind: "topicArn", topic: "health" }, ...DEAD_LETTER_ENVIRONMENT },
  },
} as const satisfies Record<FunctionKey, FunctionDescription>;

export function functionOf(key: FunctionKey): FunctionDescription {
  return FUNCTIONS[key];
}

/** The dead-letter queue of what invokes a function asynchronously (an event rule, a schedule, Lambda's retries). */
export function deadLetterQueueOf(fn: FunctionKey): QueueKey {
  const queue = functionOf(fn).onFailure?.deadLetterQueue;
  if (!queue) throw new Error(`function ${fn} is invoked asynchronously but has no dead-letter queue`);
  return queue;
}

/** How EventBridge retries delivering to a rule's target before its dead-letter queue. */
export const RULE_TARGET_DELIVERY = { retryAttempts: 8, maxEventAgeHours: 6 } as const;

/** How EventBridge Scheduler retries invoking a schedule's target before its dead-letter queue. */
export const SCHEDULE_TARGET_DELIVERY = { retryAttempts: 2, maxEventAgeHours: 6 } as const;

export interface EventRuleDescription {
  readonly id: string;
  /** The rule's name after the stack's name. */
  readonly name: string;
  readonly description: string;
  readonly pattern: EventPattern;
  /** The queue the rule sends to (its consumer is the function the events reach). */
  readonly queue: QueueKey;
  /** Where EventBridge parks what it could not send to the queue. */
  readonly deadLetterQueue: QueueKey;
}

/** Event rules on the default bus (the organisation's bus and the tamper rules are the stack's own: stacks/). */
export const EVENT_RULES = {
  clusterEvents: {
    id: "ClusterEventRule",
    name: "cluster-events",
    description: "CloudTrail-recorded EKS changes -> the event queue -> cluster-event (pattern: @eks-warden/core/events)",
    pattern: clusterEventPattern,
    queue: "clusterEvents",
    deadLetterQueue: "clusterEventDeadLetters",
  },
} as const satisfies Record<string, EventRuleDescription>;

export type EventRuleKey = keyof typeof EVENT_RULES;

/** When a schedule fires: an entry of policy.schedules (EventBridge Scheduler), or a fixed rate (an EventBridge rule). */
export type ScheduleTiming = { readonly policySchedule: keyof Policy["schedules"] } | { readonly rateDays: number };

export interface ScheduleDescription {
  readonly id: string;
  readonly timing: ScheduleTiming;
  readonly target: FunctionKey;
  readonly description: string;
  /** A rate schedule is an EventBridge rule: its name after the stack's name. */
  readonly ruleName?: string;
}

export const SCHEDULES = {
  sweep: { id: "SweepSchedule", timing: { policySchedule: "sweep" }, target: "sweep", description: "EKS Warden daily sweep: every cluster of every region (policy.schedules.sweep)" },
  digest: { id: "DigestSchedule", timing: { policySchedule: "digest" }, target: "digest", description: "EKS Warden weekly digest (policy.schedules.digest)" },
  heartbeat: {
    id: "HeartbeatRule",
    timing: { rateDays: 1 },
    target: "tamper",
    ruleName: "heartbeat",
    description: "Daily heartbeat -> tamper's self-audit -> the health topic: a day without it means the health path is broken",
  },
} as const satisfies Record<string, ScheduleDescription>;

export type ScheduleKey = keyof typeof SCHEDULES;

/** The schedule's expression, as EventBridge Scheduler and EventBridge rules read it. */
export function scheduleExpression(timing: ScheduleTiming, policy: Pick<Policy, "schedules">): string {
  if ("policySchedule" in timing) return policy.schedules[timing.policySchedule];
  return `rate(${timing.rateDays} ${timing.rateDays === 1 ? "day" : "days"})`;
}

/** The function a rule's events reach: the consumer of the queue it sends to. */
export function functionFedBy(rule: EventRuleDescription): FunctionKey {
  const consumer = queueOf(rule.queue).consumer;
  if (!consumer) throw new Error(`event rule ${rule.id} sends to queue ${rule.queue}, which has no consumer`);
  return consumer.fn;
}

/** What feeds a function: the event rules (through their queue), schedules and queues that invoke it. */
export function feedsOf(fn: FunctionKey): { readonly rules: EventRuleKey[]; readonly schedules: ScheduleKey[]; readonly queues: QueueKey[] } {
  return {
    rules: (Object.keys(EVENT_RULES) as EventRuleKey[]).filter((key) => functionFedBy(EVENT_RULES[key]) === fn),
    schedules: (Object.keys(SCHEDULES) as ScheduleKey[]).filter((key) => SCHEDULES[key].target === fn),
    queues: queuesConsumedBy(fn),
  };
}
