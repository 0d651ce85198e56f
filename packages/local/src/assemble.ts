// The local system's methods over the parts built from the description (system.ts): delivering the simulator's
// events, rounds of the queue consumers, the schedules, and reading back what the handlers did.
import { QueryCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import type { SNSClient } from "@aws-sdk/client-sns";
import { GetQueueAttributesCommand, ReceiveMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { DynamoStateStore, EksCollector, ClusterInventory, policyAccountCredentials, type AccountCredentials } from "@eks-warden/core/aws";
import { DEAD_LETTER_QUEUES, STATE_TABLE_KEY_SCHEMA } from "@eks-warden/core/deployment";
import { clusterArnOf, clusterOfResourceArn, partitionOfRegion, parsePolicy } from "@eks-warden/core";
import type { StoredRuleState } from "@eks-warden/core";
import { listFleet } from "@eks-warden/core/sweep";
import type { ScheduledRun } from "@eks-warden/functions/lib/scheduled";
import type { CloudTrailEvent, Simulator } from "@eks-warden/simulator/index";
import { callEks } from "./eks-caller.ts";
import type { FaultDraws } from "./faults.ts";
import { localPipelineDeps } from "./pipeline-deps.ts";
import { peekAll, queueDepth, readSubscriberQueue } from "./queue-reads.ts";
import type { LambdaHandler, LocalQueuePoller } from "./runner.ts";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import type { Stops } from "./stops.ts";
import type { LocalEndpoints, LocalFaultControls, LocalMonitorIdentity, LocalSystem, LocalSystemOptions, LocalTopology, SettledCheck } from "./types.ts";
import { readSettleMessage } from "@eks-warden/core/pipeline";
import { SEVERITIES } from "@eks-warden/core";

/** What system.ts started and created, beside the description's parts. */
export interface SystemParts {
  readonly options: LocalSystemOptions;
  readonly simulator: Simulator;
  /** The local system's faults (the fleet's faults section, less the simulator's own). */
  readonly draws: FaultDraws;
  readonly monitor: LocalMonitorIdentity;
  readonly endpoints: LocalEndpoints;
  readonly region: string;
  readonly regions: readonly string[];
  readonly tableName: string;
  readonly reportBucket: string;
  readonly clients: { readonly dynamo: DynamoDBClient; readonly sqs: SQSClient; readonly sns: SNSClient; readonly s3: S3Client };
  readonly ownClients: { destroy(): void }[];
  readonly stops: Stops;
  /** Told of the bodies of the settle checks the settle function handled. */
  readonly settleListeners: ((bodies: readonly string[]) => Promise<void>)[];
}

/** The simulator's CloudTrail events as they come, and every cluster they name (deleted ones too). */
function trackCalls(simulator: Simulator, draws: FaultDraws) {
  const pending: CloudTrailEvent[] = [];
  // faults.cloudtrail: the events that never reached EventBridge (only the sweep can find what they changed).
  const lost: CloudTrailEvent[] = [];
  const listeners: ((event: CloudTrailEvent) => void)[] = [];
  // Every cluster ever seen, so the final state also shows clusters deleted on the way (their records are closed).
  const knownArns = new Set<string>();
  simulator.onCloudTrailEvent((event) => {
    const parameters = event.detail.requestParameters ?? {};
    const name = typeof parameters["name"] === "string" ? parameters["name"] : typeof parameters["clusterName"] === "string" ? parameters["clusterName"] : undefined;
    const fromArn = typeof parameters["resourceArn"] === "string" ? clusterOfResourceArn(parameters["resourceArn"]) : undefined;
    if (!event.detail.errorCode && name) knownArns.add(clusterArnOf(partitionOfRegion(event.region), event.region, event.account, name));
    if (!event.detail.errorCode && fromArn) knownArns.add(clusterArnOf(fromArn.partition, fromArn.region, fromArn.account, fromArn.name));
    if (draws.strikes("cloudtrail")) {
      lost.push(event);
      return;
    }
    pending.push(event);
    for (const listener of listeners) listener(event);
  });
  const takeEvents = async (): Promise<CloudTrailEvent[]> => {
    simulator.clock.advance(0);
    // CloudTrail is never synchronous: the bus hands events over after the API reply, on a timer.
    await simulator.cloudTrail.idle();
    return pending.splice(0);
  };
  return { listeners, knownArns, takeEvents, lost };
}

/**
 * Every cluster of the own account and of the member accounts that can be read, in every region: the sweep's own
 * listing. The member accounts of the policy are read as the handlers read them, through their roles (the simulator's
 * STS maps each session to the role's account); one that cannot be read only shows fewer clusters here. The local
 * account always answers, so its failure is a fault of the run.
 */
function fleetLister(parts: SystemParts, accountCredentials: () => AccountCredentials): () => Promise<string[]> {
  const accounts = accountCredentials();
  const inventory = new ClusterInventory({ eks: new EksCollector({ accounts }) });
  parts.stops.push(async () => {
    inventory.eks.destroy();
    accounts.destroy();
  });
  return async () => {
    let ownAccountFailure: unknown;
    const fleet = await listFleet(inventory, {
      regions: parts.regions,
      accounts: accounts.members,
      onRegion: (outcome, error) => {
        if (outcome.account === undefined && error !== undefined) ownAccountFailure ??= error;
      },
    });
    if (ownAccountFailure !== undefined) throw ownAccountFailure;
    return fleet.clusters.map((ref) => ref.arn);
  };
}

function pollersOf(topology: LocalTopology, fn: "settle" | "deadLetter"): LocalQueuePoller[] {
  return topology.wiring.consumers.filter((consumer) => consumer.fn === fn).map((consumer) => consumer.poller);
}

/**
 * The settle checks the settle function completed, as listeners see them: a handled check whose evaluation is in the
 * cluster's history under its event id was completed (one sent back to wait wrote none). The body is read as the
 * function reads it (a malformed one is skipped, as the function drops it).
 */
function watchSettled(parts: SystemParts): (listener: (settled: SettledCheck) => void) => void {
  const store = new DynamoStateStore({ tableName: parts.tableName, client: parts.clients.dynamo });
  const listeners: ((settled: SettledCheck) => void)[] = [];
  parts.settleListeners.push(async (bodies) => {
    if (listeners.length === 0) return;
    for (const body of bodies) {
      const read = readSettleMessage(body);
      if (read.rejected || "kind" in read.value) continue;
      const message = read.value;
      const history = await store.readHistory(message.cluster.arn, 20);
      const entry = history.find((item) => item.kind === "evaluation" && item.cause.trigger === "settle" && item.cause.eventId === message.eventId);
      if (!entry) continue;
      const record = parts.simulator.store.get(message.cluster.account, message.cluster.region, message.cluster.name);
      const update = message.updateId === undefined ? undefined : record?.updates.find((candidate) => candidate.data.id === message.updateId)?.data;
      const failing = (entry.findings ?? [])
        .filter((finding) => finding.status === "FAIL")
        .sort((left, right) => SEVERITIES.indexOf(left.severity) - SEVERITIES.indexOf(right.severity))
        .map((finding) => ({ ruleId: finding.ruleId, severity: finding.severity }));
      const settled: SettledCheck = {
        clusterArn: message.cluster.arn,
        cluster: message.cluster.name,
        region: message.cluster.region,
        eventName: message.eventName,
        ...(message.updateId !== undefined && { updateId: message.updateId }),
        ...(update && { updateStatus: update.status, updateType: update.type }),
        findings: entry.findings?.length ?? 0,
        failing,
      };
      for (const listener of listeners) listener(settled);
    }
  });
  return (listener) => void listeners.push(listener);
}

/** Events, queue rounds and schedules: what moves the system. */
function drivingMethods(parts: SystemParts, topology: LocalTopology, calls: ReturnType<typeof trackCalls>, listEverywhere: () => Promise<string[]>) {
  const { simulator, clients } = parts;
  const { wiring, queues } = topology;
  const router = wiring.routes.clusterEvents.router;
  const [poller] = pollersOf(topology, "settle");
  if (!poller) throw new Error("local system: the description has no consumer of the settle queue");
  const methods = {
    onCall: (listener: (event: CloudTrailEvent) => void) => void calls.listeners.push(listener),
    onSettled: watchSettled(parts),
    takeEvents: calls.takeEvents,
    async deliverEvents() {
      const delivered: CloudTrailEvent[] = [];
      // A handler's own calls (remediation) emit events too: deliver until quiet.
      for (let round = 0; round < 10; round += 1) {
        const events = await calls.takeEvents();
        if (events.length === 0) break;
        await router.deliverAll(events);
        delivered.push(...events);
      }
      await methods.deadLetterRound();
      return delivered;
    },
    async settleRound() {
      const waiting = await queueDepth(clients.sqs, queues.settle.url);
      let handled = 0;
      while (handled < waiting) {
        const { received } = await poller.pollOnce();
        if (received === 0) break;
        handled += received;
      }
      return handled;
    },
    async advance(ms: number) {
      simulator.clock.advance(ms);
      await methods.deliverEvents();
      await methods.settleRound();
      await methods.deliverEvents();
    },
    async deadLetterRound() {
      let handled = 0;
      // A letter whose alert fails is retried on the next poll, and moved to the archive by SQS after
      // maxReceiveCount receives: drain() polls until nothing is ready, bounded.
      for (const deadLetterPoller of pollersOf(topology, "deadLetter")) handled += await deadLetterPoller.drain(DEAD_LETTER_QUEUES.maxReceiveCount * 4);
      return handled;
    },
    runSchedule: wiring.runSchedule,
    async sweep() {
      const result = (await wiring.runSchedule("sweep")) as ScheduledRun;
      // Only the local system's own memory of the clusters seen (storedState): under the fleet's faults its listing may
      // fail after the SDK's retries, as the sweep's own may; the next sweep or event adds what it missed.
      for (const arn of await listEverywhere().catch(() => [])) calls.knownArns.add(arn);
      return result;
    },
    digest: async () => (await wiring.runSchedule("digest")) as ScheduledRun,
  };
  return { router, poller, ...methods };
}

/** Reading back the table, the bucket, the topics' subscribers and the queues. */
function readingMethods(parts: SystemParts, topology: LocalTopology, knownArns: ReadonlySet<string>, listEverywhere: () => Promise<string[]>) {
  const { clients, tableName, reportBucket } = parts;
  const { sqs } = clients;
  const { queues, topics } = topology;
  const store = new DynamoStateStore({ tableName, client: clients.dynamo });
  const bothOf = async (queue: "settleDeadLetters" | "clusterEventDeadLetters", archive: "settleDeadLetterArchive" | "clusterEventDeadLetterArchive") => [
    ...(await peekAll(sqs, queues[queue].url)),
    ...(await peekAll(sqs, queues[archive].url)),
  ];
  return {
    async reports() {
      const objects = new Map<string, string>();
      let token: string | undefined;
      do {
        const page = await clients.s3.send(new ListObjectsV2Command({ Bucket: reportBucket, ...(token ? { ContinuationToken: token } : {}) }));
        for (const object of page.Contents ?? []) {
          const body = await clients.s3.send(new GetObjectCommand({ Bucket: reportBucket, Key: object.Key! }));
          objects.set(object.Key!, await body.Body!.transformToString());
        }
        token = page.NextContinuationToken;
      } while (token);
      return objects;
    },
    readNotifications: () => readSubscriberQueue(sqs, topics.alerts.subscriberQueueUrl),
    readHealthNotifications: () => readSubscriberQueue(sqs, topics.health.subscriberQueueUrl),
    async storedState(extra: readonly string[] = []) {
      const arns = new Set<string>([...extra, ...knownArns]);
      for (const arn of await listEverywhere()) arns.add(arn);
      const records: StoredRuleState[] = [];
      for (const arn of [...arns].sort()) records.push(...(await store.readState(arn)));
      return records;
    },
    readState: (clusterArn: string) => store.readState(clusterArn),
    async countItems(partitionKey: string) {
      const [partition] = STATE_TABLE_KEY_SCHEMA.KeySchema;
      const query = { TableName: tableName, KeyConditionExpression: "#pk = :pk", ExpressionAttributeNames: { "#pk": partition.AttributeName }, ExpressionAttributeValues: { ":pk": { S: partitionKey } } };
      return (await clients.dynamo.send(new QueryCommand({ ...query, Select: "COUNT" }))).Count ?? 0;
    },
    deadLetters: async () => (await queueDepth(sqs, queues.settleDeadLetters.url)) + (await queueDepth(sqs, queues.settleDeadLetterArchive.url)),
    settleDeadLetterBodies: async () => (await bothOf("settleDeadLetters", "settleDeadLetterArchive")).map((message) => message.body),
    async clusterEventDeadLetters() {
      const parked = await bothOf("clusterEventDeadLetters", "clusterEventDeadLetterArchive");
      return parked.map((message) => ({ event: JSON.parse(message.body) as unknown, ...(message.attributes["ERROR_MESSAGE"] !== undefined && { error: message.attributes["ERROR_MESSAGE"] }) }));
    },
    deadLetterArchive: (source: "cluster-event" | "settle") => peekAll(sqs, queues[source === "settle" ? "settleDeadLetterArchive" : "clusterEventDeadLetterArchive"].url),
    async receiveSettleChecks(max: number) {
      const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queues.settle.url, MaxNumberOfMessages: max, WaitTimeSeconds: 0 }));
      return (received.Messages ?? []).map((message) => message.Body ?? "");
    },
    async settleQueueAttributes() {
      return { ...(await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queues.settle.url, AttributeNames: ["All"] }))).Attributes };
    },
  };
}

