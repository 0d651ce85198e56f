// The alarms, one row each: what it watches, when it fires, what it means. Every alarm notifies the health topic
// (docs/design.md, Data flow 9); stacks/ builds them all in one loop. The reasons for each threshold are here, beside
// the row, because they depend on how SQS, Lambda and EventBridge count.
import { METRICS_NAMESPACE } from "./constants.ts";
import type { FunctionKey, QueueKey } from "./topology.ts";

export type QueueMetricName = "NumberOfMessagesSent" | "ApproximateAgeOfOldestMessage" | "ApproximateNumberOfMessagesVisible" | "NumberOfMessagesReceived";
export type Statistic = "Sum" | "Maximum";

export interface QueueMetric {
  readonly kind: "queue";
  readonly queue: QueueKey;
  readonly metric: QueueMetricName;
  readonly statistic: Statistic;
}

/** What an alarm watches: a metric of a queue or function, one the functions publish, or an expression over queues. */
export type AlarmMetric =
  | QueueMetric
  | { readonly kind: "functionErrors"; readonly fn: FunctionKey }
  | { readonly kind: "published"; readonly namespace: string; readonly metricName: string; readonly service: string }
  | { readonly kind: "expression"; readonly expression: string; readonly label: string; readonly inputs: Readonly<Record<string, QueueMetric>> };

export interface AlarmDescription {
  /** The construct id; the alarm's name is the stack's name, "-", and the id without "Alarm". */
  readonly id: string;
  readonly metric: AlarmMetric;
  readonly periodSeconds: number;
  /** Default 1: the first bad thing of a period fires it. */
  readonly threshold?: number;
  readonly evaluationPeriods?: number;
  readonly datapointsToAlarm?: number;
  /** Default "atLeast" (>= threshold). */
  readonly comparison?: "atLeast" | "below";
  /** Default "notBreaching": a quiet metric is a healthy one. */
  readonly missingData?: "notBreaching" | "breaching";
  readonly description: string;
}

const FIVE_MINUTES = 300;
const ONE_HOUR = 3600;
const ONE_DAY = 86_400;

const sent = (queue: QueueKey): QueueMetric => ({ kind: "queue", queue, metric: "NumberOfMessagesSent", statistic: "Sum" });
const oldest = (queue: QueueKey): QueueMetric => ({ kind: "queue", queue, metric: "ApproximateAgeOfOldestMessage", statistic: "Maximum" });

