// The local system's queues, topics and handler environment, built from the deployment's description
// (@eks-warden/core/deployment) as stacks/ builds the stack from it: the same queues with the same redrive, delay and
// visibility timeout, the same topics (each read back by a subscriber queue, as an e-mail subscriber reads it), and
// the environment each function is told, resolved to the local parts.
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { CreateTopicCommand, SubscribeCommand, type SNSClient } from "@aws-sdk/client-sns";
import {
  environmentFor,
  FUNCTIONS,
  QUEUE_RETENTION_DAYS,
  queueKeysInCreationOrder,
  queueOf,
  SCHEDULES,
  TOPICS,
  type EnvironmentValues,
  type FunctionKey,
  type QueueDescription,
  type QueueKey,
  type ScheduleKey,
  type TopicKey,
} from "@eks-warden/core/deployment";
import type { PlumbingIntent } from "@eks-warden/core/tamper";

export interface LocalQueue {
  readonly url: string;
  readonly arn: string;
}

export interface LocalTopic {
  readonly arn: string;
  /** The queue subscribed to the topic: what a subscriber receives. */
  readonly subscriberQueueUrl: string;
  /** Its ARN: the topic's one subscription's endpoint (what the self-audit expects to find subscribed). */
  readonly subscriberQueueArn: string;
}

const DAY_SECONDS = 86_400;

/** A part's local name: the deployment's name and the part's key in kebab case, then the run's suffix. */
export function localName(key: string, suffix: string): string {
  return `eks-warden-${key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}${suffix}`;
}

/** The queue's attributes as SQS takes them, its redrive pointing at the local queue of its target. */
export function queueAttributes(description: QueueDescription, created: Partial<Record<QueueKey, LocalQueue>>): Record<string, string> {
  const attributes: Record<string, string> = {
    MessageRetentionPeriod: String(QUEUE_RETENTION_DAYS * DAY_SECONDS),
    DelaySeconds: String(description.deliveryDelaySeconds ?? 0),
  };
  if (description.visibilityTimeoutSeconds !== undefined) attributes["VisibilityTimeout"] = String(description.visibilityTimeoutSeconds);
  if (description.redrive) {
    const target = created[description.redrive.to];
    if (!target) throw new Error(`local system: queue ${description.id} redrives to ${description.redrive.to}, which does not exist yet`);
    attributes["RedrivePolicy"] = JSON.stringify({ deadLetterTargetArn: target.arn, maxReceiveCount: description.redrive.maxReceiveCount });
  }
  return attributes;
}

async function createQueue(sqs: SQSClient, name: string, attributes?: Record<string, string>): Promise<LocalQueue> {
  const url = (await sqs.send(new CreateQueueCommand({ QueueName: name, ...(attributes && { Attributes: attributes }) }))).QueueUrl!;
  const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["QueueArn"] }))).Attributes?.["QueueArn"];
  if (!arn) throw new Error(`local system: queue ${name} has no QueueArn attribute`);
  return { url, arn };
}

/** Every queue of the description, each after the queue it redrives to. */
export async function createQueues(sqs: SQSClient, suffix: string): Promise<Record<QueueKey, LocalQueue>> {
  const created: Partial<Record<QueueKey, LocalQueue>> = {};
  for (const key of queueKeysInCreationOrder()) created[key] = await createQueue(sqs, localName(key, suffix), queueAttributes(queueOf(key), created));
  return created as Record<QueueKey, LocalQueue>;
}

/** Every topic of the description, each with a subscriber queue. */
export async function createTopics(sns: SNSClient, sqs: SQSClient, suffix: string): Promise<Record<TopicKey, LocalTopic>> {
  const created: Partial<Record<TopicKey, LocalTopic>> = {};
  for (const key of Object.keys(TOPICS) as TopicKey[]) {
    const arn = (await sns.send(new CreateTopicCommand({ Name: localName(key, suffix) }))).TopicArn!;
    const subscriber = await createQueue(sqs, localName(`${key}Subscriber`, suffix));
    await sns.send(new SubscribeCommand({ TopicArn: arn, Protocol: "sqs", Endpoint: subscriber.arn }));
    created[key] = { arn, subscriberQueueUrl: subscriber.url, subscriberQueueArn: subscriber.arn };
  }
  return created as Record<TopicKey, LocalTopic>;
}