/** What the local system's faults did, and a switch to pause them (a test's final reading, a user's quiet moment). */
function faultControls(parts: SystemParts, topology: LocalTopology, lostEvents: readonly CloudTrailEvent[]): LocalFaultControls {
  const { draws } = parts;
  const settlePollers = pollersOf(topology, "settle");
  return {
    config: draws.faults,
    injected: () => ({ ...draws.injected, settleQueue: settlePollers.reduce((sum, poller) => sum + poller.redelivered, 0) }),
    lostEvents,
    pause: () => void (draws.paused = true),
    resume: () => void (draws.paused = false),
  };
}

export function assembleSystem(parts: SystemParts, topology: LocalTopology, startedAt: number): LocalSystem {
  const { options, simulator, monitor, endpoints, region, regions, tableName, reportBucket, ownClients, stops } = parts;
  const { queues, topics } = topology;
  const accountCredentials = () => policyAccountCredentials(parsePolicy(options.policy), { remediation: true, sessionName: "eks-warden-local", region });
  const listEverywhere = fleetLister(parts, accountCredentials);
  const calls = trackCalls(simulator, parts.draws);
  const depsContext = { policy: options.policy, tableName, topicArn: topics.alerts.arn, healthTopicArn: topics.health.arn, settleQueueUrl: queues.settle.url, remediationRoleArn: monitor.roleArn, accountCredentials, ownClients };
  return {
    topology,
    simulator,
    monitor,
    endpoints,
    region,
    regions,
    tableName,
    reportBucket,
    topicArn: topics.alerts.arn,
    alertsQueueUrl: topics.alerts.subscriberQueueUrl,
    healthTopicArn: topics.health.arn,
    settleQueues: { queueUrl: queues.settle.url, queueArn: queues.settle.arn, deadLetterQueueUrl: queues.settleDeadLetters.url, deadLetterQueueArn: queues.settleDeadLetters.arn },
    clusterEventDeadLetterQueueUrl: queues.clusterEventDeadLetters.url,
    deadLetterArchiveUrls: { clusterEvent: queues.clusterEventDeadLetterArchive.url, settle: queues.settleDeadLetterArchive.url },
    clusterEventHandler: topology.handlers.clusterEvent as LambdaHandler<SQSEvent, SQSBatchResponse>,
    startMs: performance.now() - startedAt,
    ...drivingMethods(parts, topology, calls, listEverywhere),
    ...readingMethods(parts, topology, calls.knownArns, listEverywhere),
    faults: faultControls(parts, topology, calls.lost),
    callEks: (operation, input, caller) => callEks(simulator.url, region, operation, input, caller),
    pipelineDeps: (depsOptions) => localPipelineDeps(depsContext, depsOptions),
    stop: () => stops.stopAll(),
  };
}
