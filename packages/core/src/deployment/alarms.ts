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
  /** With `missedRunOf`, the window comes from the policy's schedule (alarmWindow), not from here. */
  readonly periodSeconds: number;
  /** A run that did not succeed: the window is the schedule's longest gap between runs plus a margin. */
  readonly missedRunOf?: ScheduledRunName;
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

/** The scheduled functions whose successful runs are counted (metric `<Name>Succeeded`, service `<name>`). */
export type ScheduledRunName = "sweep" | "digest";

const sent = (queue: QueueKey): QueueMetric => ({ kind: "queue", queue, metric: "NumberOfMessagesSent", statistic: "Sum" });
const oldest = (queue: QueueKey): QueueMetric => ({ kind: "queue", queue, metric: "ApproximateAgeOfOldestMessage", statistic: "Maximum" });

export const ALARMS: readonly AlarmDescription[] = [
  // The cluster-event dead-letter queue is fed by the event queue's redrive (which NumberOfMessagesSent does not
  // count, see SettleDeadLettersAlarm) and by EventBridge's SendMessage of what it could not deliver to the event
  // queue (which it counts): the largest of its growth, its consumer's receives and its sends.
  {
    id: "ClusterEventDeadLettersAlarm",
    metric: {
      kind: "expression",
      expression: "MAX([DIFF(FILL(visible, 0)), FILL(received, 0), FILL(sent, 0)])",
      label: "cluster-event dead letters added",
      inputs: {
        visible: { kind: "queue", queue: "clusterEventDeadLetters", metric: "ApproximateNumberOfMessagesVisible", statistic: "Maximum" },
        received: { kind: "queue", queue: "clusterEventDeadLetters", metric: "NumberOfMessagesReceived", statistic: "Sum" },
        sent: sent("clusterEventDeadLetters"),
      },
    },
    periodSeconds: FIVE_MINUTES,
    evaluationPeriods: 6,
    datapointsToAlarm: 1,
    description: "EKS events could not be processed and were parked in the cluster-event dead-letter queue",
  },
  // EventBridge's target dead-letter queue and Lambda's async-invoke dead-letter queue both SendMessage, which
  // NumberOfMessagesSent counts: one alarm per period with new dead letters, not a depth that stays in ALARM and
  // hides the next one.
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
    description: "The cluster-event function failed; the event queue retries the event, then parks it in its dead-letter queue",
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
  // An eventTime more than 5 minutes ahead is no clock skew: someone forged an event (pipeline/ports.ts
  // PipelineSettings.maxEventAheadSeconds). cluster-event drops it unstored and counts it as Event_future.
  {
    id: "FutureEventsAlarm",
    metric: { kind: "published", namespace: METRICS_NAMESPACE, metricName: "Event_future", service: "cluster-event" },
    periodSeconds: FIVE_MINUTES,
    description: "cluster-event received EKS events dated more than 5 minutes in the future (forged): dropped unstored, logged with their ids",
  },
  // The heartbeat rule is the only scheduled source the tamper function obeys: another scheduled event (an insider
  // invoking the function with a crafted one) is refused, sends nothing and is counted. Someone is probing the path.
  {
    id: "HeartbeatRejectedAlarm",
    metric: { kind: "published", namespace: METRICS_NAMESPACE, metricName: "HeartbeatRejected", service: "tamper" },
    periodSeconds: FIVE_MINUTES,
    description: "The tamper function refused a scheduled event that is not the stack's heartbeat rule (a forged invocation): nothing was sent, the logs name its source",
  },
  // Events are consumed within seconds: an hour-old one means nobody consumes the event queue (its event source
  // mapping disabled or deleted, the function unable to start), which raises no function error.
  {
    id: "ClusterEventQueueStalledAlarm",
    metric: oldest("clusterEvents"),
    periodSeconds: FIVE_MINUTES,
    threshold: ONE_HOUR,
    evaluationPeriods: 3,
    description: "The oldest EKS event has waited over an hour: the event queue is not being consumed",
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
  // A schedule that stops running, a function that fails every time, a disabled or deleted schedule: each leaves no
  // `<Name>Succeeded` (published by the function at the end of a run that completed). Missing data is the breach; the
  // window is the schedule's longest gap between runs plus a margin (alarmWindow).
  {
    id: "SweepMissedAlarm",
    metric: { kind: "published", namespace: METRICS_NAMESPACE, metricName: "SweepSucceeded", service: "sweep" },
    periodSeconds: 6 * ONE_HOUR,
    missedRunOf: "sweep",
    comparison: "below",
    missingData: "breaching",
    description: "No sweep completed within its schedule's period plus a margin: the schedule, the function or its reads are broken, and missed changes are not caught",
  },
  {
    id: "DigestMissedAlarm",
    metric: { kind: "published", namespace: METRICS_NAMESPACE, metricName: "DigestSucceeded", service: "digest" },
    periodSeconds: ONE_DAY,
    missedRunOf: "digest",
    comparison: "below",
    missingData: "breaching",
    description: "No digest completed within its schedule's period plus a margin: the weekly report was not sent",
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

/** CloudWatch's limit: an alarm evaluates at most 7 days (Period x EvaluationPeriods <= 604,800 s). */
const MAX_ALARM_WINDOW_SECONDS = 7 * ONE_DAY;

const RATE_UNIT_SECONDS: Readonly<Record<string, number>> = { minute: 60, hour: ONE_HOUR, day: ONE_DAY };
const WEEKDAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/** The days of the week a cron's day-of-week field names (1-7 or SUN-SAT, lists and ranges), or undefined if it says more. */
function weekdaysOf(field: string): Set<number> | undefined {
  const day = (text: string): number | undefined => {
    const index = WEEKDAYS.indexOf(text.toUpperCase());
    if (index >= 0) return index;
    return /^[1-7]$/.test(text) ? Number(text) - 1 : undefined;
  };
  const days = new Set<number>();
  for (const part of field.split(",")) {
    const [from, to, ...rest] = part.split("-");
    const start = from === undefined ? undefined : day(from);
    const end = to === undefined ? start : day(to);
    if (rest.length > 0 || start === undefined || end === undefined) return undefined;
    for (let index = start; ; index = (index + 1) % 7) {
      days.add(index);
      if (index === end) break;
    }
  }
  return days;
}

/**
 * The longest time between two runs of a schedule (policy.schedules, validated there), in seconds: a rate's interval;
 * a cron running every day (day-of-month and day-of-week `*` or `?`) a day at most; one on some days of the week the
 * longest gap between them; anything else (days of the month) a month.
 */
export function longestGapSeconds(expression: string): number {
  const rate = /^rate\((\d+) (minute|hour|day)s?\)$/.exec(expression);
  if (rate) return Number(rate[1]) * RATE_UNIT_SECONDS[rate[2]!]!;
  const [, , dayOfMonth, , dayOfWeek] = (/^cron\((.*)\)$/.exec(expression)?.[1] ?? "").trim().split(/\s+/);
  const everyDay = (field: string | undefined) => field === "*" || field === "?";
  if (everyDay(dayOfMonth) && everyDay(dayOfWeek)) return ONE_DAY;
  if (dayOfWeek !== undefined && dayOfWeek !== "?" && dayOfMonth === "?") {
    const days = [...(weekdaysOf(dayOfWeek) ?? [])].sort((left, right) => left - right);
    if (days.length === 0) return 7 * ONE_DAY;
    const gaps = days.map((current, index) => ((days[(index + 1) % days.length]! - current + 7) % 7 || 7));
    return Math.max(...gaps) * ONE_DAY;
  }
  return 31 * ONE_DAY;
}

/** An alarm's evaluation window: its period, how many, how many breaching. */
export interface AlarmWindow {
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm?: number;
}

/**
 * The window of an alarm as the policy's schedules make it. A missed-run alarm watches the schedule's longest gap plus
 * a margin: 6-hour periods for runs at most a day apart (a daily sweep: 30 hours), day-long periods beyond that, capped
 * at CloudWatch's 7 days (a weekly digest: the 7 whole UTC days before each midnight always hold one run, so a missed
 * run is reported the midnight after it was due). Runs further apart than a week cannot be watched: a clear error.
 */
export function alarmWindow(alarm: AlarmDescription, schedules: Readonly<Record<ScheduledRunName, string>>): AlarmWindow {
  if (!alarm.missedRunOf) {
    return { periodSeconds: alarm.periodSeconds, evaluationPeriods: alarm.evaluationPeriods ?? 1, ...(alarm.datapointsToAlarm !== undefined && { datapointsToAlarm: alarm.datapointsToAlarm }) };
  }
  const expression = schedules[alarm.missedRunOf];
  const gap = longestGapSeconds(expression);
  if (gap > MAX_ALARM_WINDOW_SECONDS) {
    throw new Error(
      `policy.schedules.${alarm.missedRunOf} ${JSON.stringify(expression)} can leave more than 7 days between runs, and CloudWatch watches at most 7 days for a run that did not happen: schedule it at least weekly`,
    );
  }
  const periodSeconds = gap <= ONE_DAY ? 6 * ONE_HOUR : ONE_DAY;
  const margin = periodSeconds;
  const evaluationPeriods = Math.min(MAX_ALARM_WINDOW_SECONDS / periodSeconds, Math.ceil((gap + margin) / periodSeconds));
  return { periodSeconds, evaluationPeriods, datapointsToAlarm: evaluationPeriods };
}
