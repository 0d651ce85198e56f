// What feeds the functions: the event rules of the description (the EKS changes to the event queue, which
// `cluster-event` consumes), the organisation's central bus and its rule, and the schedules (sweep, digest, heartbeat).
// Every target parks what it could not deliver in its dead-letter queue.
import { Aws, CfnOutput, Duration } from "aws-cdk-lib";
import * as events from "aws-cdk-lib/aws-events";
import * as targets from "aws-cdk-lib/aws-events-targets";
import * as iam from "aws-cdk-lib/aws-iam";
import * as scheduler from "aws-cdk-lib/aws-scheduler";
import {
  deadLetterQueueOf,
  EVENT_RULES,
  RULE_TARGET_DELIVERY,
  SCHEDULE_TARGET_DELIVERY,
  SCHEDULES,
  scheduleExpression,
  type EventRuleDescription,
  type FunctionKey,
  type ScheduleDescription,
} from "@eks-warden/core/deployment";
import { centralEventBus, clusterEventRulePattern } from "../Organization.ts";
import type { StackNames, StateParts, WardenFunctions } from "./parts.ts";

export interface Ingestion {
  /** Every rule of the stack so far. */
  readonly rules: events.Rule[];
  /** The rules that send to the event queue (the description's and the organisation's): its only senders. */
  readonly eventQueueRules: events.Rule[];
  /** The roles of the EventBridge Scheduler schedules, by target function: they send to its dead-letter queue. */
  readonly scheduleRoles: Partial<Record<FunctionKey, iam.IRole>>;
  /** Their names, for the tamper rules that watch them. */
  readonly ruleNames: string[];
  /** The names of the EventBridge Scheduler schedules (sweep, digest), for the tamper rule that watches them. */
  readonly scheduleNames: string[];
  /** The organisation's central bus, named before it exists so the tamper rules can watch it. */
  readonly centralEventBusName?: string;
}

export function ruleTarget(fn: FunctionKey, parts: StateParts, functions: WardenFunctions): targets.LambdaFunction {
  const { retryAttempts, maxEventAgeHours } = RULE_TARGET_DELIVERY;
  return new targets.LambdaFunction(functions[fn].fn, { deadLetterQueue: parts.queues[deadLetterQueueOf(fn)], retryAttempts, maxEventAge: Duration.hours(maxEventAgeHours) });
}

/** An event rule's target: its queue, with EventBridge's retries, then the rule's dead-letter queue. */
export function queueTarget(description: EventRuleDescription, parts: StateParts): targets.SqsQueue {
  const { retryAttempts, maxEventAgeHours } = RULE_TARGET_DELIVERY;
  return new targets.SqsQueue(parts.queues[description.queue], { deadLetterQueue: parts.queues[description.deadLetterQueue], retryAttempts, maxEventAge: Duration.hours(maxEventAgeHours) });
}

/** The member accounts' forwarders put their EKS events on this bus; the same pattern, the same target. */
function organizationRule(parts: StateParts, names: StackNames, busName: string, organizationId: string): events.Rule {
  const { stack } = parts;
  const bus = centralEventBus(stack, busName, organizationId);
  const rule = new events.Rule(stack, "OrganizationClusterEventRule", {
    ruleName: names.rule("org-cluster-events"),
    eventBus: bus,
    description: "EKS changes forwarded from every member account and region -> cluster-event (pattern: @eks-warden/core/events)",
    eventPattern: clusterEventRulePattern(),
  });
  rule.addTarget(queueTarget(EVENT_RULES.clusterEvents, parts));
  new CfnOutput(stack, "CentralEventBusArn", { value: bus.eventBusArn, description: "The forwarder StackSet's parameter CentralEventBusArn" });
  return rule;
}

/**
 * An EventBridge Scheduler schedule invoking a function, with retries and a dead-letter queue. Its own role may invoke
 * exactly that function (no version wildcard) and send to exactly that queue.
 */
