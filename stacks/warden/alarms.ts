// The alarms of the description's table (@eks-warden/core/deployment ALARMS), built in one loop, each notifying the
// health topic; and the health topic's and key's permission for CloudWatch to do so, for these alarms alone.
import { Aws, Duration } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import * as iam from "aws-cdk-lib/aws-iam";
import { ALARMS, alarmNameSuffix, alarmWindow, type AlarmMetric, type QueueMetric } from "@eks-warden/core/deployment";
import type { StackNames, StateParts, WardenFunctions } from "./parts.ts";
import { TOPIC_PUBLISH_KEY_ACTIONS } from "./state.ts";

function queueMetric(input: QueueMetric, period: Duration, parts: StateParts): cloudwatch.Metric {
  return parts.queues[input.queue].metric(input.metric, { period, statistic: input.statistic });
}

function metricOf(watched: AlarmMetric, period: Duration, parts: StateParts, functions: WardenFunctions): cloudwatch.IMetric {
  switch (watched.kind) {
    case "queue":
      return queueMetric(watched, period, parts);
    case "functionErrors":
      return functions[watched.fn].fn.metricErrors({ period, statistic: "Sum" });
    case "published":
      return new cloudwatch.Metric({ namespace: watched.namespace, metricName: watched.metricName, dimensionsMap: { service: watched.service }, period, statistic: "Sum" });
    case "expression":
      return new cloudwatch.MathExpression({
        expression: watched.expression,
        usingMetrics: Object.fromEntries(Object.entries(watched.inputs).map(([name, input]) => [name, queueMetric(input, period, parts)])),
        period,
        label: watched.label,
      });
  }
}

/** Every alarm of the table; returns their names, which the tamper rules and the health topic's policy name exactly. */
export function buildAlarms(parts: StateParts, functions: WardenFunctions, names: StackNames): string[] {
  const health = new SnsAction(parts.topics.health);
  return ALARMS.map((alarm) => {
    const alarmName = names.alarm(alarmNameSuffix(alarm));
    const window = alarmWindow(alarm, parts.config.policy.schedules);
    const period = Duration.seconds(window.periodSeconds);
    const created = new cloudwatch.Alarm(parts.stack, alarm.id, {
      alarmName,
      metric: metricOf(alarm.metric, period, parts, functions),
      threshold: alarm.threshold ?? 1,
      evaluationPeriods: window.evaluationPeriods,
      ...(window.datapointsToAlarm !== undefined && { datapointsToAlarm: window.datapointsToAlarm }),
      comparisonOperator: alarm.comparison === "below" ? cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD : cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: alarm.missingData === "breaching" ? cloudwatch.TreatMissingData.BREACHING : cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: alarm.description,
    });
    created.addAlarmAction(health);
    return alarmName;
  });
}

function alarmArn(name: string): string {
  return `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:${name}`;
}

/** CloudWatch publishes to the health topic for this stack's alarms only, and uses its key for them only. */
export function letAlarmsPublish(parts: StateParts, alarmNames: readonly string[]): void {
  const { topics, keys } = parts;
  const fromTheseAlarms = {
    StringEquals: { "aws:SourceAccount": Aws.ACCOUNT_ID },
    ArnEquals: { "aws:SourceArn": alarmNames.map(alarmArn) },
  };
  topics.health.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: "ThisStacksAlarmsPublish",
      principals: [new iam.ServicePrincipal("cloudwatch.amazonaws.com")],
      actions: ["sns:Publish"],
      resources: [topics.health.topicArn],
      conditions: fromTheseAlarms,
    }),
  );
  keys.health.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: "ThisStacksAlarmsPublishToTheEncryptedTopic",
      principals: [new iam.ServicePrincipal("cloudwatch.amazonaws.com")],
      actions: TOPIC_PUBLISH_KEY_ACTIONS,
      resources: ["*"],
      conditions: fromTheseAlarms,
    }),
  );
}
