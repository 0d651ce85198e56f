// The local stand-ins for what AWS does between the parts: EventBridge routing an event to the `cluster-event`
// Lambda (pattern match, asynchronous invocation with retries, then a dead-letter queue), and the SQS event
// source mapping feeding the `settle` Lambda (batches, partial batch failures, redrive to a dead-letter queue
// after maxReceiveCount). The handlers run unchanged: the same code Lambda runs, called in this process.

import { ChangeMessageVisibilityBatchCommand, DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { CLUSTER_EVENT_INVOCATION, FUNCTION_TIMEOUT_SECONDS, SETTLE_QUEUE } from "@eks-warden/core/deployment";

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

/** A failed asynchronous invocation, as the local router recorded it (its dead-letter queue gets Lambda's shape). */
export interface DeadLetter {
  readonly event: unknown;
  readonly error: string;
  readonly attempts: number;
  /** The request id of the last attempt (Lambda's RequestID attribute). */
  readonly requestId: string;
}

export interface EventRouterOptions {
  /** The deployed rule's pattern, as a predicate (matchesEventPattern(clusterEventPattern, event)). */
  readonly matches: (event: unknown) => boolean;
  readonly handler: LambdaHandler<unknown, unknown>;
  readonly functionName?: string;
  /** Asynchronous invocation: the first try and the retries the stack configures (CLUSTER_EVENT_INVOCATION). */
  readonly maxAttempts?: number;
  /** Where an event that failed every attempt goes (a queue, a list). */
  readonly onDeadLetter?: (letter: DeadLetter) => void | Promise<void>;
}

export type Delivery = "unmatched" | "delivered" | "dead-lettered";

/** EventBridge rule + asynchronous Lambda invocation, locally. */
export class LocalEventRouter {
  readonly deadLetters: DeadLetter[] = [];
  readonly #options: EventRouterOptions;

  constructor(options: EventRouterOptions) {
    this.#options = options;
  }

  async deliver(event: unknown): Promise<Delivery> {
    if (!this.#options.matches(event)) return "unmatched";
    const maxAttempts = this.#options.maxAttempts ?? CLUSTER_EVENT_INVOCATION.retryAttempts + 1;
    let lastError: unknown;
    let requestId = "";
    for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
      const context = localContext(this.#options.functionName ?? "cluster-event");
      requestId = context.awsRequestId;
      try {
        await this.#options.handler(structuredClone(event), context);
        return "delivered";
      } catch (error) {
        lastError = error;
      }
    }
    const letter = { event, error: lastError instanceof Error ? `${lastError.name}: ${lastError.message}` : String(lastError), attempts: maxAttempts, requestId };
    this.deadLetters.push(letter);
    await this.#options.onDeadLetter?.(letter);
    return "dead-lettered";
  }

  async deliverAll(events: readonly unknown[]): Promise<Delivery[]> {
    const results: Delivery[] = [];
    for (const event of events) results.push(await this.deliver(event));
    return results;
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
}

/** SQS event source mapping, locally: receive, invoke, delete what succeeded, make failures visible again. */
export class LocalQueuePoller {
  readonly #options: QueuePollerOptions;

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
    try {
      const response = await this.#options.handler({ Records: records }, localContext(this.#options.functionName ?? "settle"));
      failedIds = new Set((response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
    } catch {
      // A thrown handler fails the whole batch, as Lambda does.
      failedIds = new Set(records.map((record) => record.messageId));
    }
    const succeeded = records.filter((record) => !failedIds.has(record.messageId));
    const failed = records.filter((record) => failedIds.has(record.messageId));
    if (succeeded.length > 0) {
      await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: succeeded.map((record, index) => ({ Id: String(index), ReceiptHandle: record.receiptHandle })) }));
    }
    if (failed.length > 0) {
      // Locally a failed message is retried at once instead of after the visibility timeout.
      await sqs.send(
        new ChangeMessageVisibilityBatchCommand({ QueueUrl: queueUrl, Entries: failed.map((record, index) => ({ Id: String(index), ReceiptHandle: record.receiptHandle, VisibilityTimeout: 0 })) }),
      );
    }
    if (succeeded.length > 0) await this.#options.onHandled?.(succeeded.map((record) => record.body));
    return { received: records.length, failed: failed.length };
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
