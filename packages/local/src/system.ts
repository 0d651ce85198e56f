// The whole system on embedded parts, in this process, built from the deployment's description
// (@eks-warden/core/deployment) as the stack is, so it cannot drift from it: DynamoDB Local (Java) with the stack's key
// schema and TTL attribute, the SNS/SQS emulator with the description's queues (redrive, delay, visibility timeout) and
// topics, the EKS simulator, and the REAL Lambda handlers fed as the description says (wiring.ts): the simulator's
// CloudTrail events (of every account and region of the fleet, as an organisation's forwarders deliver them to the
// central bus, whose rule has the same pattern) go through the deployed event pattern to `cluster-event` (with its
// retries, then its dead-letter queue); settle checks go through the settle queue to `settle`; the dead-letter queues
// of `cluster-event` and settle are drained by `dead-letter` into their archives, each letter announced on the health
// topic (`deadLetterRound`, run by `advance` and `deliverEvents`); alerts and health notices are read back from a
// queue subscribed to each topic, as a subscriber receives them. The schedules (sweep, digest, heartbeat) run when
// asked (at start, on `evaluate` and `digest` steps), the digest writing its report to a bucket of the S3 emulator.
// The handlers find everything through the environment the description gives them (FUNCTION_ENV), as in Lambda.
//
// Time: the simulator's clock is virtual (an endpoint update "takes" 10 minutes and ends when the clock is advanced).
// Settle checks are queued with no real delay (SETTLE_DELAY_SECONDS=0, a message's own delay overrides the queue's);
// `advance` moves the clock, then runs one round of the checks waiting in the queue (a check whose change is still
// running goes back for the next round, as in AWS). The handlers' own clock moves with it (followSimulatorClock): real
// time plus what the simulator was advanced, so a flapping hold ends when the scenario advances past it.
//
// One local system per process: the handler modules keep their adapters for the life of the process, as a Lambda
// execution environment does, so a second system would have them write to the first one's table.
import { CreateTableCommand, DynamoDBClient, UpdateTimeToLiveCommand } from "@aws-sdk/client-dynamodb";
import { SNSClient } from "@aws-sdk/client-sns";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import { DEFAULT_HISTORY_RETENTION_DAYS, FUNCTION_ENV, HANDLERS, STATE_TABLE_KEY_SCHEMA } from "@eks-warden/core/deployment";
import { startSimulator, type Simulator } from "@eks-warden/simulator/index";
import { startEmbedded, type Embedded } from "@eks-warden/simulator/embedded/index";
import { FAKE_CREDENTIALS } from "@eks-warden/simulator/embedded/credentials";
import { rmSync } from "node:fs";
import { dynamoDbFault, FaultDraws, snsFault, startFaultProxy } from "./faults.ts";
import { createRunFolder, writeSystemNote } from "./run-folder.ts";
import { startFailure } from "./start-failure.ts";
import { Stops } from "./stops.ts";
import { assembleSystem, type SystemParts } from "./assemble.ts";
import { createQueues, createTopics, localEnvironment } from "./topology.ts";
import type { LocalEndpoints, LocalMonitorIdentity, LocalSystem, LocalSystemOptions } from "./types.ts";
import { importHandlers, wireHandlers } from "./wiring.ts";

export type * from "./types.ts";
export type { PeekedMessage } from "./queue-reads.ts";

/** The role name the local handlers act as (the deployed stack's is the Settle function's role). */
const LOCAL_MONITOR_ROLE = "eks-warden-local-settle";

/**
 * Each round of checks re-queues an unfinished change once (instead of AWS's growing delays up to 5 minutes), so more
 * rounds are allowed before a change counts as stuck: 200 rounds of 30 virtual seconds outlast a 40-minute update.
 */
const LOCAL_SETTLE_MAX_ATTEMPTS = 200;

/** A year: the furthest any scenario or test moves the simulator's clock ahead of the real one. */
const LOCAL_MAX_EVENT_AHEAD_SECONDS = 366 * 86_400;

let started = false;

