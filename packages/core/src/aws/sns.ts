// The SNS adapter: the one publisher (voice/envelope.ts Publisher) of every message the monitor sends, to the topic
// the caller names (alerts or health), with MessageStructure "json" and the message attributes subscribers filter on.
// Built once with the ARNs of the topics it may use; a topic it was not given is refused (TopicNotConfigured).

import type { SNSClient, SNSClientConfig } from "@aws-sdk/client-sns";
import { TopicNotConfigured } from "../errors.ts";
import type { Publisher, SnsEnvelope, Topic } from "../voice/envelope.ts";
import { clientConfig } from "./client-config.ts";
import { translateSdkError } from "./sdk-errors.ts";
import type { TopicReader } from "../tamper/self-audit-collect.ts";

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

/** Reads the topics' attributes and subscriptions for the self-audit (tamper/self-audit.ts). */
export class SnsTopicReader implements TopicReader {
  readonly #options: Pick<SnsPublisherOptions, "client" | "clientConfig">;
  #client: SNSClient | undefined;

  constructor(options: Pick<SnsPublisherOptions, "client" | "clientConfig"> = {}) {
    this.#options = options;
    this.#client = options.client;
  }

  async #send<T>(operation: string, command: (module: typeof import("./deferred/sns-read.ts"), client: SNSClient) => Promise<T>): Promise<T> {
    const module = await import("./deferred/sns-read.ts");
    this.#client ??= new module.SNSClient({ ...clientConfig(), ...this.#options.clientConfig });
    try {
      return await command(module, this.#client);
    } catch (error) {
      throw translateSdkError("SNS", operation, error);
    }
  }

  async attributes(topicArn: string): Promise<Readonly<Record<string, string>>> {
    return (await this.#send("GetTopicAttributes", (module, client) => client.send(new module.GetTopicAttributesCommand({ TopicArn: topicArn })))).Attributes ?? {};
  }

  /** Every subscription of the topic (all pages); a pending one has the SubscriptionArn "PendingConfirmation". */
  async subscriptions(topicArn: string): Promise<readonly { readonly arn: string; readonly protocol: string; readonly endpoint: string }[]> {
    const found: { arn: string; protocol: string; endpoint: string }[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.#send("ListSubscriptionsByTopic", (module, client) => client.send(new module.ListSubscriptionsByTopicCommand({ TopicArn: topicArn, ...(nextToken && { NextToken: nextToken }) })));
      for (const subscription of page.Subscriptions ?? []) found.push({ arn: subscription.SubscriptionArn ?? "(no ARN)", protocol: subscription.Protocol ?? "(no protocol)", endpoint: subscription.Endpoint ?? "(no endpoint)" });
      nextToken = page.NextToken;
    } while (nextToken);
    return found;
  }

  async subscriptionAttributes(subscriptionArn: string): Promise<Readonly<Record<string, string>>> {
    return (await this.#send("GetSubscriptionAttributes", (module, client) => client.send(new module.GetSubscriptionAttributesCommand({ SubscriptionArn: subscriptionArn })))).Attributes ?? {};
  }
}
