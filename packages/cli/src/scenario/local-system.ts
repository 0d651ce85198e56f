// The whole system on embedded parts, in this process: DynamoDB Local (Java), the SNS/SQS emulator, the EKS
// simulator, and the REAL Lambda handlers wired as the stack wires them: the simulator's CloudTrail events go
// through the deployed event pattern to `cluster-event`; settle checks go through an SQS queue (with its dead-letter
// queue) to `settle`; alerts are published to an SNS topic, and read back from an SQS queue subscribed to it, as a
// subscriber receives them. The handlers find everything through the environment, as in Lambda.
//
// Time: the simulator's clock is virtual (an endpoint update "takes" 10 minutes and ends when the clock is advanced).
// Settle checks are queued with no real delay; `advance` moves the clock, then runs one round of the checks waiting
// in the queue (a check whose change is still running goes back for the next round, as in AWS).
import { CreateTableCommand, DynamoDBClient, UpdateTimeToLiveCommand } from "@aws-sdk/client-dynamodb";
import { CreateTopicCommand, SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import { CreateQueueCommand, DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { Logger } from "@aws-lambda-powertools/logger";
import { DynamoStateStore, STATE_TABLE_KEY_SCHEMA } from "@eks-warden/core/aws/dynamodb";
import { ClusterInventory } from "@eks-warden/core/aws/inventory";
import { clusterEventPattern, matchesEventPattern } from "@eks-warden/core/event-pattern";
import { clusterArnOf, clusterOfResourceArn, partitionOfRegion } from "@eks-warden/core/arn";
import type { ClusterRef } from "@eks-warden/core/pipeline/ports";
import { evaluateLive } from "@eks-warden/core/pipeline/evaluate-live";
import type { StoredRuleState } from "@eks-warden/core/state/transitions";
import { startSimulator, type CloudTrailEvent, type Fleet, type Simulator } from "@eks-warden/simulator/index";
import { startEmbedded, type Embedded } from "@eks-warden/simulator/embedded/index";
import { createQueueWithDeadLetter, LocalEventRouter, LocalQueuePoller, type LambdaHandler, type LocalQueues } from "../local/runner.ts";
import { notificationFromSqsBody, type ReceivedNotification } from "../output/notifications.ts";

export interface LocalIdentity {
  readonly accessKeyId: string;
  readonly arn: string;
  readonly sourceIp?: string;
}

export interface LocalSystemOptions {
  readonly fleet: Fleet | string;
  /** The deployment policy as written (the handlers read it from POLICY and validate it). */
  readonly policy: Readonly<Record<string, unknown>>;
  /** Regions the sweep lists clusters in; default: every region of the fleet's clusters and its default region. */
  readonly regions?: readonly string[];
  readonly identities?: readonly LocalIdentity[];
  /** Port of the simulator (default: a free one). */
  readonly simulatorPort?: number;
  /** Show the handlers' Powertools logs (JSON lines on stdout). Default: silent. */
  readonly handlerLogs?: boolean;
}

export interface LocalSystem {
  readonly simulator: Simulator;
  readonly embedded: Embedded;
  readonly tableName: string;
  readonly topicArn: string;
  readonly alertsQueueUrl: string;
  readonly settleQueues: LocalQueues;
  readonly regions: readonly string[];
  /** Milliseconds from the call to everything being ready. */
  readonly startMs: number;
  /** Calls every mutating call the simulator served reach, in order, as CloudTrail events. */
  onCall(listener: (event: CloudTrailEvent) => void): void;
  /** Delivers the simulator's pending CloudTrail events through the event pattern to `cluster-event`. */
  deliverEvents(): Promise<CloudTrailEvent[]>;
  /** Moves the virtual clock, then runs one round of the settle checks waiting in the queue. */
  advance(ms: number): Promise<void>;
  /** One round of settle checks: every message waiting now, once. */
  settleRound(): Promise<number>;
  /** Evaluates every cluster of every region now, as the daily sweep does. */
  sweep(): Promise<ClusterRef[]>;
  /** Notifications the topic delivered to its subscriber queue since the last call, oldest first. */
  readNotifications(): Promise<ReceivedNotification[]>;
  /** The stored state of every cluster listed now or seen before (deleted ones too), and of the clusters named. */
  storedState(extra?: readonly string[]): Promise<StoredRuleState[]>;
  /** Settle checks that failed for good (dead-letter queue depth). */
  deadLetters(): Promise<number>;
  stop(): Promise<void>;
}

const SILENT_LOGGER = new Logger({ serviceName: "eks-warden-local", logLevel: "SILENT" });

async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<number> {
  const attributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["ApproximateNumberOfMessages"] }));
  return Number(attributes.Attributes?.["ApproximateNumberOfMessages"] ?? 0);
}

