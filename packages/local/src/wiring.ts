// Which handler each event rule, queue and schedule of the description feeds, locally: the real handlers, imported
// by their SST handler paths, behind the local stand-ins of EventBridge (LocalEventRouter, sending to the rule's
// queue), the SQS event source mappings (LocalQueuePoller) and the schedules (run when asked).
import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import {
  EVENT_RULES,
  FUNCTIONS,
  functionFedBy,
  functionOf,
  HANDLERS,
  queueKeysInCreationOrder,
  queueOf,
  SCHEDULES,
  type EventRuleKey,
  type FunctionKey,
  type QueueKey,
  type ScheduleKey,
} from "@eks-warden/core/deployment";
import { matchesEventPattern, type EventPattern } from "@eks-warden/core/events";
import { localContext, LocalEventRouter, LocalQueuePoller, type LambdaHandler } from "./runner.ts";
import { localScheduleArn, type LocalQueue } from "./topology.ts";

export type LocalHandlers = Readonly<Record<FunctionKey, LambdaHandler<unknown, unknown>>>;

/** Where the description's handler paths point: packages/functions/src, beside this package. */
const HANDLER_FOLDER = "packages/functions/src/";

/**
 * The handler the stack deploys, found by its own SST handler path: "packages/functions/src/settle.handler" is the
 * export `handler` of packages/functions/src/settle.ts (the file esbuild bundles for Lambda). The import names the
 * folder literally so that the CLI's build (scripts/build-cli.mjs) bundles every handler in it, loaded on first use.
 */
async function importHandler(sstHandler: string): Promise<LambdaHandler<unknown, unknown>> {
  const dot = sstHandler.lastIndexOf(".");
  const path = sstHandler.slice(0, dot);
  const exportName = sstHandler.slice(dot + 1);
  if (!path.startsWith(HANDLER_FOLDER) || path.slice(HANDLER_FOLDER.length).includes("/")) {
    throw new Error(`local system: ${sstHandler}: a handler must be a file of ${HANDLER_FOLDER}`);
  }
  const name = path.slice(HANDLER_FOLDER.length);
  const handler = ((await import(`../../functions/src/${name}.ts`)) as Record<string, unknown>)[exportName];
  if (typeof handler !== "function") throw new Error(`local system: ${sstHandler}: ${path}.ts exports no function ${exportName}`);
  return handler as LambdaHandler<unknown, unknown>;
}

/** Every function of the description. Import only once the environment is set: Powertools reads it at load. */
export async function importHandlers(): Promise<LocalHandlers> {
  const handlers: Partial<Record<FunctionKey, LambdaHandler<unknown, unknown>>> = {};
  for (const key of Object.keys(FUNCTIONS) as FunctionKey[]) handlers[key] = await importHandler(HANDLERS[key].handler);
  return handlers as LocalHandlers;
}

/** An SQS event source mapping of the description, locally. */
export interface LocalConsumer {
  readonly queue: QueueKey;
  readonly fn: FunctionKey;
  readonly batchSize: number;
  readonly poller: LocalQueuePoller;
}

/** An event rule of the description, locally: the pattern it matches, the queue it sends to and the function that consumes it. */
export interface LocalRoute {
  readonly pattern: EventPattern;
  readonly queue: QueueKey;
  readonly fn: FunctionKey;
  readonly router: LocalEventRouter;
}

export interface LocalWiring {
  readonly routes: Readonly<Record<EventRuleKey, LocalRoute>>;
  readonly consumers: readonly LocalConsumer[];
  /** Which function each schedule invokes. */
  readonly schedules: Readonly<Record<ScheduleKey, FunctionKey>>;
  /** Invokes a schedule's function now, with the event its scheduler hands it. */
  runSchedule(key: ScheduleKey): Promise<unknown>;
}

/** What an EventBridge rule's SQS target sends: the event itself as the body. */
function sendTo(sqs: SQSClient, queue: LocalQueue) {
  return async (event: unknown): Promise<string> => {
    const sent = await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: JSON.stringify(event) }));
    if (!sent.MessageId) throw new Error(`local system: the queue ${queue.url} returned no message id`);
    return sent.MessageId;
  };
}

/** What EventBridge Scheduler, or an EventBridge rule on a rate, hands a scheduled function. */
function scheduledEvent(key: ScheduleKey): Record<string, unknown> {
  const viaScheduler = "policySchedule" in SCHEDULES[key].timing;
  const resources = [localScheduleArn(key)];
  return { source: viaScheduler ? "aws.scheduler" : "aws.events", "detail-type": "Scheduled Event", time: new Date().toISOString(), resources, detail: {} };
}

/** Told of the messages a function's queue consumer handled (by function): how the local system watches the settle checks. */
export type HandledListeners = Partial<Record<FunctionKey, (bodies: readonly string[]) => Promise<void> | void>>;

/** Which queue consumers deliver a handled message again, when asked (faults.settleQueue): by function. */
export type Redeliveries = Partial<Record<FunctionKey, () => boolean>>;

export function wireHandlers(sqs: SQSClient, queues: Readonly<Record<QueueKey, LocalQueue>>, handlers: LocalHandlers, onHandled: HandledListeners = {}, redeliveries: Redeliveries = {}): LocalWiring {
  const consumers = queueKeysInCreationOrder().flatMap((queue): LocalConsumer[] => {
    const consumer = queueOf(queue).consumer;
    if (!consumer) return [];
    const handler = handlers[consumer.fn] as LambdaHandler<SQSEvent, SQSBatchResponse | void>;
    const observer = onHandled[consumer.fn];
    const redeliver = redeliveries[consumer.fn];
    const poller = new LocalQueuePoller({ sqs, queueUrl: queues[queue].url, queueArn: queues[queue].arn, handler, functionName: HANDLERS[consumer.fn].name, batchSize: consumer.batchSize, ...(observer && { onHandled: observer }), ...(redeliver && { redeliver }) });
    return [{ queue, fn: consumer.fn, batchSize: consumer.batchSize, poller }];
  });
  const routes = Object.fromEntries(
    (Object.keys(EVENT_RULES) as EventRuleKey[]).map((key): [EventRuleKey, LocalRoute] => {
      const rule = EVENT_RULES[key];
      const consumer = consumers.find((candidate) => candidate.queue === rule.queue);
      const maxReceiveCount = queueOf(rule.queue).redrive?.maxReceiveCount;
      if (!consumer || maxReceiveCount === undefined) throw new Error(`local system: event rule ${rule.id} sends to queue ${rule.queue}, which needs a consumer and a redrive`);
      const router = new LocalEventRouter({ matches: (event) => matchesEventPattern(rule.pattern, event), send: sendTo(sqs, queues[rule.queue]), poller: consumer.poller, maxReceiveCount });
      return [key, { pattern: rule.pattern, queue: rule.queue, fn: functionFedBy(rule), router }];
    }),
  ) as Record<EventRuleKey, LocalRoute>;
  const schedules = Object.fromEntries((Object.keys(SCHEDULES) as ScheduleKey[]).map((key) => [key, SCHEDULES[key].target])) as Record<ScheduleKey, FunctionKey>;
  const runSchedule = (key: ScheduleKey): Promise<unknown> => {
    const target = SCHEDULES[key].target;
    return handlers[target](scheduledEvent(key), localContext(HANDLERS[target].name, functionOf(target).timeoutSeconds));
  };
  return { routes, consumers, schedules, runSchedule };
}
