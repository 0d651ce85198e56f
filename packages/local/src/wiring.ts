// Which handler each event rule, queue and schedule of the description feeds, locally: the real handlers, imported
// by their SST handler paths, behind the local stand-ins of EventBridge (LocalEventRouter), the SQS event source
// mappings (LocalQueuePoller) and the schedules (run when asked).
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import {
  deadLetterQueueOf,
  EVENT_RULES,
  FUNCTIONS,
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
import type { LocalQueue } from "./topology.ts";

export type LocalHandlers = Readonly<Record<FunctionKey, LambdaHandler<unknown, unknown>>>;

const REPOSITORY_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/**
 * The handler the stack deploys, found by its own SST handler path: "packages/functions/src/settle.handler" is the
 * export `handler` of packages/functions/src/settle.ts (the file esbuild bundles for Lambda).
 */
async function importHandler(sstHandler: string): Promise<LambdaHandler<unknown, unknown>> {
  const dot = sstHandler.lastIndexOf(".");
  const file = join(REPOSITORY_ROOT, `${sstHandler.slice(0, dot)}.ts`);
  const exportName = sstHandler.slice(dot + 1);
  const handler = ((await import(pathToFileURL(file).href)) as Record<string, unknown>)[exportName];
  if (typeof handler !== "function") throw new Error(`local system: ${sstHandler}: ${file} exports no function ${exportName}`);
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

/** An event rule of the description, locally: the pattern it matches, the function it invokes and where it parks. */
export interface LocalRoute {
  readonly pattern: EventPattern;
  readonly fn: FunctionKey;
  readonly maxAttempts: number;
  readonly deadLetterQueue: QueueKey;
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

/**
 * What Lambda parks after an asynchronous invocation's last retry: the event as it was, and why in attributes
 * (ErrorCode is the invocation's status, 200 for a function error).
 */
function parkIn(sqs: SQSClient, queue: LocalQueue) {
  const attribute = (value: string) => ({ DataType: "String", StringValue: value });
  return async (letter: { event: unknown; requestId: string; error: string }): Promise<void> => {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queue.url,
        MessageBody: JSON.stringify(letter.event),
        MessageAttributes: { RequestID: attribute(letter.requestId), ErrorCode: attribute("200"), ErrorMessage: attribute(letter.error) },
      }),
    );
  };
}

/** What EventBridge Scheduler, or an EventBridge rule on a rate, hands a scheduled function. */
function scheduledEvent(key: ScheduleKey): Record<string, unknown> {
  const viaScheduler = "policySchedule" in SCHEDULES[key].timing;
  const resources = [`local:${viaScheduler ? "schedule" : "rule"}/${SCHEDULES[key].id}`];
  return { source: viaScheduler ? "aws.scheduler" : "aws.events", "detail-type": "Scheduled Event", time: new Date().toISOString(), resources, detail: {} };
}

/** Told of the messages a function's queue consumer handled (by function): how the local system watches the settle checks. */
export type HandledListeners = Partial<Record<FunctionKey, (bodies: readonly string[]) => Promise<void> | void>>;

export function wireHandlers(sqs: SQSClient, queues: Readonly<Record<QueueKey, LocalQueue>>, handlers: LocalHandlers, onHandled: HandledListeners = {}): LocalWiring {
  const routes = Object.fromEntries(
    (Object.keys(EVENT_RULES) as EventRuleKey[]).map((key): [EventRuleKey, LocalRoute] => {
      const { pattern, target } = EVENT_RULES[key];
      const maxAttempts = (functionOf(target).onFailure?.retryAttempts ?? 0) + 1;
      const deadLetterQueue = deadLetterQueueOf(target);
      const router = new LocalEventRouter({
        matches: (event) => matchesEventPattern(pattern, event),
        handler: handlers[target],
        functionName: HANDLERS[target].name,
        maxAttempts,
        onDeadLetter: parkIn(sqs, queues[deadLetterQueue]),
      });
      return [key, { pattern, fn: target, maxAttempts, deadLetterQueue, router }];
    }),
  ) as Record<EventRuleKey, LocalRoute>;
  const consumers = queueKeysInCreationOrder().flatMap((queue): LocalConsumer[] => {
    const consumer = queueOf(queue).consumer;
    if (!consumer) return [];
    const handler = handlers[consumer.fn] as LambdaHandler<SQSEvent, SQSBatchResponse | void>;
    const observer = onHandled[consumer.fn];
    const poller = new LocalQueuePoller({ sqs, queueUrl: queues[queue].url, queueArn: queues[queue].arn, handler, functionName: HANDLERS[consumer.fn].name, batchSize: consumer.batchSize, ...(observer && { onHandled: observer }) });
    return [{ queue, fn: consumer.fn, batchSize: consumer.batchSize, poller }];
  });
  const schedules = Object.fromEntries((Object.keys(SCHEDULES) as ScheduleKey[]).map((key) => [key, SCHEDULES[key].target])) as Record<ScheduleKey, FunctionKey>;
  const runSchedule = (key: ScheduleKey): Promise<unknown> => {
    const target = SCHEDULES[key].target;
    return handlers[target](scheduledEvent(key), localContext(HANDLERS[target].name, functionOf(target).timeoutSeconds));
  };
  return { routes, consumers, schedules, runSchedule };
}
