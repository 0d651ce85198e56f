// The KMS adapter: the state of the topics' keys (enabled, disabled, pending deletion), for the self-audit.

import type { KMSClient, KMSClientConfig } from "@aws-sdk/client-kms";
import type { KeyStates } from "../tamper/self-audit-collect.ts";
import { clientConfig } from "./client-config.ts";
import type { ClientOptions } from "./events.ts";
import { translateSdkError } from "./sdk-errors.ts";

export class KmsKeys implements KeyStates {
  readonly #options: ClientOptions<KMSClient, KMSClientConfig>;
  #client: KMSClient | undefined;

  constructor(options: ClientOptions<KMSClient, KMSClientConfig> = {}) {
    this.#options = options;
    this.#client = options.client;
  }

  /** DescribeKey's KeyState (Enabled, Disabled, PendingDeletion, ...) and, when scheduled, the deletion date. */
  async describe(key: string): Promise<{ readonly state: string; readonly deletionDate?: string }> {
    const { DescribeKeyCommand, KMSClient } = await import("./deferred/kms.ts");
    this.#client ??= new KMSClient({ ...clientConfig(), ...this.#options.clientConfig });
    try {
      const metadata = (await this.#client.send(new DescribeKeyCommand({ KeyId: key }))).KeyMetadata;
      return { state: metadata?.KeyState ?? "(no state)", ...(metadata?.DeletionDate && { deletionDate: metadata.DeletionDate.toISOString() }) };
    } catch (error) {
      throw translateSdkError("KMS", "DescribeKey", error);
    }
  }
}
