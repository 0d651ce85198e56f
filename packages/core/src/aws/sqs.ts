// The SQS adapter: settle checks (each a message delivered after a delay, SQS allows 0-900 s) and the archive that
// keeps dead letters for redrive once their alert is published.

import { SendMessageCommand, SQSClient, type SQSClientConfig } from "@aws-sdk/client-sqs";
import type { SettleMessage, SettleQueue } from "../pipeline/ports.ts";
import { clientConfig } from "./client-config.ts";
import { translateSdkError } from "./sdk-errors.ts";

export const MAX_SQS_DELAY_SECONDS = 900;

export interface SqsSettleQueueOptions {
  readonly queueUrl: string;
  readonly client?: SQSClient;
  readonly clientConfig?: SQSClientConfig;
}

export class SqsSettleQueue implements SettleQueue {
  readonly #client: SQSClient;
  readonly #queueUrl: string;

  constructor(options: SqsSettleQueueOptions) {
    this.#client = options.client ?? new SQSClient({ ...clientConfig(), ...options.clientConfig });
    this.#queueUrl = options.queueUrl;
  }

  async enqueue(message: SettleMessage, delaySeconds: number): Promise<void> {
    const delay = Math.min(MAX_SQS_DELAY_SECONDS, Math.max(0, Math.round(delaySeconds)));
    try {
      await this.#client.send(new SendMessageCommand({ QueueUrl: this.#queueUrl, MessageBody: JSON.stringify(message), DelaySeconds: delay }));
    } catch (error) {
      throw translateSdkError("SQS", "SendMessage", error);
    }
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
  readonly #client: SQSClient;
  readonly #queueUrl: string;

  constructor(options: SqsSettleQueueOptions) {
    this.#client = options.client ?? new SQSClient({ ...clientConfig(), ...options.clientConfig });
    this.#queueUrl = options.queueUrl;
  }

  async keep(message: KeptMessage): Promise<void> {
    try {
      await this.#client.send(
        new SendMessageCommand({
          QueueUrl: this.#queueUrl,
          MessageBody: message.body,
          MessageAttributes: Object.fromEntries(Object.entries(message.attributes).map(([name, value]) => [name, { DataType: "String", StringValue: value }])),
        }),
      );
    } catch (error) {
      throw translateSdkError("SQS", "SendMessage", error);
    }
  }
}
