// The SNS adapter: the one publisher (voice/envelope.ts Publisher) of every message the monitor sends, to the topic
// the caller names (alerts or health), with MessageStructure "json" and the message attributes subscribers filter on.
// Built once with the ARNs of the topics it may use; a topic it was not given is refused (TopicNotConfigured).

import type { SNSClient, SNSClientConfig } from "@aws-sdk/client-sns";
import { TopicNotConfigured } from "../errors.ts";
import type { Publisher, SnsEnvelope, Topic } from "../voice/envelope.ts";
import { clientConfig } from "./client-config.ts";
import { translateSdkError } from "./sdk-errors.ts";

export interface SnsPublisherOptions {
  /** The ARN of each topic this publisher may use; a topic left out is refused. */
  readonly topics: Readonly<Partial<Record<Topic, string>>>;
  readonly client?: SNSClient;
  readonly clientConfig?: SNSClientConfig;
}

export class SnsPublisher implements Publisher {
  readonly #options: SnsPublisherOptions;
  #client: SNSClient | undefined;

  constructor(options: SnsPublisherOptions) {
    this.#options = options;
    this.#client = options.client;
  }

  /** The message (an alert, a notice, the digest: each with its own attributes) to the topic. */
  async publish(topic: Topic, message: SnsEnvelope): Promise<void> {
    const topicArn = this.#options.topics[topic];
    if (!topicArn) throw new TopicNotConfigured(topic);
    const { PublishCommand, SNSClient } = await import("./deferred/sns.ts");
    this.#client ??= new SNSClient({ ...clientConfig(), ...this.#options.clientConfig });
    try {
      await this.#client.send(
        new PublishCommand({
          TopicArn: topicArn,
          Subject: message.subject,
          Message: message.message,
          MessageStructure: message.messageStructure,
          MessageAttributes: Object.fromEntries(Object.entries(message.attributes).map(([name, value]) => [name, { DataType: "String", StringValue: value }])),
        }),
      );
    } catch (error) {
      throw translateSdkError("SNS", "Publish", error);
    }
  }
}
