// The whole system on embedded parts, in this process, assembled from the deployment's own constants
// (@eks-warden/core/deployment) so it cannot drift from the stack: DynamoDB Local (Java) with the stack's key schema
// and TTL attribute, the SNS/SQS emulator, the EKS simulator, and the REAL Lambda handlers wired as the stack wires
// them: the simulator's CloudTrail events (of every account and region of the fleet, as an organisation's forwarders
// deliver them to the central bus, whose rule has the same pattern) go through the deployed event pattern to
// `cluster-event` (with the stack's
// retries, then its dead-letter queue); settle checks go through an SQS queue with the stack's redrive count,
// visibility timeout and delivery delay to `settle`; alerts are published to an SNS topic, and read back from an SQS
// queue subscribed to it, as a subscriber receives them. The dead-letter queues of `cluster-event` and settle are
// drained by the real `dead-letter` handler into their archives, each letter announced on a health topic (read back
// the same way) as the stack does (`deadLetterRound`, run by `advance` and `deliverEvents`). The scheduled `sweep` and `digest` handlers run when asked
// (at start, on `evaluate` and `digest` steps), the digest writing its report to a bucket of the S3 emulator. The
// handlers find everything through the environment variables the stack sets (FUNCTION_ENV), as in Lambda.
//
// Time: the simulator's clock is virtual (an endpoint update "takes" 10 minutes and ends when the clock is advanced).
// Settle checks are queued with no real delay (SETTLE_DELAY_SECONDS=0, a message's own delay overrides the queue's);
// `advance` moves the clock, then runs one round of the checks waiting in the queue (a check whose change is still
// running goes back for the next round, as in AWS).
//
// One local system per process: the handler modules keep their adapters for the life of the process, as a Lambda
// execution environment does, so a second system would have them write to the first one's table.
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { CreateTableCommand, DynamoDBClient, QueryCommand, UpdateTimeToLiveCommand } from "@aws-sdk/client-dynamodb";
import * as eksSdk from "@aws-sdk/client-eks";
import { CreateTopicCommand, SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { ChangeMessageVisibilityBatchCommand, CreateQueueCommand, DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { DynamoStateStore } from "@eks-warden/core/aws/dynamodb";
import { EksCollector } from "@eks-warden/core/aws/eks";
import { ClusterInventory } from "@eks-warden/core/aws/inventory";
import { policyAccountCredentials } from "@eks-warden/core/aws/sts";
import { SnsNotifier } from "@eks-warden/core/aws/sns";
import { SqsSettleQueue } from "@eks-warden/core/aws/sqs";
import { clusterEventPattern, DEAD_LETTER_QUEUES, FUNCTION_ENV, HANDLERS, SCHEDULED_FUNCTION_TIMEOUT_SECONDS, SETTLE_QUEUE, STATE_TABLE_KEY_SCHEMA } from "@eks-warden/core/deployment";
import { matchesEventPattern } from "@eks-warden/core/event-pattern";
import { clusterArnOf, clusterOfResourceArn, partitionOfRegion } from "@eks-warden/core/arn";
import type { PipelineDeps, PipelineSettings } from "@eks-warden/core/pipeline/ports";
import type { ScheduledRun } from "@eks-warden/functions/lib/scheduled";
import { parsePolicy } from "@eks-warden/core/policy";
import type { StoredRuleState } from "@eks-warden/core/state/transitions";
import { listFleet } from "@eks-warden/core/sweep/sweep";
import { startSimulator, type CloudTrailEvent, type Fleet, type Simulator } from "@eks-warden/simulator/index";
import { startEmbedded } from "@eks-warden/simulator/embedded/index";
import { FAKE_CREDENTIALS } from "@eks-warden/simulator/embedded/credentials";
import { notificationFromSqsBody, type ReceivedNotification } from "./notifications.ts";
import { createQueueWithDeadLetter, localContext, LocalEventRouter, LocalQueuePoller, redriveAttributes, type LambdaHandler, type LocalQueues } from "./runner.ts";

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
  /**
   * Show the handlers' Powertools logs (JSON lines on stdout) from this level up: `true` is INFO. Default: silent,
   * whatever POWERTOOLS_LOG_LEVEL the process had.
   */
  readonly handlerLogs?: boolean | "DEBUG" | "INFO" | "WARN" | "ERROR";
  /**
   * DynamoDB Local and the SNS/SQS emulator: "start" own ones (default, stopped with the system), or use the ones
   * AWS_ENDPOINT_URL_DYNAMODB / _SNS / _SQS already point at (a test run's), whose resources get unique names.
   */
  readonly aws?: "start" | "environment";
}

/** Where each part answers: what the AWS CLI or an SDK needs (AWS_ENDPOINT_URL_<SERVICE>) to reach it. */
export interface LocalEndpoints {
  /** The EKS simulator; it also serves STS and SSM. */
  readonly eks: string;
  readonly dynamodb: string;
  readonly sns: string;
  readonly sqs: string;
  /** The S3 emulator holding the report bucket (buckets by path). */
  readonly s3: string;
}

/** Who makes a call to the simulator, and from where (CloudTrail's sourceIPAddress and userAgent). */
export interface EksCaller {
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly region?: string;
  readonly sourceIp?: string;
  readonly userAgent?: string;
}

/** Called for every command an SDK client of pipelineDeps() sends (once per logical call: retries are not counted). */
export type CommandObserver = (service: "dynamodb" | "eks" | "sns" | "sqs", command: string) => void;

export interface PipelineDepsOptions {
  readonly onCommand?: CommandObserver;
  readonly now?: () => Date;
  readonly settings?: Partial<PipelineSettings>;
}

/** Who the monitor is to the simulator: the role of the remediating function and the session its calls are signed as. */
export interface LocalMonitorIdentity {
  /** REMEDIATION_ROLE_ARN of the handlers. */
  readonly roleArn: string;
  /** The CloudTrail identity (assumed-role session) of the handlers' EKS calls: count the monitor's calls by it. */
  readonly sessionArn: string;
}

export interface LocalSystem {
  readonly simulator: Simulator;
  readonly monitor: LocalMonitorIdentity;
  readonly endpoints: LocalEndpoints;
  /** The region the local AWS parts sign for and put in ARNs. */
  readonly region: string;
  readonly tableName: string;
  readonly topicArn: string;
  readonly alertsQueueUrl: string;
  readonly settleQueues: LocalQueues;
  /** Where cluster-event invocations that failed every attempt go, as the stack's ClusterEventDeadLetterQueue. */
  readonly clusterEventDeadLetterQueueUrl: string;
  /** Where the dead letters of cluster-event and settle are kept for redrive once announced (the stack's archives). */
  readonly deadLetterArchiveUrls: { readonly clusterEvent: string; readonly settle: string };
  /** The health topic: tamper alerts, alarms, and one alert per dead letter. */
  readonly healthTopicArn: string;
  readonly regions: readonly string[];
  /** EventBridge + cluster-event, locally: deliver one event (tests deliver recorded or malformed events through it). */
  readonly router: LocalEventRouter;
  /** The settle queue's event source mapping, locally. */
  readonly poller: LocalQueuePoller;
  /** The report bucket (in the S3 emulator) the digest writes to. */
  readonly reportBucket: string;
  /** The real cluster-event handler, for calling it directly (as Lambda would, with a local context). */
  readonly clusterEventHandler: LambdaHandler<unknown, unknown>;
  /** Milliseconds from the call to everything being ready. */
  readonly startMs: number;
  /** Calls every mutating call the simulator served reach, in order, as CloudTrail events. */
  onCall(listener: (event: CloudTrailEvent) => void): void;
  /** The CloudTrail events emitted since the last take or delivery, no longer to be delivered by deliverEvents. */
  takeEvents(): Promise<CloudTrailEvent[]>;
  /** Delivers the simulator's pending CloudTrail events through the event pattern to `cluster-event`. */
  deliverEvents(): Promise<CloudTrailEvent[]>;
  /** Moves the virtual clock, then runs one round of the settle checks waiting in the queue. */
  advance(ms: number): Promise<void>;
  /** One round of settle checks: every message waiting now, once. */
  settleRound(): Promise<number>;
  /** Runs the deployed `sweep` handler now, as its daily schedule does (every cluster of every region). */
  sweep(): Promise<ScheduledRun>;
  /** Runs the deployed `digest` handler now, as its weekly schedule does: the message reaches the topic's subscriber. */
  digest(): Promise<ScheduledRun>;
  /** The objects of the report bucket: key -> body. */
  reports(): Promise<Map<string, string>>;
  /** Notifications the topic delivered to its subscriber queue since the last call, oldest first. */
  readNotifications(): Promise<ReceivedNotification[]>;
  /** Notifications the health topic delivered to its subscriber queue since the last call, oldest first. */
  readHealthNotifications(): Promise<ReceivedNotification[]>;
  /**
   * The dead-letter function's event source mappings, locally: every letter waiting in the dead-letter queues of
   * cluster-event and settle is handed to the real handler (announced, archived, deleted). Returns the letters handled.
   */
  deadLetterRound(): Promise<number>;
  /** The stored state of every cluster listed now or seen before (deleted ones too), and of the clusters named. */
  storedState(extra?: readonly string[]): Promise<StoredRuleState[]>;
  /** The stored state of one cluster, every rule. */
  readState(clusterArn: string): Promise<StoredRuleState[]>;
  /** How many items of the state table have this partition key (e.g. EVENT#<id>, an event's idempotency claim). */
  countItems(partitionKey: string): Promise<number>;
  /** Settle checks that failed for good (dead-letter queue and archive). */
  deadLetters(): Promise<number>;
  /** Bodies of the settle checks parked in the dead-letter queue or kept in its archive (read and left there). */
  settleDeadLetterBodies(): Promise<string[]>;
  /** cluster-event invocations parked in its dead-letter queue or kept in its archive (read and left there). */
  clusterEventDeadLetters(): Promise<ParkedEvent[]>;
  /** The letters kept in a dead-letter archive for redrive (read and left there), with their attributes. */
  deadLetterArchive(source: "cluster-event" | "settle"): Promise<PeekedMessage[]>;
  /** Bodies of up to `max` settle checks ready now, received as the event source mapping would (not deleted). */
  receiveSettleChecks(max: number): Promise<string[]>;
  /** The settle queue's attributes as SQS reports them (RedrivePolicy, VisibilityTimeout, DelaySeconds, ...). */
  settleQueueAttributes(): Promise<Record<string, string>>;
  /**
   * Calls an EKS operation the simulator serves, through the real EKS SDK client, signed as the caller (default: an
   * anonymous user of the fleet's default account), exactly as the AWS CLI would. One attempt: the answer is what
   * EKS said, not what a retry made of it. SDK errors are thrown as they are (their `name` is EKS's error code).
   */
  callEks(operation: string, input: Readonly<Record<string, unknown>>, caller?: EksCaller): Promise<Record<string, unknown>>;
  /** The use-cases' ports wired to this system's table, topic, queue and simulator, with clients of their own. */
  pipelineDeps(options?: PipelineDepsOptions): PipelineDeps;
  stop(): Promise<void>;
}

/** A cluster event in the cluster-event dead-letter queue or its archive: what Lambda parked. */
export interface ParkedEvent {
  readonly event: unknown;
  /** Lambda's ErrorMessage attribute: the last attempt's error. */
  readonly error: string;
  /** Lambda's RequestID attribute. */
  readonly requestId: string;
}

/** The role name the local handlers act as (the deployed stack's is the Settle function's role). */
const LOCAL_MONITOR_ROLE = "eks-warden-local-settle";
const ANONYMOUS = { accessKeyId: "AKIASCENARIOANONYMOU", secretAccessKey: "anonymous" };

/**
 * Each round of checks re-queues an unfinished change once (instead of AWS's growing delays up to 5 minutes), so more
 * rounds are allowed before a change counts as stuck: 200 rounds of 30 virtual seconds outlast a 40-minute update.
 */
const LOCAL_SETTLE_MAX_ATTEMPTS = 200;

let started = false;

const REPOSITORY_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/**
 * The handler the stack deploys, found by its own SST handler path: "packages/functions/src/settle.handler" is the
 * export `handler` of packages/functions/src/settle.ts (the file esbuild bundles for Lambda).
 */
async function importHandler<E, R>(sstHandler: string): Promise<LambdaHandler<E, R>> {
  const dot = sstHandler.lastIndexOf(".");
  const file = join(REPOSITORY_ROOT, `${sstHandler.slice(0, dot)}.ts`);
  const exportName = sstHandler.slice(dot + 1);
  const handler = ((await import(pathToFileURL(file).href)) as Record<string, unknown>)[exportName];
  if (typeof handler !== "function") throw new Error(`local system: ${sstHandler}: ${file} exports no function ${exportName}`);
  return handler as LambdaHandler<E, R>;
}

async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<number> {
  const attributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["ApproximateNumberOfMessages"] }));
  return Number(attributes.Attributes?.["ApproximateNumberOfMessages"] ?? 0);
}

