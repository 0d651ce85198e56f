// The local stand-ins for what AWS does between the parts: an EventBridge rule sending what its pattern matches to
// the event queue, and the SQS event source mappings feeding `cluster-event`, `settle` and `dead-letter` from their
// queues (batches, partial batch failures, redrive to a dead-letter queue after maxReceiveCount). The handlers run
// unchanged: the same code Lambda runs, called in this process.
import { ChangeMessageVisibilityBatchCommand, DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { FUNCTION_TIMEOUT_SECONDS, SETTLE_QUEUE } from "@eks-warden/core/deployment";

export type LambdaHandler<E, R> = (event: E, context: Context) => Promise<R>;

let invocation = 0;

/** A Lambda context good enough for Powertools (function name, request id, remaining time). */
export function localContext(functionName: string, timeoutSeconds: number = FUNCTION_TIMEOUT_SECONDS): Context {
  invocation += 1;
  const awsRequestId = `local-${functionName}-${invocation}`;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: "512",
    awsRequestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "local",
    getRemainingTimeInMillis: () => timeoutSeconds * 1000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

let batchMessage = 0;

/** EventBridge events as the event queue's event source mapping hands them to `cluster-event`: one SQS record each. */
export function eventQueueBatch(events: readonly unknown[], queueArn = "arn:aws:sqs:local:000000000000:eks-warden-cluster-events"): SQSEvent {
  return {
    Records: events.map((event): SQSRecord => {
      batchMessage += 1;
      const messageId = `local-event-${batchMessage}`;
      return {
        messageId,
        receiptHandle: messageId,
        body: typeof event === "string" ? event : JSON.stringify(event),
        attributes: { ApproximateReceiveCount: "1", SentTimestamp: String(Date.now()), SenderId: "events.amazonaws.com", ApproximateFirstReceiveTimestamp: String(Date.now()) },
        messageAttributes: {},
        md5OfBody: "",
        eventSource: "aws:sqs",
        eventSourceARN: queueArn,
        awsRegion: process.env.AWS_REGION ?? "us-east-1",
      };
    }),
  };
}

/** An event the queue gave up on: its consumer failed it on every receive, and the queue's redrive parked it. */
export interface DeadLetter {
  readonly event: unknown;
  /** Receives of the message, each failed (the queue's maxReceiveCount). */
  readonly attempts: number;
  /** The request id of the last attempt. */
  readonly requestId: string;
}

export interface EventRouterOptions {
  /** The deployed rule's pattern, as a predicate (matchesEventPattern(clusterEventPattern, event)). */
  readonly matches: (event: unknown) => boolean;
  /** The rule's target: sends the event to the event queue (as EventBridge does, the event as the body); its message id. */
  readonly send: (event: unknown) => Promise<string>;
  /** The event queue's event source mapping: drained after each delivery, so the event has been handled on return. */
  readonly poller: LocalQueuePoller;
  /** The event queue's maxReceiveCount: a message failed this many times is in the dead-letter queue. */
  readonly maxReceiveCount: number;
}

export type Delivery = "unmatched" | "delivered" | "dead-lettered";

/** EventBridge rule -> the event queue -> its event source mapping -> `cluster-event`, locally. */
export class LocalEventRouter {
  readonly deadLetters: DeadLetter[] = [];
  readonly #options: EventRouterOptions;

  constructor(options: EventRouterOptions) {
    this.#options = options;
  }

  async deliver(event: unknown): Promise<Delivery> {
    const [delivery] = await this.deliverAll([event]);
    return delivery!;
  }

  /** Sends every matching event to the queue, then drains it (the consumer takes them in batches, as Lambda does). */
  async deliverAll(events: readonly unknown[]): Promise<Delivery[]> {
    const sent: (string | undefined)[] = [];
    for (const event of events) sent.push(this.#options.matches(event) ? await this.#options.send(structuredClone(event)) : undefined);
    // Each failed message comes back at once locally: maxReceiveCount rounds per event, and one more for the redrive.
    await this.#options.poller.drain((this.#options.maxReceiveCount + 1) * Math.max(1, events.length));
    return sent.map((messageId, index): Delivery => {
      if (messageId === undefined) return "unmatched";
      const handled = this.#options.poller.handled(messageId);
      if (!handled || handled.succeeded || handled.attempts < this.#options.maxReceiveCount) return "delivered";
      this.deadLetters.push({ event: events[index], attempts: handled.attempts, requestId: handled.requestId });
      return "dead-lettered";
    });
  }
}

export interface LocalQueues {
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly deadLetterQueueUrl: string;
  readonly deadLetterQueueArn: string;
}

export interface QueuePollerOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly queueArn?: string;
  readonly handler: LambdaHandler<SQSEvent, SQSBatchResponse | void>;
  readonly functionName?: string;
  readonly batchSize?: number;
  /** Told of the messages the handler took (not failed), once they are deleted. */
  readonly onHandled?: (bodies: readonly string[]) => Promise<void> | void;
  /**
   * Asked for each message the handler took: true leaves it in the queue (its delete lost), so it is delivered again,
   * as SQS's at-least-once delivery allows (the local system's faults.settleQueue.redeliverRate).
   */
  readonly redeliver?: () => boolean;
}

/** What the event source mapping did with one message: how often it was handed over, and whether the last one succeeded. */
export interface HandledMessage {
  readonly attempts: number;
  readonly succeeded: boolean;
  readonly requestId: string;
}

/** SQS event source mapping, locally: receive, invoke, delete what succeeded, make failures visible again. */
export class LocalQueuePoller {
  readonly #options: QueuePollerOptions;
  readonly #handled = new Map<string, HandledMessage>();
  /** Messages the handler took that were left in the queue to be delivered again (redeliver). */
  redelivered = 0;

  /** What became of a message this poller received, by its id; undefined if it never received it. */
  handled(messageId: string): HandledMessage | undefined {
    return this.#handled.get(messageId);
  }

  constructor(options: QueuePollerOptions) {
    this.#options = options;
  }

  /** One receive + invoke. Returns how many messages were handled and how many failed. */
  async pollOnce(): Promise<{ received: number; failed: number }> {
    const { sqs, queueUrl } = this.#options;
    const received = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: this.#options.batchSize ?? SETTLE_QUEUE.batchSize,
        WaitTimeSeconds: 0,
        MessageSystemAttributeNames: ["All"],
        MessageAttributeNames: ["All"],
      }),
    );
    const messages = received.Messages ?? [];
    if (messages.length === 0) return { received: 0, failed: 0 };
    const records: SQSRecord[] = messages.map((message) => ({
      messageId: message.MessageId!,
      receiptHandle: message.ReceiptHandle!,
      body: message.Body ?? "",
      attributes: (message.Attributes ?? {}) as unknown as SQSRecord["attributes"],
      // As Lambda hands them over: each message attribute with its type and value.
      messageAttributes: Object.fromEntries(
        Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
          name,
          { dataType: value.DataType ?? "String", ...(value.StringValue !== undefined && { stringValue: value.StringValue }), stringListValues: [], binaryListValues: [] },
        ]),
      ),
      md5OfBody: message.MD5OfBody ?? "",
      eventSource: "aws:sqs",
      eventSourceARN: this.#options.queueArn ?? queueUrl,
      awsRegion: process.env.AWS_REGION ?? "us-east-1",
    }));
    let failedIds: Set<string>;
    const context = localContext(this.#options.functionName ?? "settle");
    try {
      const response = await this.#options.handler({ Records: records }, context);
      failedIds = new Set((response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
    } catch {
      // A thrown handler fails the whole batch, as Lambda does.
      failedIds = new Set(records.map((record) => record.messageId));
    }
    const handledOk = records.filter((record) => !failedIds.has(record.messageId));
    const again = new Set(handledOk.filter(() => this.#options.redeliver?.() === true).map((record) => record.messageId));
    this.redelivered += again.size;
    const succeeded = handledOk.filter((record) => !again.has(record.messageId));
    const failed = records.filter((record) => failedIds.has(record.messageId) || again.has(record.messageId));
    for (const record of records) {
      const attempts = (this.#handled.get(record.messageId)?.attempts ?? 0) + 1;
      this.#handled.set(record.messageId, { attempts, succeeded: !failedIds.has(record.messageId), requestId: context.awsRequestId });
    }
    if (succeeded.length > 0) {
      await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: succeeded.map((record, index) => ({ Id: String(index), ReceiptHandle: record.receiptHandle })) }));
    }
    if (failed.length > 0) {
      // Locally a failed message is retried at once instead of after the visibility timeout.
      await sqs.send(
        new ChangeMessageVisibilityBatchCommand({ QueueUrl: queueUrl, Entries: failed.map((record, index) => ({ Id: String(index), ReceiptHandle: record.receiptHandle, VisibilityTimeout: 0 })) }),
      );
    }
    if (handledOk.length > 0) await this.#options.onHandled?.(handledOk.map((record) => record.body));
    return { received: records.length, failed: failed.length - again.size };
  }

  /** Polls until the queue has nothing ready, at most `maxRounds` times. Returns the messages handled. */
  async drain(maxRounds = 50): Promise<number> {
    let total = 0;
    for (let round = 0; round < maxRounds; round += 1) {
      const { received } = await this.pollOnce();
      if (received === 0) break;
      total += received;
    }
    return total;
  }
}
