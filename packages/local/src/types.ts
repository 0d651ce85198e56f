// The local system's public shape: what `startLocalSystem` takes and what it returns (packages/local/src/system.ts).
import type { PipelineDeps, PipelineSettings } from "@eks-warden/core/pipeline";
import type { QueueKey, ScheduleKey, TopicKey } from "@eks-warden/core/deployment";
import type { StoredRuleState } from "@eks-warden/core";
import type { ScheduledRun } from "@eks-warden/functions/lib/scheduled";
import type { CloudTrailEvent, Fleet, Simulator } from "@eks-warden/simulator/index";
import type { ReceivedNotification } from "./notifications.ts";
import type { LambdaHandler, LocalEventRouter, LocalQueuePoller, LocalQueues } from "./runner.ts";
import type { LocalQueue, LocalTopic } from "./topology.ts";
import type { PeekedMessage } from "./queue-reads.ts";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import type { LocalHandlers, LocalWiring } from "./wiring.ts";
import type { LocalFaultKey, LocalFaults } from "./faults.ts";

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
  /** Stops the start half way (Ctrl-C): startLocalSystem stops what it started and rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

/** What the local system's faults did so far, and a switch for them. */
export interface LocalFaultControls {
  readonly config: LocalFaults;
  /** Faults injected so far, by part (settleQueue: settle checks delivered again). */
  injected(): Readonly<Record<LocalFaultKey, number>>;
  /** The CloudTrail events faults.cloudtrail lost, in order. */
  readonly lostEvents: readonly CloudTrailEvent[];
  /** No more faults until resume() (e.g. while a test reads the final state). */
  pause(): void;
  resume(): void;
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

/** What the local system built from the deployment's description, by the description's keys. */
export interface LocalTopology {
  readonly queues: Readonly<Record<QueueKey, LocalQueue>>;
  readonly topics: Readonly<Record<TopicKey, LocalTopic>>;
  /** The functions' environment from the description, as set for the handlers. */
  readonly environment: Readonly<Record<string, string>>;
  readonly handlers: LocalHandlers;
  readonly wiring: LocalWiring;
}

export interface LocalSystem {
  /** The parts built from the deployment's description (@eks-warden/core/deployment). */
  readonly topology: LocalTopology;
  readonly simulator: Simulator;
  readonly monitor: LocalMonitorIdentity;
  readonly endpoints: LocalEndpoints;
  /** The region the local AWS parts sign for and put in ARNs. */
  readonly region: string;
  readonly tableName: string;
  readonly topicArn: string;
  readonly alertsQueueUrl: string;
  readonly settleQueues: LocalQueues;
  /** Where events that failed every receive go, as the stack's ClusterEventDeadLetterQueue. */
  readonly clusterEventDeadLetterQueueUrl: string;
  /** Where the dead letters of cluster-event and settle are kept for redrive once announced (the stack's archives). */
  readonly deadLetterArchiveUrls: { readonly clusterEvent: string; readonly settle: string };
  /** The health topic: tamper alerts, alarms, and one alert per dead letter. */
  readonly healthTopicArn: string;
  readonly regions: readonly string[];
  /** EventBridge -> the event queue -> cluster-event, locally: deliver events (tests deliver recorded or malformed events through it). */
  readonly router: LocalEventRouter;
  /** The settle queue's event source mapping, locally. */
  readonly poller: LocalQueuePoller;
  /** The report bucket (in the S3 emulator) the digest writes to. */
  readonly reportBucket: string;
  /** The real cluster-event handler, for calling it directly (as the event source mapping would: eventQueueBatch, a local context). */
  readonly clusterEventHandler: LambdaHandler<SQSEvent, SQSBatchResponse>;
  /** Milliseconds from the call to everything being ready. */
  readonly startMs: number;
  /** Calls every mutating call the simulator served reach, in order, as CloudTrail events. */
  onCall(listener: (event: CloudTrailEvent) => void): void;
  /** Called for every settle check the settle function completed (a check sent back to wait is not completed). */
  onSettled(listener: (settled: SettledCheck) => void): void;
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
  /** Runs a schedule of the description now (sweep, digest, heartbeat): its function, with the scheduler's event. */
  runSchedule(key: ScheduleKey): Promise<unknown>;
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
  /** Events parked in the cluster-event dead-letter queue or kept in its archive (read and left there). */
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
  /** The local parts' faults (the fleet's faults section: dynamodb, sns, settleQueue, cloudtrail): what they did, and pause/resume. */
  readonly faults: LocalFaultControls;
  /** The use-cases' ports wired to this system's table, topic, queue and simulator, with clients of their own. */
  pipelineDeps(options?: PipelineDepsOptions): PipelineDeps;
  stop(): Promise<void>;
}

/**
 * A cluster event in the cluster-event dead-letter queue or its archive: the event queue's redrive parks the event
 * as it was (SQS records no error), EventBridge what it could not send to the event queue (with ERROR_MESSAGE).
 */
export interface ParkedEvent {
  readonly event: unknown;
  /** EventBridge's ERROR_MESSAGE attribute, when EventBridge parked it. */
  readonly error?: string;
}


/** A settle check the settle function completed: the change it waited for, and what the evaluation it ran found. */
export interface SettledCheck {
  readonly clusterArn: string;
  readonly cluster: string;
  readonly region: string;
  /** The call that started the change (UpdateClusterConfig, ...). */
  readonly eventName: string;
  readonly updateId?: string;
  /** The update as EKS ended it (Successful, Failed, Cancelled), when it had one. */
  readonly updateStatus?: string;
  readonly updateType?: string;
  /** The rules evaluated, and those failing (FAIL), worst first as stored. */
  readonly findings: number;
  readonly failing: readonly { readonly ruleId: string; readonly severity: string }[];
}
