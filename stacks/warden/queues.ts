// The queues of the description (@eks-warden/core/deployment QUEUES) with their redrive, and their own protection:
// who may send settle checks, who may delete messages, and that purge, delete and re-configuration are for the
// deployment alone (docs/threat-model.md, the queues).
import { Aws, Duration, Fn } from "aws-cdk-lib";
import type * as events from "aws-cdk-lib/aws-events";
import * as iam from "aws-cdk-lib/aws-iam";
import * as sqs from "aws-cdk-lib/aws-sqs";
import type { Stack } from "sst/constructs";
import {
  archiveOf,
  DEAD_LETTER_ROUTES,
  deadLetterQueueOf,
  FUNCTIONS,
  QUEUE_RETENTION_DAYS,
  queueKeysInCreationOrder,
  queueOf,
  type FunctionKey,
  type QueueKey,
} from "@eks-warden/core/deployment";
import type { WardenFunctions } from "./parts.ts";

/** Every queue of the description, each created after the queue it redrives to. */
export function buildQueues(stack: Stack): Record<QueueKey, sqs.Queue> {
  const built = new Map<QueueKey, sqs.Queue>();
  for (const key of queueKeysInCreationOrder()) {
    const description = queueOf(key);
    const redriveTo = description.redrive && built.get(description.redrive.to);
    if (description.redrive && !redriveTo) throw new Error(`queue ${description.id} redrives to ${description.redrive.to}, which is not built yet`);
    built.set(
      key,
      new sqs.Queue(stack, description.id, {
        // SSE with SQS-owned keys: encrypted at rest with no KMS grants to manage for EventBridge and Lambda.
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(QUEUE_RETENTION_DAYS),
        ...(description.deliveryDelaySeconds !== undefined && { deliveryDelay: Duration.seconds(description.deliveryDelaySeconds) }),
        ...(description.visibilityTimeoutSeconds !== undefined && { visibilityTimeout: Duration.seconds(description.visibilityTimeoutSeconds) }),
        ...(description.redrive && redriveTo && { deadLetterQueue: { queue: redriveTo, maxReceiveCount: description.redrive.maxReceiveCount } }),
      }),
    );
  }
  return Object.fromEntries(built) as Record<QueueKey, sqs.Queue>;
}

/**
 * Only the two real-time functions queue settle checks: a forged check cannot make settle judge a cluster on the
 * attacker's terms, and a flood of them cannot starve the real ones.
 */
export function onlyWardenQueuesSettleChecks(settleQueue: sqs.Queue, functions: WardenFunctions): void {
  settleQueue.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: "OnlyWardenFunctionsQueueSettleChecks",
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ["sqs:SendMessage"],
      resources: [settleQueue.queueArn],
      conditions: { ArnNotEquals: { "aws:PrincipalArn": [functions.clusterEvent.role.roleArn, functions.settle.role.roleArn] } },
    }),
  );
}

/** The SQS calls that drop or expose what a queue holds without a trace in the monitor (tamper rule `queue`). */
const QUEUE_MANAGEMENT_ACTIONS = ["sqs:PurgeQueue", "sqs:DeleteQueue", "sqs:SetQueueAttributes"];

/**
 * Who may still purge, delete or re-configure the stack's queues: the CloudFormation execution role the stack is
 * deployed with (SST's `cdk.cloudFormationExecutionRole`, else the CDK bootstrap's), so deployments and `sst remove`
 * keep working, and the account's root user, to break the glass if that role is ever lost.
 */
export function queueGuardians(stack: Stack): string[] {
  const synthesizer = stack.synthesizer as { readonly cloudFormationExecutionRoleArn?: string };
  const executionRole = "cloudFormationExecutionRoleArn" in synthesizer ? synthesizer.cloudFormationExecutionRoleArn : undefined;
  if (!executionRole) {
    throw new Error(
      `${stack.stackName}: the stack synthesizer names no CloudFormation execution role, and the queues' policies allow purge, delete and re-configuration to that role alone; deploy with the default (bootstrapped) synthesizer or set cdk.cloudFormationExecutionRole in sst.config.ts`,
    );
  }
  // The synthesizer's ARN carries CloudFormation placeholders (${AWS::Partition}, ${AWS::AccountId}) for the
  // deployment tooling to fill in; Fn::Sub fills them in the template.
  return [Fn.sub(executionRole), `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:root`];
}

/**
 * Someone with broad SQS rights could drop pending settle checks or dead letters: purge the queue, delete it, or
 * re-configure it (retention cut to a minute, redrive removed, this policy replaced). Denied here to everyone but the
 * guardians; the tamper rule `queue` reports every attempt, refused or not. Where the queue has one consumer, deleting
 * its messages is denied to everyone else too (an archive has none: redrive from it deletes as the operator).
 */
function guardQueue(target: sqs.Queue, guardians: readonly string[], consumer?: iam.IRole): void {
  target.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: "OnlyTheDeploymentManagesTheQueue",
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: QUEUE_MANAGEMENT_ACTIONS,
      resources: [target.queueArn],
      conditions: { ArnNotEquals: { "aws:PrincipalArn": [...guardians] } },
    }),
  );
  if (!consumer) return;
  target.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: "OnlyTheConsumerDeletesMessages",
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ["sqs:DeleteMessage"],
      resources: [target.queueArn],
      conditions: { ArnNotEquals: { "aws:PrincipalArn": [consumer.roleArn, ...guardians] } },
    }),
  );
}