function schedulerSchedule(schedule: ScheduleDescription, parts: StateParts, functions: WardenFunctions): { role: iam.Role; schedule: scheduler.CfnSchedule } {
  const { stack, queues, config } = parts;
  const fn = functions[schedule.target].fn;
  const deadLetterQueue = queues[deadLetterQueueOf(schedule.target)];
  const role = new iam.Role(stack, `${schedule.id}Role`, {
    assumedBy: new iam.ServicePrincipal("scheduler.amazonaws.com", { conditions: { StringEquals: { "aws:SourceAccount": Aws.ACCOUNT_ID } } }),
  });
  role.addToPolicy(new iam.PolicyStatement({ sid: "InvokeTheFunction", actions: ["lambda:InvokeFunction"], resources: [fn.functionArn] }));
  role.addToPolicy(new iam.PolicyStatement({ sid: "ParkFailedInvocations", actions: ["sqs:SendMessage"], resources: [deadLetterQueue.queueArn] }));
  const made = new scheduler.CfnSchedule(stack, schedule.id, {
    description: schedule.description,
    scheduleExpression: scheduleExpression(schedule.timing, config.policy),
    scheduleExpressionTimezone: "UTC",
    flexibleTimeWindow: { mode: "OFF" },
    target: {
      arn: fn.functionArn,
      roleArn: role.roleArn,
      retryPolicy: { maximumRetryAttempts: SCHEDULE_TARGET_DELIVERY.retryAttempts, maximumEventAgeInSeconds: SCHEDULE_TARGET_DELIVERY.maxEventAgeHours * 3600 },
      deadLetterConfig: { arn: deadLetterQueue.queueArn },
    },
  });
  return { role, schedule: made };
}

/** The description's rules and schedules, and the organisation's bus when the configuration names one. */
export function buildIngestion(parts: StateParts, functions: WardenFunctions, names: StackNames): Ingestion {
  const { stack, config } = parts;
  const rules: events.Rule[] = [];
  const ruleNames: string[] = [];
  const eventQueueRules: events.Rule[] = [];
  const scheduleRoles: Partial<Record<FunctionKey, iam.IRole>> = {};
  const scheduleNames: string[] = [];
  for (const description of Object.values(EVENT_RULES) as EventRuleDescription[]) {
    const rule = new events.Rule(stack, description.id, {
      ruleName: names.rule(description.name),
      description: description.description,
      // The pattern is core's, verbatim.
      eventPattern: description.pattern as unknown as events.EventPattern,
    });
    rule.addTarget(queueTarget(description, parts));
    rules.push(rule);
    eventQueueRules.push(rule);
    ruleNames.push(names.rule(description.name));
  }
  for (const schedule of Object.values(SCHEDULES) as ScheduleDescription[]) {
    if ("policySchedule" in schedule.timing) {
      const made = schedulerSchedule(schedule, parts, functions);
      scheduleRoles[schedule.target] = made.role;
      // A schedule's Ref is its name.
      scheduleNames.push(made.schedule.ref);
      continue;
    }
    const rule = new events.Rule(stack, schedule.id, {
      ruleName: names.rule(schedule.ruleName ?? schedule.id),
      description: schedule.description,
      schedule: events.Schedule.expression(scheduleExpression(schedule.timing, config.policy)),
    });
    rule.addTarget(ruleTarget(schedule.target, parts, functions));
    rules.push(rule);
    ruleNames.push(names.rule(schedule.ruleName ?? schedule.id));
  }
  if (!config.organization) return { rules, ruleNames, eventQueueRules, scheduleRoles, scheduleNames };
  const centralEventBusName = `${stack.stackName}-central`;
  const organization = organizationRule(parts, names, centralEventBusName, config.organization.id);
  rules.push(organization);
  eventQueueRules.push(organization);
  ruleNames.push(names.rule("org-cluster-events"));
  return { rules, ruleNames, eventQueueRules, scheduleRoles, scheduleNames, centralEventBusName };
}