/** A message as read: its body and string attributes. */
export interface PeekedMessage {
  readonly body: string;
  readonly attributes: Readonly<Record<string, string>>;
}

/**
 * Every message ready in a queue now, read without deleting and made visible again at once (as a person looking at
 * the queue in the console would: each read counts as a receive, towards a redrive policy's maxReceiveCount).
 */
async function peekAll(sqs: SQSClient, queueUrl: string): Promise<PeekedMessage[]> {
  const peeked: PeekedMessage[] = [];
  const handles: string[] = [];
  try {
    for (;;) {
      const page = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageAttributeNames: ["All"] }));
      const messages = page.Messages ?? [];
      if (messages.length === 0) return peeked;
      for (const message of messages) {
        handles.push(message.ReceiptHandle!);
        const attributes = Object.entries(message.MessageAttributes ?? {}).flatMap(([name, value]) => (value.StringValue === undefined ? [] : [[name, value.StringValue] as const]));
        peeked.push({ body: message.Body ?? "", attributes: Object.fromEntries(attributes) });
      }
    }
  } finally {
    for (let start = 0; start < handles.length; start += 10) {
      const entries = handles.slice(start, start + 10).map((handle, index) => ({ Id: String(index), ReceiptHandle: handle, VisibilityTimeout: 0 }));
      await sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
    }
  }
}