function environmentEndpoints(): Omit<LocalEndpoints, "eks"> {
  const dynamodb = process.env["AWS_ENDPOINT_URL_DYNAMODB"];
  const sns = process.env["AWS_ENDPOINT_URL_SNS"];
  const sqs = process.env["AWS_ENDPOINT_URL_SQS"];
  const s3 = process.env["AWS_ENDPOINT_URL_S3"];
  if (!dynamodb || !sns || !sqs || !s3) throw new Error("local system: aws \"environment\" needs AWS_ENDPOINT_URL_DYNAMODB, _SNS, _SQS and _S3 to be set");
  return { dynamodb, sns, sqs, s3 };
}

/** Resolves to what `starting` gives; its stop is in `stops` as soon as it has started, whatever the others do. */
async function startedPart<T>(starting: Promise<T>, stops: Stops, stopOf: (part: T) => (() => Promise<void>) | undefined): Promise<T> {
  const part = await starting;
  const stop = stopOf(part);
  if (stop) stops.push(stop);
  return part;
}

/**
 * DynamoDB Local and the SNS/SQS and S3 emulators (own ones, or a test run's), and the simulator with the fleet. Each
 * part's stop is kept as soon as it has started, so a failure of the other (or Ctrl-C) leaves nothing running.
 */
async function startParts(options: LocalSystemOptions, stops: Stops, runFolder: string): Promise<{ embedded: Embedded | undefined; simulator: Simulator; aws: Omit<LocalEndpoints, "eks"> }> {
  const ownAws = (options.aws ?? "start") === "start";
  // A simulator that cannot start (its port taken) cuts DynamoDB Local's start short instead of waiting for the JVM.
  const simulatorFailed = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, simulatorFailed.signal]) : simulatorFailed.signal;
  // Both at once: DynamoDB Local's JVM start dominates, the simulator takes milliseconds.
  const [embedded, simulator] = await Promise.allSettled([
    ownAws
      ? startedPart(startEmbedded({ dynamodb: true, sns: true, s3: true, tempRoot: runFolder, signal }), stops, (part) => () => part.stop()).catch((error: unknown) => {
          throw startFailure(error, "aws");
        })
      : Promise.resolve(undefined),
    startedPart(startSimulator({ fleet: options.fleet, ...(options.simulatorPort !== undefined && { port: options.simulatorPort }) }), stops, (part) => () => part.stop()).catch((error: unknown) => {
        simulatorFailed.abort(error);
        throw startFailure(error, "simulator", options.simulatorPort);
      }),
  ]);
  options.signal?.throwIfAborted();
  // The simulator's failure first: a taken port is the user's to fix, and DynamoDB Local fails only after it.
  if (simulator.status === "rejected") throw simulator.reason;
  if (embedded.status === "rejected") throw embedded.reason;
  for (const identity of options.identities ?? []) {
    simulator.value.identities.register(identity.accessKeyId, { arn: identity.arn, ...(identity.sourceIp && { sourceIPAddress: identity.sourceIp }) });
  }
  const aws = embedded.value ? { dynamodb: embedded.value.endpoints.dynamodb!, sns: embedded.value.endpoints.sns!, sqs: embedded.value.endpoints.sqs!, s3: embedded.value.endpoints.s3! } : environmentEndpoints();
  return { embedded: embedded.value, simulator: simulator.value, aws };
}

/**
 * The handlers sign their EKS calls with this process's access key: to the simulator it is a session of the
 * remediating function's role, as in Lambda, so the monitor's own CloudTrail events are recognisably its own.
 */
function registerMonitor(simulator: Simulator): LocalMonitorIdentity {
  const account = simulator.identities.defaultAccount;
  const monitor = {
    roleArn: `arn:aws:iam::${account}:role/${LOCAL_MONITOR_ROLE}`,
    sessionArn: `arn:aws:sts::${account}:assumed-role/${LOCAL_MONITOR_ROLE}/${HANDLERS.settle.name}`,
  };
  simulator.identities.register(process.env["AWS_ACCESS_KEY_ID"] ?? FAKE_CREDENTIALS.accessKeyId, { arn: monitor.sessionArn });
  return monitor;
}

/**
 * What only the local system sets: the emulators' endpoints, no real delays between settle checks, the fleet's wait
 * scale, quiet handlers.
 */
