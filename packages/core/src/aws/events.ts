// The EventBridge adapter: the state of the stack's own rules, for the self-audit (tamper/self-audit.ts).

import type { EventBridgeClient, EventBridgeClientConfig } from "@aws-sdk/client-eventbridge";
import type { RuleStates } from "../tamper/self-audit-collect.ts";
import { clientConfig } from "./client-config.ts";
import { translateSdkError } from "./sdk-errors.ts";

export interface ClientOptions<Client, Config> {
  readonly client?: Client;
  readonly clientConfig?: Config;
}

export class EventBridgeRules implements RuleStates {
  readonly #options: ClientOptions<EventBridgeClient, EventBridgeClientConfig>;
  #client: EventBridgeClient | undefined;

  constructor(options: ClientOptions<EventBridgeClient, EventBridgeClientConfig> = {}) {
    this.#options = options;
    this.#client = options.client;
  }

  /** DescribeRule's State; a rule without one is reported as "(no state)", never as enabled. */
  async state(name: string, bus?: string): Promise<string> {
    const { DescribeRuleCommand, EventBridgeClient } = await import("./deferred/eventbridge.ts");
    this.#client ??= new EventBridgeClient({ ...clientConfig(), ...this.#options.clientConfig });
    try {
      const rule = await this.#client.send(new DescribeRuleCommand({ Name: name, ...(bus && { EventBusName: bus }) }));
      return rule.State ?? "(no state)";
    } catch (error) {
      throw translateSdkError("EventBridge", "DescribeRule", error);
    }
  }
}