/** What a schedule's event names as its rule (or schedule) locally: the scheduled events' `resources`. */
export function localScheduleArn(key: ScheduleKey): string {
  return `local:${"policySchedule" in SCHEDULES[key].timing ? "schedule" : "rule"}/${SCHEDULES[key].id}`;
}

/**
 * What the self-audit checks locally. The emulators answer SNS (fauxqs: topic attributes, subscriptions and their
 * filter policies), so the topics' subscriptions are checked as in AWS. Nothing locally answers EventBridge
 * DescribeRule, Lambda GetEventSourceMapping, Scheduler GetSchedule, KMS DescribeKey or CloudTrail: the local system
 * plays those parts itself (its router, pollers and schedules run in process; the simulator's events stand for
 * CloudTrail), so they are reported as "not checked locally" with the reason, never as passing. The local topics
 * have no key and no policy (the emulator enforces neither), so those two are not checked either.
 */
export function localSelfAuditIntent(topics: Readonly<Record<TopicKey, LocalTopic>>): PlumbingIntent {
  const notChecked = (why: string) => ({ notChecked: `not checked locally: ${why}` });
  return {
    heartbeatArn: localScheduleArn("heartbeat"),
    rules: notChecked("no EventBridge emulator answers DescribeRule; the local router plays the rules"),
    eventSourceMappings: notChecked("no Lambda emulator answers GetEventSourceMapping; local pollers feed the functions"),
    schedules: notChecked("no EventBridge Scheduler emulator answers GetSchedule; the schedules run when asked"),
    topics: (Object.keys(TOPICS) as TopicKey[]).map((key) => ({
      name: key,
      arn: topics[key].arn,
      key: notChecked("the SNS emulator does not encrypt topics"),
      policy: notChecked("the SNS emulator keeps and enforces no topic policy"),
      subscriptions: [{ protocol: "sqs", endpoint: topics[key].subscriberQueueArn }],
    })),
    keys: notChecked("no KMS emulator answers DescribeKey"),
    trail: notChecked("no CloudTrail locally; the simulator's events stand for it"),
  };
}

/** What the description's values are locally. */
export interface LocalValues {
  readonly tableName: string;
  readonly reportBucket: string;
  /** The policy as JSON, as the handlers read it. */
  readonly policy: string;
  readonly historyRetentionDays: number;
  readonly remediationRoleArn: string;
  readonly queues: Readonly<Record<QueueKey, LocalQueue>>;
  readonly topics: Readonly<Record<TopicKey, LocalTopic>>;
}

/**
 * The environment of every function, resolved locally. The handlers share one process, so they share one environment:
 * a variable two functions are told differently could not be honoured, and stops the start.
 */
export function localEnvironment(local: LocalValues): Record<string, string> {
  const values: EnvironmentValues = {
    table: local.tableName,
    topicArn: (topic) => local.topics[topic].arn,
    queueUrl: (queue) => local.queues[queue].url,
    queueArn: (queue) => local.queues[queue].arn,
    reportBucket: local.reportBucket,
    policy: local.policy,
    historyRetentionDays: String(local.historyRetentionDays),
    remediationRoleArn: () => local.remediationRoleArn,
    // The local account is the monitor role's.
    deploymentAccount: /^arn:[\w-]+:iam::(\d{12}):/.exec(local.remediationRoleArn)?.[1] ?? "",
    selfAudit: () => JSON.stringify(localSelfAuditIntent(local.topics)),
  };
  const environment: Record<string, string> = {};
  for (const fn of Object.keys(FUNCTIONS) as FunctionKey[]) {
    for (const [name, value] of Object.entries(environmentFor(fn, values))) {
      if (environment[name] !== undefined && environment[name] !== value) throw new Error(`local system: ${fn} is told ${name}=${value}, another function ${environment[name]}`);
      environment[name] = value;
    }
  }
  return environment;
}