function localOnlyEnvironment(options: LocalSystemOptions, embedded: Embedded | undefined, simulator: Simulator): Record<string, string> {
  return {
    ...embedded?.env,
    ...simulator.env(),
    [FUNCTION_ENV.reportBucketPathStyle]: "true",
    [FUNCTION_ENV.settleDelaySeconds]: "0",
    [FUNCTION_ENV.settleMaxDelaySeconds]: "0",
    [FUNCTION_ENV.settleMaxAttempts]: String(LOCAL_SETTLE_MAX_ATTEMPTS),
    // The simulator's clock moves ahead of the handlers' real one (an update "takes" 10 minutes when advanced), so its
    // events may be dated hours ahead; the stack never sets this, and Lambda keeps the 5-minute bound.
    [FUNCTION_ENV.maxEventAheadSeconds]: String(LOCAL_MAX_EVENT_AHEAD_SECONDS),
    // The fleet's faults.waitScale: the handlers' AWS clients and the sweep wait that share of their backoff (the
    // simulated time a replay runs in makes the real seconds meaningless); the stack never sets it.
    ...(simulator.faultPlan.waitScale !== undefined && { [FUNCTION_ENV.localWaitScale]: String(simulator.faultPlan.waitScale) }),
    POWERTOOLS_METRICS_DISABLED: "true",
    [FUNCTION_ENV.metricsNamespace]: "EksWardenLocal",
    POWERTOOLS_LOG_LEVEL: options.handlerLogs === true ? "INFO" : options.handlerLogs || "SILENT",
  };
}

/**
 * A proxy in front of DynamoDB Local and of the SNS emulator when faults.dynamodb / faults.sns ask for errors: the
 * handlers' clients are pointed at it (AWS_ENDPOINT_URL_DYNAMODB / _SNS), the emulators stay where they are.
 */
async function faultProxies(aws: Omit<LocalEndpoints, "eks">, draws: FaultDraws, stops: Stops): Promise<Omit<LocalEndpoints, "eks">> {
  let dynamodb = aws.dynamodb;
  let sns = aws.sns;
  if (draws.rate("dynamodb") > 0) {
    const proxy = await startFaultProxy(aws.dynamodb, () => (draws.strikes("dynamodb") ? dynamoDbFault(draws.injected.dynamodb) : undefined));
    stops.push(() => proxy.stop());
    dynamodb = proxy.url;
  }
  if (draws.rate("sns") > 0) {
    const proxy = await startFaultProxy(aws.sns, () => (draws.strikes("sns") ? snsFault() : undefined));
    stops.push(() => proxy.stop());
    sns = proxy.url;
  }
  return { ...aws, dynamodb, sns };
}

async function createStorage(dynamo: DynamoDBClient, s3: S3Client, tableName: string, reportBucket: string): Promise<void> {
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
}

/** The regions the scheduled functions read are the policy's (as deployed): the ones given, else the fleet's. */
function regionsOf(options: LocalSystemOptions, simulator: Simulator, region: string): string[] {
  if (options.regions && options.regions.length > 0) return [...options.regions];
  return [...new Set([...simulator.store.all().map((cluster) => cluster.region), region])].sort();
}

