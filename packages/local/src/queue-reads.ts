// Reading the local queues as a person or a subscriber would: depth, a look without taking, a subscriber's read.
import { ChangeMessageVisibilityBatchCommand, DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { notificationFromSqsBody, type ReceivedNotification } from "./notifications.ts";

export async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<number> {
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
export async function peekAll(sqs: SQSClient, queueUrl: string): Promise<PeekedMessage[]> {
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
export async function readSubscriberQueue(sqs: SQSClient, queueUrl: string): Promise<ReceivedNotification[]> {
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