export const ALARMS: readonly AlarmDescription[] = [
  // EventBridge's target dead-letter queue and Lambda's async-invoke dead-letter queue both SendMessage, which
  // NumberOfMessagesSent counts: one alarm per period with new dead letters, not a depth that stays in ALARM and
  // hides the next one.
  {
    id: "ClusterEventDeadLettersAlarm",
    metric: sent("clusterEventDeadLetters"),
    periodSeconds: FIVE_MINUTES,
    description: "EKS events could not be processed and were parked in the cluster-event dead-letter queue",
  },
  {
    id: "TamperDeadLettersAlarm",
    metric: sent("tamperDeadLetters"),
    periodSeconds: FIVE_MINUTES,
    description: "A tamper alert or heartbeat could not be published and was parked in the tamper dead-letter queue",
  },
  // The settle dead-letter queue is fed by the settle queue's redrive policy, and SQS does not count a message moved
  // by redrive in the dead-letter queue's NumberOfMessagesSent (only explicit SendMessage calls). So: alarm when its
  // depth grows, DIFF of the visible messages between 5-minute periods (FILL: an idle queue publishes no data point;
  // it counts as 0). Six periods with one breaching: a metric that appears late after the queue wakes up still
  // lands in the window. The dead-letter function drains the queue within seconds (its per-letter alert is the
  // detail; this alarm is the count that does not depend on it), so its receives count too: the larger of the two.
  {
    id: "SettleDeadLettersAlarm",
    metric: {
      kind: "expression",
      expression: "MAX([DIFF(FILL(visible, 0)), FILL(received, 0)])",
      label: "settle dead letters added",
      inputs: {
        visible: { kind: "queue", queue: "settleDeadLetters", metric: "ApproximateNumberOfMessagesVisible", statistic: "Maximum" },
        received: { kind: "queue", queue: "settleDeadLetters", metric: "NumberOfMessagesReceived", statistic: "Sum" },
      },
    },
    periodSeconds: FIVE_MINUTES,
    evaluationPeriods: 6,
    datapointsToAlarm: 1,
    description: "Settle checks failed repeatedly and were parked in the settle dead-letter queue",
  },
  {
    id: "ClusterEventErrorsAlarm",
    metric: { kind: "functionErrors", fn: "clusterEvent" },
    periodSeconds: FIVE_MINUTES,
    description: "The cluster-event function failed; EventBridge and Lambda retry, then park the event in its dead-letter queue",
  },
  {
    id: "SettleErrorsAlarm",
    metric: { kind: "functionErrors", fn: "settle" },
    periodSeconds: FIVE_MINUTES,
    description: "The settle function failed; its messages return to the queue and land in the dead-letter queue after retries",
  },
  // EventBridge Scheduler's dead-letter queue and Lambda's async-invoke one both SendMessage, as above.
  {
    id: "SweepDeadLettersAlarm",
    metric: sent("sweepDeadLetters"),
    periodSeconds: FIVE_MINUTES,
    description: "A scheduled sweep could not be invoked or failed: its event waits in the sweep dead-letter queue",
  },
  {
    id: "DigestDeadLettersAlarm",
    metric: sent("digestDeadLetters"),
    periodSeconds: FIVE_MINUTES,
    description: "A weekly digest could not be invoked or failed: its event waits in the digest dead-letter queue",
  },
  {
    id: "SweepErrorsAlarm",
    metric: { kind: "functionErrors", fn: "sweep" },
    periodSeconds: FIVE_MINUTES,
    description: "The sweep function failed; missed changes are not caught until it runs again",
  },
  {
    id: "DigestErrorsAlarm",
    metric: { kind: "functionErrors", fn: "digest" },
    periodSeconds: FIVE_MINUTES,
    description: "The digest function failed; this week's digest was not sent",
  },
  {
    id: "DeadLetterErrorsAlarm",
    metric: { kind: "functionErrors", fn: "deadLetter" },
    periodSeconds: FIVE_MINUTES,
    description:
      "The dead-letter function failed to report or archive a dead letter: it stays in its dead-letter queue, and SQS moves it to the archive unannounced after 5 tries",
  },
  // A dead letter nobody consumed for an hour: the dead-letter function's event source mapping is disabled or the
  // function cannot start, so no per-letter alert goes out (the dead-letter alarms above still count them).
  {
    id: "DeadLettersUnreportedAlarm",
    metric: {
      kind: "expression",
      expression: "MAX([clusterEvent, settle])",
      label: "oldest unreported dead letter (seconds)",
      inputs: { clusterEvent: oldest("clusterEventDeadLetters"), settle: oldest("settleDeadLetters") },
    },
    periodSeconds: FIVE_MINUTES,
    threshold: ONE_HOUR,
    evaluationPeriods: 3,
    description: "A dead letter has waited over an hour without its alert: the dead-letter function is not consuming its queues",
  },
  {
    id: "TamperErrorsAlarm",
    metric: { kind: "functionErrors", fn: "tamper" },
    periodSeconds: FIVE_MINUTES,
    description: "The tamper function failed to publish a tamper alert or heartbeat to the health topic",
  },
  // cluster-event drops a malformed event without retry (a retry could not fix it) and counts it: Powertools EMF
  // metric Event_<status> with the service dimension of its telemetry("cluster-event").
  {
    id: "RejectedEventsAlarm",
    metric: { kind: "published", namespace: METRICS_NAMESPACE, metricName: "Event_rejected", service: "cluster-event" },
    periodSeconds: FIVE_MINUTES,
    description: "cluster-event rejected malformed EKS events (logged with their ids and dropped without retry)",
  },
  // One health line a day at most: events of an account the policy does not list are dropped (never retried into
  // the dead-letter queue); a day's period tells that they arrive, the logs say which account.
  {
    id: "UnlistedAccountEventsAlarm",
    metric: { kind: "published", namespace: METRICS_NAMESPACE, metricName: "Event_unlisted-account", service: "cluster-event" },
    periodSeconds: ONE_DAY,
    description: "EKS events of an account that neither the deployment nor policy.accounts names were dropped (a forwarder or organisation rule sends more than the policy watches): add the account to policy.accounts or stop its forwarding",
  },
  // Settle checks are consumed within minutes (the worker re-queues an unfinished one as a new message, delay at most
  // 15 minutes): an hour-old message means nobody consumes the queue (event source mapping disabled or deleted, the
  // function unable to start), which raises no function error.
  {
    id: "SettleQueueStalledAlarm",
    metric: oldest("settle"),
    periodSeconds: FIVE_MINUTES,
    threshold: ONE_HOUR,
    evaluationPeriods: 3,
    description: "The oldest settle check has waited over an hour: the settle queue is not being consumed",
  },
  // The heartbeat proves itself: no HeartbeatPublished for 30 hours (five 6-hour periods, all empty) means the
  // schedule, the function or the health topic is broken. Missing data is the breach.
  {
    id: "HeartbeatMissingAlarm",
    metric: { kind: "published", namespace: METRICS_NAMESPACE, metricName: "HeartbeatPublished", service: "tamper" },
    periodSeconds: 6 * ONE_HOUR,
    evaluationPeriods: 5,
    datapointsToAlarm: 5,
    comparison: "below",
    missingData: "breaching",
    description: "No heartbeat reached the health topic for 30 hours: the tamper path (schedule, function, health topic) is broken",
  },
];

/** The alarm's name after the stack's name (tamper rules and the health topic's policy name alarms exactly). */
export function alarmNameSuffix(alarm: Pick<AlarmDescription, "id">): string {
  return alarm.id.replace(/Alarm$/, "");
}