async function buildSystem(options: LocalSystemOptions, stops: Stops, startedAt: number): Promise<LocalSystem> {
  const runFolder = createRunFolder();
  // Pushed first, so removed last: after the parts whose files it holds have stopped.
  stops.push(async () => rmSync(runFolder, { recursive: true, force: true }));
  // The simulator validated the fleet's faults section (a bad one stops the start, every problem named).
  const { embedded, simulator, aws: emulators } = await startParts(options, stops, runFolder);
  const draws = new FaultDraws(simulator.faultPlan);
  // No faults while the table, queues and topics are made: the system starts as it would in AWS.
  draws.paused = true;
  const aws = await faultProxies(emulators, draws, stops);
  const run = `${process.pid}-${Date.now().toString(36)}`;
  // Own emulators hold only this system's resources; shared ones (a test run's) need names no other test uses.
  const suffix = embedded ? "" : `-${run}`;
  const tableName = `eks-warden-local-${run}`;
  const reportBucket = `eks-warden-reports-${run}`.toLowerCase().slice(0, 63);
  const region = embedded?.region ?? process.env["AWS_REGION"] ?? "us-east-1";
  const regions = regionsOf(options, simulator, region);
  // Every SDK client here, and the handlers, find the parts through the environment, as in Lambda.
  Object.assign(process.env, localOnlyEnvironment(options, embedded, simulator), { AWS_ENDPOINT_URL_DYNAMODB: aws.dynamodb, AWS_ENDPOINT_URL_SNS: aws.sns });
  const monitor = registerMonitor(simulator);
  const clients = { dynamo: new DynamoDBClient({}), sqs: new SQSClient({}), sns: new SNSClient({}), s3: new S3Client({ forcePathStyle: true }) };
  const ownClients: { destroy(): void }[] = Object.values(clients);
  stops.push(async () => {
    for (const client of ownClients) client.destroy();
  });
  await createStorage(clients.dynamo, clients.s3, tableName, reportBucket);
  options.signal?.throwIfAborted();
  const topics = await createTopics(clients.sns, clients.sqs, suffix);
  const queues = await createQueues(clients.sqs, suffix);
  const policy = { ...options.policy, regions };
  const environment = localEnvironment({
    tableName,
    reportBucket,
    policy: JSON.stringify(policy),
    historyRetentionDays: DEFAULT_HISTORY_RETENTION_DAYS,
    remediationRoleArn: monitor.roleArn,
    queues,
    topics,
  });
  Object.assign(process.env, environment);
  // Imported only now: their Powertools logger and metrics read the environment when the module loads. From here on
  // the handlers are bound to this system's resources.
  started = true;
  const handlers = await importHandlers();
  await followSimulatorClock(simulator, stops);
  const settleListeners: ((bodies: readonly string[]) => Promise<void>)[] = [];
  const wiring = wireHandlers(clients.sqs, queues, handlers, { settle: async (bodies) => void (await Promise.all(settleListeners.map((listener) => listener(bodies)))) }, { settle: () => draws.strikes("settleQueue") });
  const parts: SystemParts = { options, simulator, monitor, draws, endpoints: { eks: simulator.url, ...aws }, region, regions, tableName, reportBucket, clients, ownClients, stops, settleListeners };
  options.signal?.throwIfAborted();
  const system = assembleSystem(parts, { queues, topics, environment, handlers, wiring }, startedAt);
  draws.paused = false;
  writeSystemNote(runFolder, { pid: process.pid, startedAt: new Date().toISOString(), dynamodb: aws.dynamodb, tableName, region });
  return system;
}

/**
 * The handlers' clock moves with the simulator's: real time plus what the simulator was advanced since the start, so
 * `advance` ends a flapping hold or a lease as the same time passing does in AWS, while a fleet dated in the past
 * still meets handlers near the real date.
 */
async function followSimulatorClock(simulator: Simulator, stops: Stops): Promise<void> {
  const { handlerClock } = await import("@eks-warden/functions/lib/runtime");
  const lambdaClock = handlerClock.now;
  const startMs = simulator.clock.nowMs();
  handlerClock.now = () => new Date(Date.now() + simulator.clock.nowMs() - startMs);
  stops.push(async () => {
    handlerClock.now = lambdaClock;
  });
}

/** Rejects with the signal's reason when it aborts; never resolves. */
function abortion(signal: AbortSignal | undefined): Promise<never> | undefined {
  if (signal === undefined) return undefined;
  return new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
}

/**
 * Starts the local system. A start that fails throws a LocalStartError (one line: what failed, what to do) once
 * everything started so far is stopped and its temporary folder removed. `options.signal` stops a start half way
 * (Ctrl-C): it rejects with the signal's reason once everything is stopped, without waiting for the start to finish.
 */
export async function startLocalSystem(options: LocalSystemOptions): Promise<LocalSystem> {
  if (started) throw new Error("local system: one per process (the handlers keep their adapters for the life of the process, as in Lambda)");
  options.signal?.throwIfAborted();
  const stops = new Stops();
  const building = buildSystem(options, stops, performance.now());
  const aborted = abortion(options.signal);
  try {
    return await (aborted ? Promise.race([building, aborted]) : building);
  } catch (error) {
    await stops.stopAll();
    // An aborted start goes on in the background until its current step ends; what it starts meanwhile is stopped
    // as it comes (Stops is closed now). Wait for that, so "stopped" means stopped.
    await building.catch(() => undefined);
    await stops.stopAll();
    if (options.signal?.aborted) throw options.signal.reason;
    throw error;
  }
}
