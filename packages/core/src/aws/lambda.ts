// The Lambda adapter: the state of the event source mappings that feed the stack's functions from their queues, for
// the self-audit (tamper/self-audit.ts). GetEventSourceMapping by UUID: the stack knows its mappings, so the read
// is scoped to them (ListEventSourceMappings would need every mapping of the account).

import type { LambdaClient, LambdaClientConfig } from "@aws-sdk/client-lambda";
import type { EventSourceMappingStates } from "../tamper/self-audit-collect.ts";
import { clientConfig } from "./client-config.ts";
import type { ClientOptions } from "./events.ts";
import { translateSdkError } from "./sdk-errors.ts";

export class LambdaEventSourceMappings implements EventSourceMappingStates {
  readonly #options: ClientOptions<LambdaClient, LambdaClientConfig>;
  #client: LambdaClient | undefined;

  constructor(options: ClientOptions<LambdaClient, LambdaClientConfig> = {}) {
    this.#options = options;
    this.#client = options.client;
  }

  /** GetEventSourceMapping's State (Enabled, Disabled, Disabling, Updating, ...). */
  async state(uuid: string): Promise<string> {
    const { GetEventSourceMappingCommand, LambdaClient } = await import("./deferred/lambda.ts");
    this.#client ??= new LambdaClient({ ...clientConfig(), ...this.#options.clientConfig });
    try {
      const mapping = await this.#client.send(new GetEventSourceMappingCommand({ UUID: uuid }));
      return mapping.State ?? "(no state)";
    } catch (error) {
      throw translateSdkError("Lambda", "GetEventSourceMapping", error);
    }
  }
}