export async function startLocalSystem(options: LocalSystemOptions): Promise<LocalSystem> {
  const started = performance.now();
  const stack: (() => Promise<void>)[] = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stack.splice(0).reverse()) {
      try {
        await stop();
      } catch {
        // Keep stopping the rest: a part that fails to stop must not leave the others running.
      }
    }
  };
  try {
    // Both at once: DynamoDB Local's JVM start dominates, the simulator takes milliseconds.
    const [embedded, simulator] = await Promise.all([
      startEmbedded({ dynamodb: true, sns: true }),
      startSimulator({ fleet: options.fleet, ...(options.simulatorPort !== undefined && { port: options.simulatorPort }) }),
    ]);
    stack.push(() => embedded.stop(), () => simulator.stop());
    for (const identity of options.identities ?? []) {
      simulator.identities.register(identity.accessKeyId, { arn: identity.arn, ...(identity.sourceIp && { sourceIPAddress: identity.sourceIp }) });
    }
    const run = `${process.pid}-${Date.now().toString(36)}`;
    const tableName = `eks-warden-local-${run}`;
    // The handlers (and every SDK client here) find the parts through the environment, as in Lambda.
    Object.assign(process.env, embedded.env, simulator.env(), {
      POLICY: JSON.stringify(options.policy),
      TABLE_NAME: tableName,
      SETTLE_DELAY_SECONDS: "0",
      SETTLE_MAX_DELAY_SECONDS: "0",
      // Each round of checks re-queues an unfinished change once (instead of AWS's growing delays up to 5 minutes),
      // so more rounds are allowed before a change counts as stuck: 200 rounds of 30 virtual seconds outlast a
      // 40-minute version update.
      SETTLE_MAX_ATTEMPTS: "200",
      POWERTOOLS_METRICS_DISABLED: "true",
      POWERTOOLS_METRICS_NAMESPACE: "EksWardenLocal",
      ...(options.handlerLogs ? {} : { POWERTOOLS_LOG_LEVEL: "SILENT" }),
    });

    const dynamo = new DynamoDBClient({});
    const sqs = new SQSClient({});
    const sns = new SNSClient({});
    stack.push(async () => {
      dynamo.destroy();
      sqs.destroy();
      sns.destroy();
    });
    await dynamo.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [...STATE_TABLE_KEY_SCHEMA.AttributeDefinitions],
        KeySchema: [...STATE_TABLE_KEY_SCHEMA.KeySchema],
      }),
    );
    await dynamo.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: STATE_TABLE_KEY_SCHEMA.TimeToLiveAttribute, Enabled: true } }));
    const topic = await sns.send(new CreateTopicCommand({ Name: "eks-warden-alerts" }));
    const topicArn = topic.TopicArn!;
    const alertsQueueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: "eks-warden-alerts-subscriber" }))).QueueUrl!;
    const alertsQueueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: alertsQueueUrl, AttributeNames: ["QueueArn"] }))).Attributes!["QueueArn"]!;
    await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: "sqs", Endpoint: alertsQueueArn }));
    const settleQueues = await createQueueWithDeadLetter(sqs, "eks-warden-settle", { maxReceiveCount: 3, visibilityTimeoutSeconds: 30 });
    Object.assign(process.env, { ALERTS_TOPIC_ARN: topicArn, SETTLE_QUEUE_URL: settleQueues.queueUrl });

    // Imported only now: their Powertools logger and metrics read the environment when the module loads.
    const clusterEvent = (await import("@eks-warden/functions/cluster-event")) as unknown as { handler: LambdaHandler<unknown, unknown> };
    const settle = (await import("@eks-warden/functions/settle")) as unknown as { handler: ConstructorParameters<typeof LocalQueuePoller>[0]["handler"] };
    const { depsFromEnvironment } = await import("@eks-warden/functions/lib/runtime");
    const router = new LocalEventRouter({ matches: (event) => matchesEventPattern(clusterEventPattern, event), handler: clusterEvent.handler, functionName: "cluster-event" });
    const poller = new LocalQueuePoller({ sqs, queueUrl: settleQueues.queueUrl, queueArn: settleQueues.queueArn, handler: settle.handler, functionName: "settle" });
    const store = new DynamoStateStore({ tableName, client: dynamo });
    const inventory = new ClusterInventory();
    stack.push(async () => inventory.destroy());

    const regions =
      options.regions && options.regions.length > 0
        ? [...options.regions]
        : [...new Set([...simulator.store.all().map((cluster) => cluster.region), process.env.AWS_REGION ?? "us-east-1"])].sort();

    const pending: CloudTrailEvent[] = [];
    const callListeners: ((event: CloudTrailEvent) => void)[] = [];
    // Every cluster ever seen, so the final state also shows clusters deleted on the way (their records are closed).
    const knownArns = new Set<string>();
    simulator.onCloudTrailEvent((event) => {
      const parameters = event.detail.requestParameters ?? {};
      const name = typeof parameters["name"] === "string" ? parameters["name"] : typeof parameters["clusterName"] === "string" ? parameters["clusterName"] : undefined;
      const fromArn = typeof parameters["resourceArn"] === "string" ? clusterOfResourceArn(parameters["resourceArn"]) : undefined;
      if (!event.detail.errorCode && name) knownArns.add(clusterArnOf(partitionOfRegion(event.region), event.region, event.account, name));
      if (!event.detail.errorCode && fromArn) knownArns.add(clusterArnOf(fromArn.partition, fromArn.region, fromArn.account, fromArn.name));
      pending.push(event);
      for (const listener of callListeners) listener(event);
    });

    const system: LocalSystem = {
      simulator,
      embedded,
      tableName,
      topicArn,
      alertsQueueUrl,
      settleQueues,
      regions,
      startMs: performance.now() - started,
      onCall: (listener) => {
        callListeners.push(listener);
      },
      async deliverEvents() {
        const delivered: CloudTrailEvent[] = [];
        // A handler's own calls (remediation) emit events too: deliver until quiet.
        for (let round = 0; round < 10; round += 1) {
          simulator.clock.advance(0);
          // CloudTrail is never synchronous: the bus hands events over after the API reply, on a timer.
          await simulator.cloudTrail.idle();
          const events = pending.splice(0);
          if (events.length === 0) break;
          await router.deliverAll(events);
          delivered.push(...events);
        }
        return delivered;
      },
      async settleRound() {
        const waiting = await queueDepth(sqs, settleQueues.queueUrl);
        let handled = 0;
        while (handled < waiting) {
          const { received } = await poller.pollOnce();
          if (received === 0) break;
          handled += received;
        }
        return handled;
      },
      async advance(ms) {
        simulator.clock.advance(ms);
        await system.deliverEvents();
        await system.settleRound();
        await system.deliverEvents();
      },
      async sweep() {
        const deps = depsFromEnvironment(SILENT_LOGGER);
        const refs: ClusterRef[] = [];
        for (const region of regions) refs.push(...(await inventory.clusters(region)));
        for (const ref of refs) knownArns.add(ref.arn);
        for (const ref of refs) await evaluateLive(deps, ref, { trigger: "sweep" });
        return refs;
      },
      async readNotifications() {
        const received: ReceivedNotification[] = [];
        for (;;) {
          const page = await sqs.send(new ReceiveMessageCommand({ QueueUrl: alertsQueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
          const messages = page.Messages ?? [];
          if (messages.length === 0) break;
          received.push(...messages.map((message) => notificationFromSqsBody(message.Body ?? "{}")));
          await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: alertsQueueUrl, Entries: messages.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle! })) }));
        }
        return received;
      },
      async storedState(extra = []) {
        const arns = new Set<string>([...extra, ...knownArns]);
        for (const region of regions) for (const ref of await inventory.clusters(region)) arns.add(ref.arn);
        const records: StoredRuleState[] = [];
        for (const arn of [...arns].sort()) records.push(...(await store.readState(arn)));
        return records;
      },
      deadLetters: () => queueDepth(sqs, settleQueues.deadLetterQueueUrl),
      stop: stopAll,
    };
    return system;
  } catch (error) {
    await stopAll();
    throw error;
  }
}
