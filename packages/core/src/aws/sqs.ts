// The SQS adapter: settle checks (each a message delivered after a delay, SQS allows 0-900 s) and the archive that
// keeps dead letters for redrive once their alert is published.

import type { SQSClient, SQSClientConfig } from "@aws-sdk/client-sqs";
import type { SettleMessage, SettleQueue } from "../pipeline/ports.ts";
import { clientConfig } from "./client-config.ts";
import { translateSdkError } from "./sdk-errors.ts";

export const MAX_SQS_DELAY_SECONDS = 900;

export interface SqsSettleQueueOptions {
  readonly queueUrl: string;
  readonly client?: SQSClient;
  readonly clientConfig?: SQSClientConfig;
}

/** One queue's client, created with the SQS SDK on the first send (deferred/README.md). */
class QueueSender {
  readonly #options: SqsSettleQueueOptions;
  #client: SQSClient | undefined;

  constructor(options: SqsSettleQueueOptions) {
    this.#options = options;
    this.#client = options.client;
  }

  async send(message: { readonly MessageBody: string; readonly DelaySeconds?: number; readonly MessageAttributes?: Record<string, { DataType: string; StringValue: string }> }): Promise<void> {
    const { SendMessageCommand, SQSClient } = await import("./deferred/sqs.ts");
    this.#client ??= new SQSClient({ ...clientConfig(), ...this.#options.clientConfig });
    try {
      await this.#client.send(new SendMessageCommand({ QueueUrl: this.#options.queueUrl, ...message }));
    } catch (error) {
      throw translateSdkError("SQS", "SendMessage", error);
    }
  }
}

export class SqsSettleQueue implements SettleQueue {
  readonly #queue: QueueSender;

  constructor(options: SqsSettleQueueOptions) {
    this.#queue = new QueueSender(options);
  }

  async enqueue(message: SettleMessage, delaySeconds: number): Promise<void> {
    const delay = Math.min(MAX_SQS_DELAY_SECONDS, Math.max(0, Math.round(delaySeconds)));
    await this.#queue.send({ MessageBody: JSON.stringify(message), DelaySeconds: delay });
  }
}

/** A message to keep as it was: its body and its string attributes. */
export interface KeptMessage {
  readonly body: string;
  readonly attributes: Readonly<Record<string, string>>;
}

/**
 * The archive a dead letter is copied to once its alert is out (docs/threat-model.md, path 22): the dead-letter queue
 * is then drained by its consumer, and the archive keeps the letter for redrive.
 */
export class SqsDeadLetterArchive {
  readonly #queue: QueueSender;

  constructor(options: SqsSettleQueueOptions) {
    this.#queue = new QueueSender(options);
  }

  async keep(message: KeptMessage): Promise<void> {
    await this.#queue.send({
      MessageBody: message.body,
      MessageAttributes: Object.fromEntries(Object.entries(message.attributes).map(([name, value]) => [name, { DataType: "String", StringValue: value }])),
    });
  }
}