/** Every queue guarded; a queue with a consumer in the description lets that consumer alone delete its messages. */
export function guardQueues(stack: Stack, queues: Readonly<Record<QueueKey, sqs.Queue>>, functions: WardenFunctions): void {
  const guardians = queueGuardians(stack);
  for (const key of queueKeysInCreationOrder()) {
    const consumer = queueOf(key).consumer;
    guardQueue(queues[key], guardians, consumer && functions[consumer.fn].role);
  }
}

/** What sends to the queues beside the functions: the rules feeding the event queue, the schedules' roles. */
export interface QueueSenders {
  /** The rules that send to the event queue: its only senders. */
  readonly eventQueueRules: readonly events.IRule[];
  /** EventBridge Scheduler's roles, by the function they invoke: they park failed invocations in its dead-letter queue. */
  readonly scheduleRoles: Partial<Record<FunctionKey, iam.IRole>>;
}

/** Whether the queue's policy lets some EventBridge rule send to it (the Allow CDK adds for a rule's target or dead-letter queue). */
function anEventRuleSendsTo(queue: sqs.Queue): boolean {
  // The queue's own policy (QueueBase keeps it private; addToResourcePolicy creates it as the child "Policy").
  const policy = queue.node.tryFindChild("Policy");
  const document = (policy instanceof sqs.QueuePolicy ? policy.document.toJSON() : undefined) as { Statement?: { Effect: string; Principal?: { Service?: unknown } }[] } | undefined;
  return (document?.Statement ?? []).some((statement) => statement.Effect === "Allow" && JSON.stringify(statement.Principal?.Service ?? "").includes("events.amazonaws.com"));
}

/** The roles that send to a queue: Lambda parks a function's failed asynchronous invocations with its role, Scheduler with its own, dead-letter archives. */
function sendingRoles(key: QueueKey, functions: WardenFunctions, senders: QueueSenders): iam.IRole[] {
  const roles: iam.IRole[] = [];
  for (const fn of Object.keys(FUNCTIONS) as FunctionKey[]) {
    const onFailure = (FUNCTIONS[fn] as { readonly onFailure?: { readonly deadLetterQueue: QueueKey } }).onFailure;
    if (onFailure?.deadLetterQueue !== key) continue;
    roles.push(functions[fn].role);
    const scheduleRole = senders.scheduleRoles[fn];
    if (scheduleRole && deadLetterQueueOf(fn) === key) roles.push(scheduleRole);
  }
  if (DEAD_LETTER_ROUTES.some((route) => archiveOf(route.queue) === key)) roles.push(functions.deadLetter.role);
  return roles;
}

/**
 * Only a queue's own senders may send to it (an explicit Deny binds principals of this account too, whatever their
 * IAM policies allow): the event queue only the rules that feed it (`aws:SourceArn`, set by EventBridge, never by a
 * caller), so no one can hand `cluster-event` a forged CloudTrail event; each dead-letter queue and archive only its
 * producers (the stack's rules whose dead-letter queue it is, the roles that park letters) and the deployment, so no
 * one can forge a dead-letter alert. SQS's own redrive is no SendMessage and needs no grant. Only SendMessage is
 * denied: the consumers' event source mappings receive and delete as before. The settle queue has its own statement
 * (onlyWardenQueuesSettleChecks).
 */
export function onlyProducersSend(stack: Stack, queues: Readonly<Record<QueueKey, sqs.Queue>>, functions: WardenFunctions, senders: QueueSenders): void {
  const guardians = queueGuardians(stack);
  const stackRules = `arn:${Aws.PARTITION}:events:${Aws.REGION}:${Aws.ACCOUNT_ID}:rule/${stack.stackName}-*`;
  for (const key of queueKeysInCreationOrder()) {
    if (key === "settle") continue;
    const queue = queues[key];
    if (key === "clusterEvents") {
      queue.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: "OnlyTheEventRulesSend",
          effect: iam.Effect.DENY,
          principals: [new iam.AnyPrincipal()],
          actions: ["sqs:SendMessage"],
          resources: [queue.queueArn],
          conditions: { ArnNotEquals: { "aws:SourceArn": senders.eventQueueRules.map((rule) => rule.ruleArn) } },
        }),
      );
      continue;
    }
    const roles = [...sendingRoles(key, functions, senders).map((role) => role.roleArn), ...guardians];
    queue.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: "OnlyTheProducersSend",
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ["sqs:SendMessage"],
        resources: [queue.queueArn],
        conditions: {
          ArnNotEquals: { "aws:PrincipalArn": roles },
          // The stack's rules park what they could not deliver here: named after the stack (StackNames.rule).
          ...(anEventRuleSendsTo(queue) && { ArnNotLike: { "aws:SourceArn": stackRules } }),
        },
      }),
    );
  }
}
