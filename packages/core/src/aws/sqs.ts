// The SQS adapter for settle checks: each check is a message delivered after a delay (SQS allows 0-900 s).

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
