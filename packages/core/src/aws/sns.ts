// The SNS adapter: publishes rendered alerts to the alerts topic with MessageStructure "json" and the message
// attributes subscribers filter on (severity, ruleId, transition, account, region, cluster, kind).

import type { SNSClient, SNSClientConfig } from "@aws-sdk/client-sns";
import type { RenderedAlert } from "../voice/alert.ts";
import type { Notifier } from "../pipeline/ports.ts";
import { clientConfig } from "./client-config.ts";
import { translateSdkError } from "./sdk-errors.ts";

export interface SnsNotifierOptions {
  readonly topicArn: string;
  readonly client?: SNSClient;
  readonly clientConfig?: SNSClientConfig;
}

export class SnsNotifier implements Notifier {
  readonly #options: SnsNotifierOptions;
  #client: SNSClient | undefined;

  constructor(options: SnsNotifierOptions) {
    this.#options = options;
    this.#client = options.client;
  }

  /** An alert, or any message of the topic (the digest) with its own attributes. */
  async publish(alert: Pick<RenderedAlert, "subject" | "message" | "messageStructure"> & { readonly attributes: Readonly<Record<string, string>> }): Promise<void> {
    const { PublishCommand, SNSClient } = await import("./deferred/sns.ts");
    this.#client ??= new SNSClient({ ...clientConfig(), ...this.#options.clientConfig });
    try {
      await this.#client.send(
        new PublishCommand({
          TopicArn: this.#options.topicArn,
          Subject: alert.subject,
          Message: alert.message,
          MessageStructure: alert.messageStructure,
          MessageAttributes: Object.fromEntries(Object.entries(alert.attributes).map(([name, value]) => [name, { DataType: "String", StringValue: value }])),
        }),
      );
    } catch (error) {
      throw translateSdkError("SNS", "Publish", error);
    }
  }
}