/** Notifications a topic delivered to its subscriber queue, oldest first, deleted once read. */
async function readSubscriberQueue(sqs: SQSClient, queueUrl: string): Promise<ReceivedNotification[]> {
  const received: ReceivedNotification[] = [];
  for (;;) {
    const page = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    const messages = page.Messages ?? [];
    if (messages.length === 0) break;
    received.push(...messages.map((message) => notificationFromSqsBody(message.Body ?? "{}")));
    await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: messages.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle! })) }));
  }
  return received;
}

interface Middlewared {
  readonly middlewareStack: { add(middleware: never, options: { step: "initialize"; name: string }): void };
}

/** Reports every command the client sends, at the initialize step: once per logical call, before any retry. */
function observed<T extends Middlewared>(client: T, service: Parameters<CommandObserver>[0], onCommand: CommandObserver | undefined): T {
  if (!onCommand) return client;
  const middleware = (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => (args: unknown) => {
    onCommand(service, (context.commandName ?? "unknown").replace(/Command$/, ""));
    return next(args);
  };
  client.middlewareStack.add(middleware as never, { step: "initialize", name: "localObserveCommands" });
  return client;
}

function environmentEndpoints(): { dynamodb: string; sns: string; sqs: string; s3: string } {
  const dynamodb = process.env["AWS_ENDPOINT_URL_DYNAMODB"];
  const sns = process.env["AWS_ENDPOINT_URL_SNS"];
  const sqs = process.env["AWS_ENDPOINT_URL_SQS"];
  const s3 = process.env["AWS_ENDPOINT_URL_S3"];
  if (!dynamodb || !sns || !sqs || !s3) throw new Error("local system: aws \"environment\" needs AWS_ENDPOINT_URL_DYNAMODB, _SNS, _SQS and _S3 to be set");
  return { dynamodb, sns, sqs, s3 };
}

export async function startLocalSystem(options: LocalSystemOptions): Promise<LocalSystem> {
  if (started) throw new Error("local system: one per process (the handlers keep their adapters for the life of the process, as in Lambda)");
  const startedAt = performance.now();
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
    const ownAws = (options.aws ?? "start") === "start";
    // Both at once: DynamoDB Local's JVM start dominates, the simulator takes milliseconds.
    const [embedded, simulator] = await Promise.all([
      ownAws ? startEmbedded({ dynamodb: true, sns: true, s3: true }) : Promise.resolve(undefined),
      startSimulator({ fleet: options.fleet, ...(options.simulatorPort !== undefined && { port: options.simulatorPort }) }),
    ]);
    if (embedded) stack.push(() => embedded.stop());
    stack.push(() => simulator.stop());
    for (const identity of options.identities ?? []) {
      simulator.identities.register(identity.accessKeyId, { arn: identity.arn, ...(identity.sourceIp && { sourceIPAddress: identity.sourceIp }) });
    }
    const aws = embedded ? { dynamodb: embedded.endpoints.dynamodb!, sns: embedded.endpoints.sns!, sqs: embedded.endpoints.sqs!, s3: embedded.endpoints.s3! } : environmentEndpoints();
    const run = `${process.pid}-${Date.now().toString(36)}`;
    // Own emulators hold only this system's resources; shared ones (a test run's) need names no other test uses.
    const suffix = embedded ? "" : `-${run}`;
    const tableName = `eks-warden-local-${run}`;
    const reportBucket = `eks-warden-reports-${run}`.toLowerCase().slice(0, 63);
    const region = embedded?.region ?? process.env["AWS_REGION"] ?? "us-east-1";
    // The regions the scheduled functions read are the policy's (as deployed): the ones given, else the fleet's.
    const regions =
      options.regions && options.regions.length > 0
        ? [...options.regions]
        : [...new Set([...simulator.store.all().map((cluster) => cluster.region), region])].sort();
    // The handlers (and every SDK client here) find the parts through the environment, as in Lambda.
    Object.assign(process.env, embedded?.env ?? {}, simulator.env(), {
      [FUNCTION_ENV.policy]: JSON.stringify({ ...options.policy, regions }),
      [FUNCTION_ENV.tableName]: tableName,
      [FUNCTION_ENV.reportBucket]: reportBucket,
      [FUNCTION_ENV.reportBucketPathStyle]: "true",
      [FUNCTION_ENV.settleDelaySeconds]: "0",
      [FUNCTION_ENV.settleMaxDelaySeconds]: "0",
      [FUNCTION_ENV.settleMaxAttempts]: String(LOCAL_SETTLE_MAX_ATTEMPTS),
      POWERTOOLS_METRICS_DISABLED: "true",
      [FUNCTION_ENV.metricsNamespace]: "EksWardenLocal",
      POWERTOOLS_LOG_LEVEL: options.handlerLogs === true ? "INFO" : options.handlerLogs || "SILENT",
    });
    // The handlers sign their EKS calls with this process's access key: to the simulator it is a session of the
    // remediating function's role, as in Lambda, so the monitor's own CloudTrail events are recognisably its own.
    const monitorAccount = simulator.identities.defaultAccount;
    const monitor: LocalMonitorIdentity = {
      roleArn: `arn:aws:iam::${monitorAccount}:role/${LOCAL_MONITOR_ROLE}`,
      sessionArn: `arn:aws:sts::${monitorAccount}:assumed-role/${LOCAL_MONITOR_ROLE}/${HANDLERS.settle.name}`,
    };
    simulator.identities.register(process.env["AWS_ACCESS_KEY_ID"] ?? FAKE_CREDENTIALS.accessKeyId, { arn: monitor.sessionArn });
    process.env[FUNCTION_ENV.remediationRoleArn] = monitor.roleArn;

    const dynamo = new DynamoDBClient({});
    const sqs = new SQSClient({});
    const sns = new SNSClient({});
    const s3 = new S3Client({ forcePathStyle: true });
    const ownClients: { destroy(): void }[] = [dynamo, sqs, sns, s3];
    stack.push(async () => {
      for (const client of ownClients) client.destroy();
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
    await s3.send(new CreateBucketCommand({ Bucket: reportBucket }));
    const topic = await sns.send(new CreateTopicCommand({ Name: `eks-warden-alerts${suffix}` }));
    const topicArn = topic.TopicArn!;
    const alertsQueueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `eks-warden-alerts-subscriber${suffix}` }))).QueueUrl!;
    const alertsQueueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: alertsQueueUrl, AttributeNames: ["QueueArn"] }))).Attributes!["QueueArn"]!;
    await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: "sqs", Endpoint: alertsQueueArn }));
    const healthTopicArn = (await sns.send(new CreateTopicCommand({ Name: `eks-warden-health${suffix}` }))).TopicArn!;
    const healthQueueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `eks-warden-health-subscriber${suffix}` }))).QueueUrl!;
    const healthQueueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: healthQueueUrl, AttributeNames: ["QueueArn"] }))).Attributes!["QueueArn"]!;
    await sns.send(new SubscribeCommand({ TopicArn: healthTopicArn, Protocol: "sqs", Endpoint: healthQueueArn }));
    // As the stack: each dead-letter queue redrives into its archive, the settle queue into its dead-letter queue.
    const deadLetterSettings = { ...DEAD_LETTER_QUEUES, deliveryDelaySeconds: 0 };
    const settleArchiveUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `eks-warden-settle-dlq-archive${suffix}` }))).QueueUrl!;
    const settleArchiveArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: settleArchiveUrl, AttributeNames: ["QueueArn"] }))).Attributes!["QueueArn"]!;
    const settleQueues = await createQueueWithDeadLetter(sqs, `eks-warden-settle${suffix}`, SETTLE_QUEUE, {
      attributes: redriveAttributes(settleArchiveArn, { ...DEAD_LETTER_QUEUES, maxReceiveCount: DEAD_LETTER_QUEUES.settleMaxReceiveCount }),
    });
    const clusterEventDeadLetterQueues = await createQueueWithDeadLetter(sqs, `eks-warden-cluster-event-dlq${suffix}`, deadLetterSettings, {
      name: `eks-warden-cluster-event-dlq-archive${suffix}`,
    });
    const clusterEventDeadLetterQueueUrl = clusterEventDeadLetterQueues.queueUrl;
    const deadLetterArchiveUrls = { clusterEvent: clusterEventDeadLetterQueues.deadLetterQueueUrl, settle: settleArchiveUrl };
    Object.assign(process.env, {
      [FUNCTION_ENV.alertsTopicArn]: topicArn,
      [FUNCTION_ENV.settleQueueUrl]: settleQueues.queueUrl,
      [FUNCTION_ENV.healthTopicArn]: healthTopicArn,
      [FUNCTION_ENV.clusterEventDeadLetterQueueArn]: clusterEventDeadLetterQueues.queueArn,
      [FUNCTION_ENV.clusterEventDeadLetterArchiveUrl]: deadLetterArchiveUrls.clusterEvent,
      [FUNCTION_ENV.settleDeadLetterQueueArn]: settleQueues.deadLetterQueueArn,
      [FUNCTION_ENV.settleDeadLetterArchiveUrl]: deadLetterArchiveUrls.settle,
    });

    // Imported only now: their Powertools logger and metrics read the environment when the module loads. From here on
    // the handlers are bound to this system's resources.
    started = true;
    const clusterEventHandler = await importHandler<unknown, unknown>(HANDLERS.clusterEvent.handler);
    const settleHandler = await importHandler<SQSEvent, SQSBatchResponse | void>(HANDLERS.settle.handler);
    const sweepHandler = await importHandler<unknown, ScheduledRun>(HANDLERS.sweep.handler);
    const digestHandler = await importHandler<unknown, ScheduledRun>(HANDLERS.digest.handler);
    const deadLetterHandler = await importHandler<SQSEvent, SQSBatchResponse | void>(HANDLERS.deadLetter.handler);
    // What EventBridge Scheduler hands a scheduled function (the handlers read nothing of it).
    const scheduledEvent = (name: string) => ({ source: "aws.scheduler", "detail-type": "Scheduled Event", time: new Date().toISOString(), resources: [`local:schedule/${name}`], detail: {} });
    const router = new LocalEventRouter({
      matches: (event) => matchesEventPattern(clusterEventPattern, event),
      handler: clusterEventHandler,
      functionName: HANDLERS.clusterEvent.name,
      // What Lambda parks after an asynchronous invocation's last retry: the event as it was, and why in attributes
      // (ErrorCode is the invocation's status, 200 for a function error).
      onDeadLetter: async (letter) => {
        const attribute = (value: string) => ({ DataType: "String", StringValue: value });
        await sqs.send(
          new SendMessageCommand({
            QueueUrl: clusterEventDeadLetterQueueUrl,
            MessageBody: JSON.stringify(letter.event),
            MessageAttributes: { RequestID: attribute(letter.requestId), ErrorCode: attribute("200"), ErrorMessage: attribute(letter.error) },
          }),
        );
      },
    });
    const poller = new LocalQueuePoller({ sqs, queueUrl: settleQueues.queueUrl, queueArn: settleQueues.queueArn, handler: settleHandler, functionName: HANDLERS.settle.name });
    const deadLetterPollers = [
      { queueUrl: clusterEventDeadLetterQueueUrl, queueArn: clusterEventDeadLetterQueues.queueArn },
      { queueUrl: settleQueues.deadLetterQueueUrl, queueArn: settleQueues.deadLetterQueueArn },
    ].map((queue) => new LocalQueuePoller({ sqs, ...queue, handler: deadLetterHandler, functionName: HANDLERS.deadLetter.name, batchSize: DEAD_LETTER_QUEUES.batchSize }));
    const store = new DynamoStateStore({ tableName, client: dynamo });
    // The member accounts of the policy are read as the handlers read them: through their roles (the simulator's STS
    // maps each session to the role's account); an account whose role cannot be assumed is simply not listed here.
    const accountCredentials = () => policyAccountCredentials(parsePolicy(options.policy), { remediation: true, sessionName: "eks-warden-local", region });
    const inventoryAccounts = accountCredentials();
    const inventory = new ClusterInventory({ eks: new EksCollector({ accounts: inventoryAccounts }) });
    stack.push(async () => {
      inventory.eks.destroy();
      inventoryAccounts.destroy();
    });
    /** Every cluster of the own account and of the member accounts that can be read, in every region. */
    // The sweep's own listing (every account x region): a member account that cannot be read is the sweep's to report;
    // here it only shows fewer clusters. The local account always answers, so its failure is a fault of the run.
    const listEverywhere = async (): Promise<string[]> => {
      let ownAccountFailure: unknown;
      const fleet = await listFleet(inventory, {
        regions,
        accounts: inventoryAccounts.members,
        onRegion: (outcome, error) => {
          if (outcome.account === undefined && error !== undefined) ownAccountFailure ??= error;
        },
      });
      if (ownAccountFailure !== undefined) throw ownAccountFailure;
      return fleet.clusters.map((ref) => ref.arn);
    };


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

    const takeEvents = async (): Promise<CloudTrailEvent[]> => {
      simulator.clock.advance(0);
      // CloudTrail is never synchronous: the bus hands events over after the API reply, on a timer.
      await simulator.cloudTrail.idle();
      return pending.splice(0);
    };

    const system: LocalSystem = {
      simulator,
      monitor,
      endpoints: { eks: simulator.url, ...aws },
      region,
      tableName,
      topicArn,
      alertsQueueUrl,
      settleQueues,
      clusterEventDeadLetterQueueUrl,
      deadLetterArchiveUrls,
      healthTopicArn,
      reportBucket,
      regions,
      router,
      poller,
      clusterEventHandler,
      startMs: performance.now() - startedAt,
      onCall: (listener) => {
        callListeners.push(listener);
      },
      takeEvents,
      async deliverEvents() {
        const delivered: CloudTrailEvent[] = [];
        // A handler's own calls (remediation) emit events too: deliver until quiet.
        for (let round = 0; round < 10; round += 1) {
          const events = await takeEvents();
          if (events.length === 0) break;
          await router.deliverAll(events);
          delivered.push(...events);
        }
        await system.deadLetterRound();
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
      async deadLetterRound() {
        let handled = 0;
        // A letter whose alert fails is retried on the next poll, and moved to the archive by SQS after
        // maxReceiveCount receives: drain() polls until nothing is ready, bounded.
        for (const deadLetterPoller of deadLetterPollers) handled += await deadLetterPoller.drain(DEAD_LETTER_QUEUES.maxReceiveCount * 4);
        return handled;
      },
      async sweep() {
        const result = await sweepHandler(scheduledEvent(HANDLERS.sweep.name), localContext(HANDLERS.sweep.name, SCHEDULED_FUNCTION_TIMEOUT_SECONDS));
        for (const arn of await listEverywhere()) knownArns.add(arn);
        return result;
      },
      async digest() {
        return digestHandler(scheduledEvent(HANDLERS.digest.name), localContext(HANDLERS.digest.name, SCHEDULED_FUNCTION_TIMEOUT_SECONDS));
      },
      async reports() {
        const objects = new Map<string, string>();
        let token: string | undefined;
        do {
          const page = await s3.send(new ListObjectsV2Command({ Bucket: reportBucket, ...(token ? { ContinuationToken: token } : {}) }));
          for (const object of page.Contents ?? []) {
            const body = await s3.send(new GetObjectCommand({ Bucket: reportBucket, Key: object.Key! }));
            objects.set(object.Key!, await body.Body!.transformToString());
          }
          token = page.NextContinuationToken;
        } while (token);
        return objects;
      },
      readNotifications: () => readSubscriberQueue(sqs, alertsQueueUrl),
      readHealthNotifications: () => readSubscriberQueue(sqs, healthQueueUrl),
      async storedState(extra = []) {
        const arns = new Set<string>([...extra, ...knownArns]);
        for (const arn of await listEverywhere()) arns.add(arn);
        const records: StoredRuleState[] = [];
        for (const arn of [...arns].sort()) records.push(...(await store.readState(arn)));
        return records;
      },
      readState: (clusterArn) => store.readState(clusterArn),
      async countItems(partitionKey) {
        const [partition] = STATE_TABLE_KEY_SCHEMA.KeySchema;
        const result = await dynamo.send(
          new QueryCommand({ TableName: tableName, KeyConditionExpression: "#pk = :pk", ExpressionAttributeNames: { "#pk": partition.AttributeName }, ExpressionAttributeValues: { ":pk": { S: partitionKey } }, Select: "COUNT" }),
        );
        return result.Count ?? 0;
      },
      deadLetters: async () => (await queueDepth(sqs, settleQueues.deadLetterQueueUrl)) + (await queueDepth(sqs, settleArchiveUrl)),
      settleDeadLetterBodies: async () => [...(await peekAll(sqs, settleQueues.deadLetterQueueUrl)), ...(await peekAll(sqs, settleArchiveUrl))].map((message) => message.body),
      async clusterEventDeadLetters() {
        const parked = [...(await peekAll(sqs, clusterEventDeadLetterQueueUrl)), ...(await peekAll(sqs, deadLetterArchiveUrls.clusterEvent))];
        return parked.map((message) => ({ event: JSON.parse(message.body) as unknown, error: message.attributes["ErrorMessage"] ?? "", requestId: message.attributes["RequestID"] ?? "" }));
      },
      deadLetterArchive: (source) => peekAll(sqs, source === "settle" ? deadLetterArchiveUrls.settle : deadLetterArchiveUrls.clusterEvent),
      async receiveSettleChecks(max) {
        const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: settleQueues.queueUrl, MaxNumberOfMessages: max, WaitTimeSeconds: 0 }));
        return (received.Messages ?? []).map((message) => message.Body ?? "");
      },
      async settleQueueAttributes() {
        const result = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: settleQueues.queueUrl, AttributeNames: ["All"] }));
        return { ...result.Attributes };
      },
      async callEks(operation, input, caller = {}) {
        // Any operation the simulator serves: the SDK's own command class of that name.
        const CommandClass = (eksSdk as unknown as Record<string, (new (input: unknown) => Parameters<eksSdk.EKSClient["send"]>[0]) | undefined>)[`${operation}Command`];
        if (!CommandClass) throw new Error(`the EKS SDK has no ${operation}Command`);
        const client = new eksSdk.EKSClient({ region: caller.region ?? region, endpoint: simulator.url, credentials: caller.credentials ?? ANONYMOUS, maxAttempts: 1 });
        const { sourceIp, userAgent } = caller;
        if (sourceIp || userAgent) {
          client.middlewareStack.add(
            (next) => async (args) => {
              const request = args.request as { headers?: Record<string, string> };
              if (request.headers) {
                // The simulator records this as CloudTrail's sourceIPAddress (a local call has no public address).
                if (sourceIp) request.headers["x-sim-source-ip"] = sourceIp;
                if (userAgent) request.headers["user-agent"] = userAgent;
              }
              return next(args);
            },
            { step: "finalizeRequest", name: "localCallerMiddleware", priority: "low" },
          );
        }
        try {
          return (await client.send(new CommandClass(input))) as unknown as Record<string, unknown>;
        } finally {
          client.destroy();
        }
      },
      pipelineDeps(depsOptions = {}) {
        const { onCommand } = depsOptions;
        const clients = {
          dynamodb: observed(new DynamoDBClient({}), "dynamodb", onCommand),
          sns: observed(new SNSClient({}), "sns", onCommand),
          sqs: observed(new SQSClient({}), "sqs", onCommand),
        };
        const eksClients = new Map<string, eksSdk.EKSClient>();
        const eksFor = (eksRegion: string): eksSdk.EKSClient => {
          let client = eksClients.get(eksRegion);
          if (!client) {
            client = observed(new eksSdk.EKSClient({ region: eksRegion }), "eks", onCommand);
            eksClients.set(eksRegion, client);
            ownClients.push(client);
          }
          return client;
        };
        ownClients.push(clients.dynamodb, clients.sns, clients.sqs);
        const depsStore = new DynamoStateStore({ tableName, client: clients.dynamodb });
        const depsAccounts = accountCredentials();
        ownClients.push(depsAccounts);
        const depsEks = new EksCollector({ clientFor: eksFor, accounts: depsAccounts });
        return {
          policy: parsePolicy(options.policy),
          store: depsStore,
          remediation: { store: depsStore, eks: depsEks, roleArn: monitor.roleArn },
          notifier: new SnsNotifier({ topicArn, client: clients.sns }),
          settleQueue: new SqsSettleQueue({ queueUrl: settleQueues.queueUrl, client: clients.sqs }),
          eks: depsEks,
          now: depsOptions.now ?? (() => new Date()),
          logger: { debug() {}, info() {}, warn() {}, error() {} },
          settings: { settleDelaySeconds: 0, maxSettleDelaySeconds: 0, ...depsOptions.settings },
        };
      },
      stop: stopAll,
    };
    return system;
  } catch (error) {
    await stopAll();
    throw error;
  }
}
